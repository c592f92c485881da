import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { Htpasswd, removeUser, setUser } from '../auth/htpasswd.js';
import { parseCommandArgs, UsageError } from '../runtime/flags.js';

const USAGE = 'usage: berth user add NAME --htpasswd FILE | user remove NAME --htpasswd FILE | user list --htpasswd FILE';

/** The password: one line from stdin when it is piped, else a prompt that does not echo. */
async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  }
  const muted = new Writable({ write: (_chunk, _enc, done) => done() });
  const rl = createInterface({ input: process.stdin, output: muted, terminal: true });
  process.stderr.write('Password: ');
  const password = await new Promise<string>((resolve) => rl.question('', resolve));
  rl.close();
  process.stderr.write('\n');
  return password;
}

/** `berth user add|remove|list`: manages the proxy's htpasswd file (bcrypt), atomically. */
export async function userCommand(args: string[], out: (line: string) => void): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { htpasswd: { type: 'string' } }, true);
  const [action, name] = positionals;
  const file = values.htpasswd;
  if (!file || !action) throw new UsageError(USAGE);
  try {
    switch (action) {
      case 'add': {
        if (!name) throw new UsageError(USAGE);
        const password = await readPassword();
        if (password.length === 0) throw new UsageError('the password is empty');
        await setUser(file, name, password);
        out(`user ${name} saved in ${file}`);
        return 0;
      }
      case 'remove': {
        if (!name) throw new UsageError(USAGE);
        const removed = await removeUser(file, name);
        out(removed ? `user ${name} removed from ${file}` : `no user ${name} in ${file}`);
        return removed ? 0 : 1;
      }
      case 'list': {
        const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT') return '';
          throw err;
        });
        for (const user of Htpasswd.parse(text).users.keys()) out(user);
        return 0;
      }
      default:
        throw new UsageError(USAGE);
    }
  } catch (err) {
    // Validation of names and passwords throws RangeError with a sentence meant for the user.
    if (err instanceof RangeError) throw new UsageError(err.message);
    throw err;
  }
}
