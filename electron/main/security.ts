import { CONSOLE_CSP } from '../headless/security-headers.js';
import { isAppOrigin } from './app-protocol.js';
import type { AppModule } from './context.js';
import type { WebContentsPort } from './ports.js';

/** What the page may use: writing text to the clipboard (the copy buttons). Everything else is refused. */
export const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set(['clipboard-sanitized-write']);

/**
 * The one rule behind the permission request and check handlers (security.md #5): an allowed permission,
 * asked by the app's own origin in its top frame. Unknown or missing details mean no.
 */
export function permissionAllowed(permission: string, requesting: string | undefined, isMainFrame: boolean | undefined): boolean {
  return ALLOWED_PERMISSIONS.has(permission) && isMainFrame === true && requesting !== undefined && isAppOrigin(requesting);
}

/**
 * Links the page may hand to the system browser (security.md #15: never openExternal untrusted input
 * unchecked): plain http(s) web addresses without credentials in them. Image labels are written by whoever
 * built the image, so anything else (file:, smb:, custom schemes that start programs) is dropped.
 */
export function externalLink(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined;
  if (parsed.username || parsed.password || !parsed.hostname) return undefined;
  return parsed.href;
}

/**
 * Electron security checklist items that apply to every web contents: no navigation away from the app,
 * no new windows (a web link the page opens goes to the system browser instead), no <webview>, no
 * permissions beyond the clipboard, and the same CSP as the headless console.
 */
export function lockDownContents(contents: WebContentsPort, openExternal: (url: string) => Promise<void>): void {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-frame-navigate', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    const link = externalLink(url);
    if (link) void openExternal(link).catch(() => undefined);
    return { action: 'deny' };
  });
}

export const securityModule: AppModule = {
  name: 'security',
  enable({ electron }) {
    electron.app.on('web-contents-created', (_event, contents) => lockDownContents(contents, (url) => electron.shell.openExternal(url)));
    const session = electron.session.defaultSession;
    // Requests (prompts) and checks (navigator.permissions, feature probes) answer alike; devices (HID,
    // serial, USB) are never granted.
    session.setPermissionRequestHandler((_contents, permission, callback, details) => callback(permissionAllowed(permission, details?.requestingUrl, details?.isMainFrame)));
    session.setPermissionCheckHandler((_contents, permission, origin, details) => permissionAllowed(permission, origin, details?.isMainFrame));
    session.setDevicePermissionHandler(() => false);
    // The app protocol sends this policy too; this covers every other response the session sees.
    session.webRequest.onHeadersReceived((details, callback) =>
      callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONSOLE_CSP] } }),
    );
  },
};
