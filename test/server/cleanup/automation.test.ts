import { describe, expect, it } from 'vitest';
import { CleanupAutomation, nextDailyRun } from '../../../server/cleanup/automation.js';
import { cleanupSettingsSchema, type CleanupSettings } from '../../../server/cleanup/rules.js';
import { RegistryEventEmitter } from '../../../server/storage/store.js';

const settings = (fields: Partial<CleanupSettings>): CleanupSettings => cleanupSettingsSchema.parse({ rules: [{ id: 'r', keepNewest: 1 }], ...fields });
/** The automation's view of a store's events: a listener for every push. */
const pushes = (events: RegistryEventEmitter) => (listener: () => void) => {
  events.on('pushed', listener);
  return () => void events.off('pushed', listener);
};
const push = (events: RegistryEventEmitter): boolean => events.emit('pushed', { repository: 'app/web', digest: 'sha256:0', tag: 'v1', mediaType: 'x' });

/** A promise and its resolver. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('nextDailyRun', () => {
  it('is today when the time is still ahead, else tomorrow (local time)', () => {
    const now = new Date(2026, 5, 1, 10, 30);
    expect(nextDailyRun('11:00', now)).toEqual(new Date(2026, 5, 1, 11, 0));
    expect(nextDailyRun('10:30', now)).toEqual(new Date(2026, 5, 2, 10, 30));
    expect(nextDailyRun('03:00', new Date(2026, 11, 31, 23, 0))).toEqual(new Date(2027, 0, 1, 3, 0));
  });
});

describe('CleanupAutomation', () => {
  it('runs after a push when afterPush is on; not when it is off', async () => {
    const events = new RegistryEventEmitter();
    let current = settings({ afterPush: false });
    const runs: string[] = [];
    const ran = deferred();
    const automation = new CleanupAutomation(pushes(events), { settings: async () => current, run: async (t) => void (runs.push(t), ran.resolve()), log: () => undefined, debounceMs: 0 });
    await automation.start();
    push(events);
    await automation.idle();
    current = settings({ afterPush: true });
    push(events);
    await ran.promise;
    await automation.idle();
    automation.stop();
    expect(runs).toEqual(['push']);
  });

  it('a push while a run runs queues exactly one more run after it; a failing run is logged, not thrown', async () => {
    const events = new RegistryEventEmitter();
    const release = deferred();
    const started = deferred();
    const second = deferred();
    const logged: string[] = [];
    let calls = 0;
    const automation = new CleanupAutomation(pushes(events), {
      settings: async () => settings({ afterPush: true }),
      run: async () => {
        calls++;
        if (calls === 1) {
          started.resolve();
          await release.promise;
          throw new Error('disk full');
        }
        second.resolve();
      },
      log: (line) => logged.push(line),
      debounceMs: 0,
    });
    await automation.start();
    push(events);
    await started.promise;
    push(events);
    push(events);
    // Both pushes reached the debounce; let its timer fire into the running run's queue.
    await new Promise<void>((r) => setImmediate(r));
    await new Promise<void>((r) => setImmediate(r));
    release.resolve();
    await second.promise;
    await automation.idle();
    automation.stop();
    expect(calls).toBe(2);
    expect(logged).toEqual(['berth: cleanup (push) failed: disk full']);
  });
});
