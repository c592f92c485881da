import { CONSOLE_CSP } from '../headless/security-headers.js';
import type { AppModule } from './context.js';
import type { WebContentsPort } from './ports.js';

/**
 * Electron security checklist items that apply to every web contents: no navigation away from the app,
 * no new windows, no <webview>, no permission prompts, and the same CSP as the headless console.
 */
export function lockDownContents(contents: WebContentsPort): void {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-frame-navigate', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

export const securityModule: AppModule = {
  name: 'security',
  enable({ electron }) {
    electron.app.on('web-contents-created', (_event, contents) => lockDownContents(contents));
    const session = electron.session.defaultSession;
    session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
    // The renderer's index.html also carries this policy as a meta tag, for file:// loads.
    session.webRequest.onHeadersReceived((details, callback) =>
      callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONSOLE_CSP] } }),
    );
  },
};
