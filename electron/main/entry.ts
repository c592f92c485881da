// The desktop binary's entry (bundled by electron/build.mjs as dist-electron/main.cjs). A credential-helper
// call is answered here, before Electron's app module is loaded: no window, no tray, no single-instance
// lock, nothing but stdin → keychain → stdout. Any other launch starts the app (./index.ts), which esbuild
// evaluates only on this dynamic import.
import { createKeychain, loadKeyring } from '../os/keychain/keychain.js';
import { processIo, runCredentialHelperProcess } from '../os/docker/credential-helper-process.js';
import { setFlagsFromString } from 'node:v8';
import { credentialHelperAction } from './credential-helper-mode.js';

const action = credentialHelperAction(process.argv);
if (action === undefined) {
  // The registry runs in this process: the young generation stays small, as bin/berth.mjs explains.
  setFlagsFromString('--semi-space-growth-factor=1');
  void import('./index.js');
} else {
  // process.exit: Electron's main process would otherwise wait for an app that is never started.
  void runCredentialHelperProcess(action, processIo(), async () => createKeychain(await loadKeyring())).then(
    (code) => process.exit(code),
    () => process.exit(1),
  );
}
