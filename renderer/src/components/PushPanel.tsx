import { Dialog } from './Dialog.js';
import { ProxyChecklist } from './ProxyChecklist.js';
import { PushRecipe } from './PushRecipe.js';

/**
 * "Push an image", opened from the top bar on any page: the commands for this machine and for the proxy,
 * and what the proxy still needs, each with a link to the Access page action that fixes it.
 */
export function PushPanel({ onClose }: { onClose(): void }) {
  return (
    <Dialog title="Push an image" onClose={onClose} className="drawer">
      <button type="button" className="drawer-close" aria-label="Close" onClick={onClose} data-autofocus>×</button>
      <PushRecipe layout="both" />
      <h3>Before pushing through the proxy</h3>
      <ProxyChecklist onFix={onClose} />
    </Dialog>
  );
}
