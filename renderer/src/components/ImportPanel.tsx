import { useId, useRef } from 'react';
import type { ImportJob, ImportOptions, ImportPhase } from '../api/types.js';
import { formatBytes } from '../format.js';
import { hrefs } from '../hooks/use-hash-route.js';
import { isFinished, type ImportEntry } from '../hooks/use-imports.js';

const PHASES: Record<ImportPhase, string> = {
  queued: 'Waiting',
  reading: 'Reading',
  verifying: 'Verifying digests',
  committing: 'Writing to the store',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

const ACCEPT = '.tar,.tar.gz,.tgz,application/x-tar,application/gzip';

/** The "Import image…" button: a real file dialog that takes several tarballs at once. */
export function ImportPicker({ onFiles, label = 'Import image…', primary = false }: { onFiles(files: File[]): void; label?: string; primary?: boolean }) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <button type="button" onClick={() => input.current?.click()}>{label}</button>
      <input
        ref={input}
        className="offscreen"
        type="file"
        multiple
        accept={ACCEPT}
        tabIndex={-1}
        data-import-input={primary ? '' : undefined}
        aria-label="Choose image tarballs"
        onChange={(e) => {
          const files = Array.from(e.target.files ?? []);
          e.target.value = '';
          if (files.length) onFiles(files);
        }}
      />
    </>
  );
}

/** "repo:tag" → a link to that manifest. */
function TagLink({ reference }: { reference: string }) {
  const at = reference.lastIndexOf(':');
  const slash = reference.lastIndexOf('/');
  if (at <= slash) return <code>{reference}</code>;
  return <a href={hrefs.manifest(reference.slice(0, at), reference.slice(at + 1))}><code>{reference}</code></a>;
}

function Progress({ job }: { job: ImportJob }) {
  const label = `${job.fileName} progress`;
  if (job.phase === 'done') return <progress aria-label={label} value={1} max={1} />;
  if (job.totalBytes && job.totalBytes > 0) return <progress aria-label={label} value={Math.min(job.bytesRead, job.totalBytes)} max={job.totalBytes} />;
  return isFinished(job.phase) ? null : <progress aria-label={label} />;
}

/** What a finished preview found: every image with the references it would get. */
function PreviewResult({ entry, onImport }: { entry: ImportEntry; onImport(): void }) {
  const preview = entry.job.preview;
  if (!preview) return null;
  return (
    <div className="import-preview">
      <p>Nothing was stored. Importing would create:</p>
      <ul aria-label={`Preview of ${entry.job.fileName}`}>
        {preview.images.map((image) => (
          <li key={image.index}>
            <span className="muted">Image {image.index + 1}{image.imageId ? ` (${image.imageId.replace(/^sha256:/, '').slice(0, 12)})` : ''}: </span>
            {image.references.length ? image.references.map((r) => <code key={r} className="tag-chip">{r}</code>) : <span className="muted">no new reference (a tag named by a later image)</span>}
          </li>
        ))}
      </ul>
      {entry.file ? (
        <button type="button" onClick={onImport} aria-label={`Import ${entry.job.fileName}`}>Import</button>
      ) : (
        <p className="muted">Drop or choose the file again to import it.</p>
      )}
    </div>
  );
}

function ImportRow({ entry, onCancel, onImport }: { entry: ImportEntry; onCancel(): void; onImport(): void }) {
  const { job } = entry;
  const phase = job.previewOnly && job.phase === 'done' ? 'Preview ready' : job.previewOnly && !isFinished(job.phase) ? `Preview: ${PHASES[job.phase]}` : PHASES[job.phase];
  const bytes = job.totalBytes ? `${formatBytes(job.bytesRead)} of ${formatBytes(job.totalBytes)}` : formatBytes(job.bytesRead);
  return (
    <li className={`import phase-${job.phase}`} aria-label={`Import of ${job.fileName}`}>
      <div className="import-head">
        <strong className="import-name">{job.fileName}</strong>
        <span className="import-phase" data-phase={job.phase}>{job.phase === 'failed' ? <span aria-hidden="true">✗ </span> : null}{phase}</span>
        {job.image ? <span className="muted">{job.image}</span> : null}
        {!isFinished(job.phase) ? <button type="button" onClick={onCancel} aria-label={`Cancel import of ${job.fileName}`}>Cancel</button> : null}
      </div>
      <Progress job={job} />
      <span className="import-bytes">{bytes}</span>
      {job.error ? <p className="import-error" role="alert"><strong>{job.previewOnly ? 'Preview failed: ' : 'Import failed: '}</strong>{job.error}</p> : null}
      <PreviewResult entry={entry} onImport={onImport} />
      {job.summary ? (
        <div className="import-summary">
          <span>Tags: </span>
          {job.summary.tags.length ? job.summary.tags.map((t) => <TagLink key={t} reference={t} />) : <span className="muted">none</span>}
          {job.summary.untagged.length ? <span className="muted"> · {job.summary.untagged.length} untagged</span> : null}
          <span className="muted"> · {formatBytes(job.summary.bytesNew)} new, {formatBytes(job.summary.bytesExisting)} already present</span>
        </div>
      ) : null}
    </li>
  );
}

/** The options with `tag` set, or without one when the field is empty (the archive's own tags are kept). */
function withTag({ tag: _previous, ...options }: ImportOptions, tag: string): ImportOptions {
  return tag ? { ...options, tag } : options;
}

export function ImportPanel(props: {
  entries: ImportEntry[];
  options: ImportOptions;
  onOptions(options: ImportOptions): void;
  onCancel(key: string): void;
  onImportPreviewed(key: string): void;
  onClearFinished(): void;
  /** Offered while the list is empty (the panel was opened from the top bar). */
  onHide?(): void;
}) {
  const headingId = useId();
  const tagId = useId();
  const anyFinished = props.entries.some((e) => isFinished(e.job.phase));
  return (
    <section className="imports card" id="imports-panel" aria-labelledby={headingId}>
      <div className="imports-head">
        <h2 id={headingId}>Imports</h2>
        <label htmlFor={tagId}>Tag as</label>
        <input id={tagId} placeholder="keep the archive's tags" value={props.options.tag ?? ''} onChange={(e) => props.onOptions(withTag(props.options, e.target.value.trim()))} spellCheck={false} />
        <label className="checkbox">
          <input type="checkbox" checked={props.options.compress ?? false} onChange={(e) => props.onOptions({ ...props.options, compress: e.target.checked })} />
          Compress layers
        </label>
        <label className="checkbox">
          <input type="checkbox" checked={props.options.preview ?? false} onChange={(e) => props.onOptions({ ...props.options, preview: e.target.checked })} />
          Preview first (store nothing)
        </label>
        {anyFinished ? <button type="button" onClick={props.onClearFinished}>Clear finished</button> : null}
        {props.onHide ? <button type="button" onClick={props.onHide}>Close</button> : null}
      </div>
      {props.entries.length ? (
        <ul className="import-list">
          {props.entries.map((e) => <ImportRow key={e.key} entry={e} onCancel={() => props.onCancel(e.key)} onImport={() => props.onImportPreviewed(e.key)} />)}
        </ul>
      ) : (
        <p className="muted">Drop <code>docker save</code> tarballs (.tar, .tar.gz) anywhere on this window, or pick them with Import image… (Ctrl+O).</p>
      )}
    </section>
  );
}
