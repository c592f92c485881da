import { CleanupAutomation } from '../../server/cleanup/automation.js';
import { MaintenanceHistory, gcHistoryEntry } from '../../server/cleanup/history.js';
import { planCleanup, planTagDeletion } from '../../server/cleanup/plan.js';
import { CleanupRulesError, CleanupRulesFile } from '../../server/cleanup/rules-file.js';
import { runCleanup } from '../../server/cleanup/run.js';
import { storageUsage } from '../../server/cleanup/usage.js';
import { assertName } from '../../server/oci/names.js';
import type { GcOptions, GcReport } from '../../server/storage/gc.js';
import type { Store } from '../../server/storage/store.js';
import { BRIDGE_ERRORS } from '../shared/bridge-codes.js';
import type { BerthApi, CleanupRunResult, CleanupSettings } from '../shared/bridge.js';
import { ServiceError } from './bridge-errors.js';
import type { Same } from './same-shape.js';

export type CleanupMethod = 'getCleanupRules' | 'saveCleanupRules' | 'planCleanup' | 'runCleanup' | 'getMaintenanceHistory' | 'getStorageUsage' | 'planTagDeletion';
export type CleanupApi = Pick<BerthApi, CleanupMethod>;

export interface CleanupHost {
  store(): Store;
  /** Calls the listener on every push, whichever storage folder is open; answers the unsubscribe. */
  onPushed(listener: () => void): () => void;
  gc(): Omit<GcOptions, 'dryRun' | 'deleteUntagged'>;
  log(line: string): void;
  debounceMs?: number;
}

/** Compile-time proof that the server's cleanup shapes are the bridge's (server/ cannot import the bridge). */
const _shapes: [
  Same<Awaited<ReturnType<typeof planCleanup>>, Awaited<ReturnType<BerthApi['planCleanup']>>>,
  Same<Awaited<ReturnType<typeof storageUsage>>, Awaited<ReturnType<BerthApi['getStorageUsage']>>>,
  Same<Awaited<ReturnType<MaintenanceHistory['list']>>, Awaited<ReturnType<BerthApi['getMaintenanceHistory']>>>,
  Same<Awaited<ReturnType<CleanupRulesFile['load']>>, Awaited<ReturnType<BerthApi['getCleanupRules']>>>,
] = [true, true, true, true];
void _shapes;

/** A gc report as the bridge's cleanup result carries it. */
const gcSummary = (gc: GcReport): NonNullable<CleanupRunResult['gc']> => {
  const times = [...gc.pending.blobs.map((b) => b.reclaimableAt), ...gc.pending.manifests.map((m) => m.reclaimableAt)].sort();
  return {
    bytesFreed: gc.bytesFreed,
    manifestsRemoved: gc.manifestsRemoved.length,
    blobsRemoved: gc.blobsRemoved.length,
    reclaimableLater: { bytes: gc.pending.bytes, from: times[0] ?? null, until: times[times.length - 1] ?? null },
  };
};

/**
 * Cleanup rules, their automation, the maintenance history and per-repository usage for the console. The
 * rules and the history live in the data folder, where `berth cleanup` and `berth gc` find them too.
 */
export class AppCleanup {
  private readonly rules: CleanupRulesFile;
  readonly history: MaintenanceHistory;
  private automation: CleanupAutomation | undefined;

  constructor(
    dataDir: string,
    private readonly host: CleanupHost,
  ) {
    this.rules = new CleanupRulesFile(dataDir);
    this.history = new MaintenanceHistory(dataDir);
  }

  private async load(): Promise<CleanupSettings> {
    try {
      return await this.rules.load();
    } catch (err) {
      if (err instanceof CleanupRulesError) throw new ServiceError(BRIDGE_ERRORS.invalidInput, err.message, `Fix or remove ${this.rules.file}.`);
      throw err;
    }
  }

  private async run(dryRun: boolean, trigger: 'console' | 'schedule' | 'push'): Promise<CleanupRunResult> {
    const result = await runCleanup(this.host.store(), (await this.load()).rules, { dryRun, gc: this.host.gc(), history: this.history, trigger });
    if (result.historyError !== undefined) this.host.log(`berth: the cleanup run is not in ${this.history.file}: ${result.historyError}`);
    return { dryRun, plan: result.plan, tagsRemoved: result.tagsRemoved, gc: result.gc ? gcSummary(result.gc) : null };
  }

  async start(): Promise<void> {
    this.automation?.stop();
    this.automation = new CleanupAutomation((listener) => this.host.onPushed(listener), {
      settings: () => this.rules.load(),
      run: async (trigger) => {
        const result = await this.run(false, trigger);
        this.host.log(`berth: cleanup (${trigger}) removed ${result.tagsRemoved.length} tags, gc freed ${result.gc?.bytesFreed ?? 0} bytes`);
      },
      log: this.host.log,
      ...(this.host.debounceMs !== undefined ? { debounceMs: this.host.debounceMs } : {}),
    });
    await this.automation.start();
  }

  stop(): void {
    this.automation?.stop();
  }

  /** Appends a console gc run to the history (the CLI's `berth gc` does the same). */
  async recordGc(report: GcReport, startedAt: string, dryRun: boolean): Promise<void> {
    await this.history.append(gcHistoryEntry(report, { startedAt, dryRun, trigger: 'console' }));
  }

  readonly api: CleanupApi = {
    getCleanupRules: () => this.load(),
    saveCleanupRules: async (input) => {
      try {
        const saved = await this.rules.save(input);
        await this.automation?.reschedule();
        return saved;
      } catch (err) {
        if (err instanceof CleanupRulesError) throw new ServiceError(BRIDGE_ERRORS.invalidInput, err.message);
        throw err;
      }
    },
    planCleanup: async ({ rules }) => planCleanup(this.host.store(), rules ?? (await this.load()).rules),
    runCleanup: ({ dryRun }) => this.run(dryRun, 'console'),
    getMaintenanceHistory: () => this.history.list(),
    getStorageUsage: () => storageUsage(this.host.store()),
    planTagDeletion: ({ repository, tags }) => planTagDeletion(this.host.store(), assertName(repository), tags),
  };
}
