import { collectGarbage } from '../storage/gc.js';
import { checkStorage, openStore } from './serve.js';
import { STORAGE_OPTIONS, configFromFlags, parseCommandArgs } from './storage-flags.js';

const formatBytes = (n: number): string => (n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : `${n} B`);

/** `berth gc [--dry-run]`: removes unreferenced blobs and abandoned upload sessions. */
export async function gcCommand(args: string[], out: (line: string) => void): Promise<number> {
  const { values } = parseCommandArgs(args, {
    ...STORAGE_OPTIONS,
    'dry-run': { type: 'boolean', default: false },
    'grace-seconds': { type: 'string' },
    'upload-max-age-seconds': { type: 'string' },
  });
  const config = configFromFlags(values, {
    gc: {
      ...(values['grace-seconds'] !== undefined ? { blob_grace_seconds: values['grace-seconds'] } : {}),
      ...(values['upload-max-age-seconds'] !== undefined ? { upload_max_age_seconds: values['upload-max-age-seconds'] } : {}),
    },
  });
  const dryRun = values['dry-run'] === true;
  await checkStorage(config);
  const report = await collectGarbage(openStore(config), { dryRun, ...config.gc });
  const verb = dryRun ? 'would remove' : 'removed';
  for (const blob of report.blobsRemoved) out(`${verb} blob ${blob.digest} (${formatBytes(blob.size)})`);
  for (const upload of report.uploadsRemoved) out(`${verb} upload ${upload.repository}/${upload.id} (${formatBytes(upload.size)})`);
  out(`gc: ${verb} ${report.blobsRemoved.length} blobs (${formatBytes(report.bytesFreed)}), ${report.uploadsRemoved.length} upload sessions and ${report.debrisRemoved} leftovers of interrupted writes; kept ${report.blobsKept} blobs`);
  return 0;
}
