import type { KeychainState } from '../api/types.js';

/** Buttons that need the keychain point at this notice for their reason (aria-describedby). */
export const KEYCHAIN_NOTICE_ID = 'keychain-notice';

/**
 * The one notice of a missing keychain: what is missing, what still works, how to get one. The raw error
 * stays folded away; it is for a bug report, not for reading.
 */
export function KeychainNotice({ state }: { state: Extract<KeychainState, { available: false }> }) {
  return (
    <div className="notice" role="note" id={KEYCHAIN_NOTICE_ID} data-testid="keychain-notice">
      <strong>{state.missing}</strong> <span>{state.fix}</span>
      <details>
        <summary>Details</summary>
        <code>{state.detail}</code>
      </details>
    </div>
  );
}
