import type { MaintenanceRun } from './history.js';
import type { CleanupSettings } from './rules.js';

export interface AutomationDeps {
  readonly settings: () => Promise<CleanupSettings>;
  /** One real cleanup run (rules, then gc); the automation never runs two at once. */
  readonly run: (trigger: Extract<MaintenanceRun['trigger'], 'schedule' | 'push'>) => Promise<void>;
  readonly log: (line: string) => void;
  /** Quiet time after the last push before the run (a push is many manifests; a CI job pushes several tags). */
  readonly debounceMs?: number;
  readonly now?: () => Date;
}

const DEFAULT_DEBOUNCE_MS = 60_000;

/** The next local `HH:MM` strictly after `now`. */
export function nextDailyRun(dailyAt: string, now: Date): Date {
  const [h, m] = dailyAt.split(':').map(Number) as [number, number];
  const next = new Date(now);
  next.setHours(h, m, 0, 0);
  if (next.getTime() <= now.getTime()) next.setDate(next.getDate() + 1);
  return next;
}

/**
 * Runs the cleanup rules daily and after pushes (debounced), as the saved settings say. The settings are
 * read at each decision, so a change in the console applies without a restart (`reschedule` re-arms the
 * daily timer at once). A run asked for while one runs happens once, after it.
 */
export class CleanupAutomation {
  private daily: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again: 'schedule' | 'push' | undefined;
  private stopped = false;
  private unsubscribe: (() => void) | undefined;

  /** `subscribe` calls its listener on every push (the store's `pushed` event) and answers how to stop. */
  constructor(
    private readonly subscribe: (onPushed: () => void) => () => void,
    private readonly deps: AutomationDeps,
  ) {}

  async start(): Promise<void> {
    this.unsubscribe = this.subscribe(() => void this.pushed());
    await this.reschedule();
  }

  /** Re-reads the settings and arms the daily timer for the next run (none when there is no daily time). */
  async reschedule(): Promise<void> {
    clearTimeout(this.daily);
    this.daily = undefined;
    const settings = await this.deps.settings().catch(() => undefined);
    if (this.stopped || !settings?.dailyAt || settings.rules.length === 0) return;
    const now = (this.deps.now ?? (() => new Date()))();
    const delay = nextDailyRun(settings.dailyAt, now).getTime() - now.getTime();
    this.daily = setTimeout(() => {
      void this.trigger('schedule').finally(() => void this.reschedule());
    }, delay);
    this.daily.unref();
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    clearTimeout(this.daily);
    clearTimeout(this.debounce);
  }

  /** Resolves when the run in progress (and the one queued behind it) is done. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async pushed(): Promise<void> {
    const settings = await this.deps.settings().catch(() => undefined);
    if (this.stopped || !settings?.afterPush || settings.rules.length === 0) return;
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.trigger('push'), this.deps.debounceMs ?? DEFAULT_DEBOUNCE_MS);
    this.debounce.unref();
  }

  private trigger(trigger: 'schedule' | 'push'): Promise<void> {
    if (this.running) {
      this.again = trigger;
      return this.running;
    }
    this.running = (async () => {
      let next: 'schedule' | 'push' | undefined = trigger;
      while (next && !this.stopped) {
        this.again = undefined;
        try {
          await this.deps.run(next);
        } catch (err) {
          this.deps.log(`berth: cleanup (${next}) failed: ${(err as Error).message}`);
        }
        next = this.again;
      }
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }
}
