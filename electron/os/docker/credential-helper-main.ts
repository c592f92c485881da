// The `docker-credential-berth` executable: Docker's credential-helper protocol over stdin/stdout.
// Kept apart from credential-helper.ts so importing the protocol never runs it.
import { createKeychain, loadKeyring } from '../keychain/keychain.js';
import { runCredentialHelper, type HelperResult } from './credential-helper.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

async function main(): Promise<void> {
  const action = process.argv[2] ?? '';
  const needsInput = action === 'store' || action === 'get' || action === 'erase';
  const input = needsInput ? await readStdin() : '';
  let result: HelperResult;
  try {
    result = await runCredentialHelper(action, input, createKeychain(await loadKeyring()));
  } catch (err) {
    result = { stdout: `${err instanceof Error ? err.message : String(err)}\n`, code: 1 };
  }
  process.stdout.write(result.stdout);
  process.exitCode = result.code;
}

void main();
