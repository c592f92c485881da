// The `docker-credential-berth` executable of the npm package: Docker's credential-helper protocol over
// stdin/stdout. Kept apart from credential-helper.ts so importing the protocol never runs it.
import { createKeychain, loadKeyring } from '../keychain/keychain.js';
import { processIo, runCredentialHelperProcess } from './credential-helper-process.js';

void runCredentialHelperProcess(process.argv[2] ?? '', processIo(), async () => createKeychain(await loadKeyring())).then((code) => {
  process.exitCode = code;
});
