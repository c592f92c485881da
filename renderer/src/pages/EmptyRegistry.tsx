import { ImportPicker } from '../components/ImportPanel.js';
import { PushRecipe } from '../components/PushRecipe.js';

/** An empty registry is the onboarding screen: import a tarball or push an image. */
export function EmptyRegistry({ onFiles }: { onFiles(files: File[]): void }) {
  return (
    <section className="empty-registry" aria-labelledby="empty-heading">
      <h1 id="empty-heading">No images yet</h1>
      <div className="drop-target card">
        <p>Drop a <code>docker save</code> tarball (.tar or .tar.gz) anywhere on this window to import it.</p>
        <ImportPicker onFiles={onFiles} />
      </div>
      <PushRecipe />
    </section>
  );
}
