// Docker's credential-helper protocol (docker/docker-credential-helpers) over the `berth` keychain:
// `docker-credential-berth get|store|erase|list|version`, request on stdin, answer on stdout.
import type { Keychain } from '../keychain/keychain.js';

/** The exact words the docker CLI looks for to treat a lookup as "not logged in" rather than an error. */
export const NOT_FOUND_MESSAGE = 'credentials not found in native keychain';
const PREFIX = 'docker:';

export interface HelperResult {
  readonly stdout: string;
  readonly code: number;
}

/** `https://host:port/` and `host:port` are the same registry to docker; store one spelling. */
export function normalizeServerUrl(raw: string): string {
  const trimmed = raw.trim();
  if (trimmed === '' || /[\s\p{Cc}]/u.test(trimmed)) throw new Error('invalid server URL');
  return trimmed.replace(/^https?:\/\//i, '').replace(/\/+$/, '');
}

interface StoreRequest {
  ServerURL: string;
  Username: string;
  Secret: string;
}

function parseStore(input: string): StoreRequest {
  const body = JSON.parse(input) as Partial<StoreRequest>;
  if (typeof body.ServerURL !== 'string' || typeof body.Username !== 'string' || typeof body.Secret !== 'string') {
    throw new Error('store expects {"ServerURL","Username","Secret"}');
  }
  // The secret is stored as a Basic-auth pair; a ':' in the user name would split it in the wrong place.
  if (body.Username.includes(':')) throw new Error('user names with ":" cannot be stored');
  return body as StoreRequest;
}

/** One helper call; errors are printed on stdout with exit code 1, as the reference helpers do. */
export async function runCredentialHelper(action: string, input: string, keychain: Keychain): Promise<HelperResult> {
  try {
    switch (action) {
      case 'store': {
        const req = parseStore(input);
        await keychain.set(PREFIX + normalizeServerUrl(req.ServerURL), `${req.Username}:${req.Secret}`);
        return { stdout: '', code: 0 };
      }
      case 'get': {
        const server = normalizeServerUrl(input);
        const stored = await keychain.get(PREFIX + server);
        if (stored === undefined) return { stdout: `${NOT_FOUND_MESSAGE}\n`, code: 1 };
        const colon = stored.indexOf(':');
        return { stdout: `${JSON.stringify({ ServerURL: server, Username: stored.slice(0, colon), Secret: stored.slice(colon + 1) })}\n`, code: 0 };
      }
      case 'erase': {
        if (!(await keychain.delete(PREFIX + normalizeServerUrl(input)))) return { stdout: `${NOT_FOUND_MESSAGE}\n`, code: 1 };
        return { stdout: '', code: 0 };
      }
      case 'list': {
        const out: Record<string, string> = {};
        for (const account of await keychain.accounts()) {
          if (!account.startsWith(PREFIX)) continue;
          const stored = await keychain.get(account);
          if (stored !== undefined) out[account.slice(PREFIX.length)] = stored.slice(0, stored.indexOf(':'));
        }
        return { stdout: `${JSON.stringify(out)}\n`, code: 0 };
      }
      case 'version':
        return { stdout: 'docker-credential-berth (Berth) 1\n', code: 0 };
      default:
        return { stdout: `Usage: docker-credential-berth <store|get|erase|list|version>\n`, code: 1 };
    }
  } catch (err) {
    return { stdout: `${err instanceof Error ? err.message : String(err)}\n`, code: 1 };
  }
}
