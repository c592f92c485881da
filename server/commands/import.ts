import { isBerthError } from '../errors/domain.js';
import { importArchive, type ImportSummary } from '../import/index.js';
import { formatBytes, progressPrinter } from '../import/progress-line.js';
import { openStore } from '../runtime/registry.js';
import { formatAddress } from '../net/listen.js';
import { SERVE_OPTIONS, UsageError, parseCommandArgs, serveConfigFromFlags } from '../runtime/flags.js';
import type { ListenAddress } from '../config.js';

export interface ImportIo {
  readonly out: (line: string) => void;
  readonly err: (text: string) => void;
  readonly tty: boolean;
}

/**
 * `berth import FILE [--tag repo:tag] [--compress] [serve's flags]`: loads a `docker save` / `skopeo copy` archive into
 * the store (`-` reads standard input). Safe next to a running `berth serve` on the same root: every store
 * write is atomic and the server reads the store per request, so new tags are served at once.
 * Exit 0 only when every image was imported; Ctrl-C cancels, leaving no tag on an incomplete image.
 */
export async function importCommand(args: string[], io: ImportIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    // serve's flags and config too, so the `docker pull` lines name the address the registry really uses.
    { ...SERVE_OPTIONS, tag: { type: 'string' }, compress: { type: 'boolean', default: false } },
    true,
  );
  if (positionals.length !== 1) throw new UsageError('import needs exactly one archive file (or - for standard input)');
  const file = positionals[0] as string;
  const config = serveConfigFromFlags(values);
  const store = openStore(config);
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const progress = progressPrinter(io.err, io.tty);
  try {
    const summary = await importArchive(store, file === '-' ? { stream: process.stdin } : { path: file }, {
      ...(values.tag !== undefined ? { tag: values.tag } : {}),
      compress: values.compress === true,
      signal: controller.signal,
      onProgress: (p) => progress.update(p),
    });
    progress.end();
    printSummary(summary, formatAddress(pullAddress(config.addr)), io.out);
    return 0;
  } catch (err) {
    progress.end();
    if (controller.signal.aborted) {
      io.err('berth import: cancelled; no tag points to a partly imported image (run `berth gc` to drop stray blobs)\n');
      return 130;
    }
    if (isBerthError(err)) {
      io.err(`berth import: ${file}: ${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** A registry listening on every interface is pulled from this machine over loopback (which Docker trusts over HTTP). */
const pullAddress = (addr: ListenAddress): ListenAddress => (addr.host === '0.0.0.0' || addr.host === '::' ? { host: '127.0.0.1', port: addr.port } : addr);

function printSummary(summary: ImportSummary, registry: string, out: (line: string) => void): void {
  out(`imported ${summary.images.length} image${summary.images.length === 1 ? '' : 's'}: ${formatBytes(summary.bytesNew)} new, ${formatBytes(summary.bytesExisting)} already present`);
  for (const image of summary.images) {
    const names = image.tags.length > 0 ? image.tags.map((t) => `${image.repository}:${t}`).join(', ') : `${image.repository}@${image.digest}`;
    out(`  ${names}  ${image.digest}${image.imageId ? `  (image ID ${image.imageId.slice(7, 19)})` : ''}`);
  }
  if (summary.tags.length > 0) out(`tags created or moved: ${summary.tags.join(', ')}`);
  out('pull with:');
  for (const image of summary.images) {
    const ref = image.tags.length > 0 ? `${image.repository}:${image.tags[0]}` : `${image.repository}@${image.digest}`;
    out(`  docker pull ${registry}/${ref}`);
  }
}
