// One credential-helper call as a process runs it: the action from the command line, the request on
// stdin, the answer on stdout, the exit code. Shared by the `docker-credential-berth` bundle of the npm
// package and by the desktop binary's `--credential-helper` mode, so both answer alike.
import type { Keychain } from '../keychain/keychain.js';
import { runCredentialHelper, type HelperResult } from './credential-helper.js';

export interface HelperIo {
  readonly stdin: AsyncIterable<Buffer | string>;
  write(text: string): Promise<void>;
}

/** Requests larger than this are not credentials; reading stops there. */
const MAX_INPUT = 64 * 1024;

async function readInput(stdin: HelperIo['stdin']): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buf.length;
    if (size > MAX_INPUT) throw new Error(`the request is larger than ${MAX_INPUT} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Runs `action` and returns the exit code; errors go to stdout with code 1, as Docker's helpers do. */
export async function runCredentialHelperProcess(action: string, io: HelperIo, openKeychain: () => Promise<Keychain>): Promise<number> {
  const needsInput = action === 'store' || action === 'get' || action === 'erase';
  let result: HelperResult;
  try {
    const input = needsInput ? await readInput(io.stdin) : '';
    // `version` and usage errors answer without touching the keychain (no Secret Service needed).
    const known = needsInput || action === 'list';
    result = known ? await runCredentialHelper(action, input, await openKeychain()) : await runCredentialHelper(action, input, NO_KEYCHAIN);
  } catch (err) {
    result = { stdout: `${err instanceof Error ? err.message : String(err)}\n`, code: 1 };
  }
  await io.write(result.stdout);
  return result.code;
}

const unused = (): never => {
  throw new Error('this action needs no keychain');
};
const NO_KEYCHAIN: Keychain = { set: unused, get: unused, delete: unused, accounts: unused };

/** The process's own stdin/stdout, with the write flushed before the caller exits. */
export const processIo = (): HelperIo => ({
  stdin: process.stdin as AsyncIterable<Buffer>,
  write: (text) => new Promise<void>((resolve) => (text === '' ? resolve() : process.stdout.write(text, () => resolve()))),
});
