import { useAction } from '../hooks/use-action.js';
import { useEffect, useState } from 'react';
import type { CleanupPlan, CleanupRule, CleanupSettings } from '../api/types.js';
import { formatBytes, formatDate, shortDigest } from '../format.js';
import { useApp } from '../hooks/app-context.js';
import { useNotify } from '../hooks/use-notify.js';
import { useQuery } from '../hooks/use-query.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { ErrorCard } from './ErrorCard.js';
import { maintenanceRan } from './MaintenanceHistory.js';

/** A rule as edited: numbers and patterns are text until saved. */
interface Draft { id: string; enabled: boolean; repositories: string; match: string; protect: string; keepNewest: string; olderThanDays: string; untagged: boolean }

const toDraft = (r: CleanupRule): Draft => ({
  id: r.id, enabled: r.enabled, repositories: r.repositories, match: r.match.join(', '), protect: r.protect.join(', '),
  keepNewest: r.keepNewest === null ? '' : String(r.keepNewest), olderThanDays: r.olderThanDays === null ? '' : String(r.olderThanDays), untagged: r.untagged,
});
const patterns = (text: string): string[] => text.split(/[,\s]+/).filter((p) => p.length > 0);
/** '' is "not set"; anything else must be a whole number. */
const count = (text: string): number | null | undefined => (text.trim() === '' ? null : /^\d{1,6}$/.test(text.trim()) ? Number(text.trim()) : undefined);
function toRule(d: Draft): CleanupRule | undefined {
  const keepNewest = count(d.keepNewest);
  const olderThanDays = count(d.olderThanDays);
  if (keepNewest === undefined || olderThanDays === undefined || d.repositories.trim() === '') return undefined;
  return { id: d.id, enabled: d.enabled, repositories: d.repositories.trim(), match: patterns(d.match), protect: patterns(d.protect), keepNewest, olderThanDays, untagged: d.untagged };
}
const newId = (drafts: Draft[]): string => {
  for (let n = drafts.length + 1; ; n++) if (!drafts.some((d) => d.id === `rule-${n}`)) return `rule-${n}`;
};

/** What a rule does, in words (the list under each rule's fields). */
function describe(r: CleanupRule): string {
  const which = r.match.length > 0 ? `tags matching ${r.match.join(' or ')}` : 'tags';
  const limits = [r.keepNewest !== null ? `beyond the newest ${r.keepNewest}` : null, r.olderThanDays !== null ? `older than ${r.olderThanDays} days` : null].filter(Boolean);
  const tags = limits.length > 0 ? `deletes ${which} ${limits.join(' and ')}` : r.match.length > 0 ? `deletes every ${which.replace(/^tags/, 'tag')}` : 'deletes no tags';
  return `In ${r.repositories}: ${tags}${r.protect.length > 0 ? `, never ${r.protect.join(' or ')}` : ''}${r.untagged ? '; and untagged manifests' : ''}.`;
}

/**
 * Cleanup rules (Harbor's retention, simpler): edit, dry run (always first: what each rule removes and the
 * bytes it frees), save with their schedule, and run now. A run deletes tags, then reclaims space under the
 * grace period. `berth cleanup` runs the same saved rules.
 */
export function CleanupRules() {
  const { client } = useApp();
  const notify = useNotify();
  const saved = useQuery(() => client.getCleanupRules(), [client]);
  const [drafts, setDrafts] = useState<Draft[] | null>(null);
  const [dailyAt, setDailyAt] = useState<string | null>(null);
  const [afterPush, setAfterPush] = useState(false);
  const [plan, setPlan] = useState<{ plan: CleanupPlan; ofSaved: boolean } | null>(null);
  const [confirming, setConfirming] = useState(false);
  const { busy, error, run: act } = useAction();

  useEffect(() => {
    if (!saved.data || drafts !== null) return;
    setDrafts(saved.data.rules.map(toDraft));
    setDailyAt(saved.data.dailyAt);
    setAfterPush(saved.data.afterPush);
  }, [saved.data, drafts]);

  if (!drafts) return saved.error ? <ErrorCard error={saved.error} action="read the cleanup rules" onRetry={saved.reload} /> : null;
  const rules = drafts.map(toRule);
  const valid = rules.every((r): r is CleanupRule => r !== undefined);
  const settings: CleanupSettings | null = valid ? { rules: rules as CleanupRule[], dailyAt, afterPush } : null;
  const dirty = JSON.stringify(settings) !== JSON.stringify(saved.data);
  const edit = (i: number, patch: Partial<Draft>): void => {
    setDrafts(drafts.map((d, j) => (j === i ? { ...d, ...patch } : d)));
    setPlan(null);
  };
  const dryRun = (): Promise<boolean> => act(async () => setPlan({ plan: await client.planCleanup({ rules: settings?.rules ?? [] }), ofSaved: !dirty }));
  const save = (): Promise<boolean> =>
    act(async () => {
      if (!settings) return;
      await client.saveCleanupRules(settings);
      saved.reload();
      if (plan) setPlan({ ...plan, ofSaved: true });
      notify('Cleanup rules saved.');
    });
  const run = async (): Promise<void> => {
    const result = await client.runCleanup({ dryRun: false });
    setPlan(null);
    maintenanceRan();
    notify(`Cleanup removed ${result.tagsRemoved.length} tags; ${formatBytes(result.gc?.bytesFreed ?? 0)} reclaimed${result.gc && result.gc.reclaimableLater.bytes > 0 ? `, ${formatBytes(result.gc.reclaimableLater.bytes)} once the grace period ends` : ''}.`);
  };

  return (
    <section className="card" aria-labelledby="cleanup-heading">
      <h2 id="cleanup-heading">Cleanup rules</h2>
      <p>
        Rules delete tags you no longer need; a tag any rule protects is never deleted. Globs: <code>*</code> any
        characters, <code>?</code> one. A run deletes the tags, then reclaims the space nothing else uses (anything
        used within the grace period stays until it ends). The command line runs the same rules: <code>berth cleanup --dry-run</code>.
      </p>
      {drafts.map((d, i) => {
        const rule = rules[i];
        return (
          <fieldset key={d.id} className="cleanup-rule" aria-label={`Rule ${d.id}`}>
            <legend>{d.id}</legend>
            <label className="checkbox"><input type="checkbox" checked={d.enabled} onChange={(e) => edit(i, { enabled: e.target.checked })} /> Enabled</label>
            <label>Repositories <input value={d.repositories} onChange={(e) => edit(i, { repositories: e.target.value })} aria-invalid={d.repositories.trim() === ''} /></label>
            <label>Only tags matching <input value={d.match} placeholder="all tags" onChange={(e) => edit(i, { match: e.target.value })} /></label>
            <label>Protect <input value={d.protect} placeholder="e.g. latest, v*" onChange={(e) => edit(i, { protect: e.target.value })} /></label>
            <label>Keep the newest <input inputMode="numeric" size={5} value={d.keepNewest} onChange={(e) => edit(i, { keepNewest: e.target.value })} aria-invalid={count(d.keepNewest) === undefined} /></label>
            <label>Older than (days) <input inputMode="numeric" size={5} value={d.olderThanDays} onChange={(e) => edit(i, { olderThanDays: e.target.value })} aria-invalid={count(d.olderThanDays) === undefined} /></label>
            <label className="checkbox"><input type="checkbox" checked={d.untagged} onChange={(e) => edit(i, { untagged: e.target.checked })} /> Untagged manifests too</label>
            <button type="button" onClick={() => { setDrafts(drafts.filter((_, j) => j !== i)); setPlan(null); }}>Remove rule {d.id}</button>
            {rule ? <p className="muted">{describe(rule)}</p> : <p className="field-error" role="alert">Keep and days are whole numbers or empty; repositories is a name or glob.</p>}
          </fieldset>
        );
      })}
      <div className="row">
        <button type="button" onClick={() => { setDrafts([...drafts, { id: newId(drafts), enabled: true, repositories: '*', match: '', protect: 'latest', keepNewest: '10', olderThanDays: '', untagged: false }]); setPlan(null); }}>Add rule</button>
      </div>
      <div className="row">
        <label className="checkbox">
          <input type="checkbox" checked={dailyAt !== null} onChange={(e) => { setDailyAt(e.target.checked ? '03:00' : null); setPlan(null); }} /> Run daily at
        </label>
        <input type="time" aria-label="Daily run time" value={dailyAt ?? ''} disabled={dailyAt === null} onChange={(e) => /^\d\d:\d\d$/.test(e.target.value) && setDailyAt(e.target.value)} />
        <label className="checkbox"><input type="checkbox" checked={afterPush} onChange={(e) => setAfterPush(e.target.checked)} /> Run after pushes (a minute after the last one)</label>
      </div>
      <div className="row">
        <button type="button" onClick={() => void dryRun()} disabled={busy || !valid}>Dry run</button>
        <button type="button" onClick={() => void save()} disabled={busy || !valid || !dirty}>Save rules</button>
        <button type="button" className="danger" onClick={() => setConfirming(true)} disabled={busy || dirty || !plan?.ofSaved || plan.plan.items.length === 0}>
          {plan?.ofSaved && plan.plan.items.length > 0 ? `Run now: ${plan.plan.items.length} to remove…` : 'Run now…'}
        </button>
      </div>
      {dirty && valid ? <p className="muted" role="status">Unsaved changes: a dry run shows what these rules would do; save them to run them.</p> : null}
      {error ? <ErrorCard error={error} action="apply the cleanup rules" /> : null}
      {plan ? <PlanTable plan={plan.plan} /> : null}
      {confirming && plan ? (
        <ConfirmDialog title="Run the cleanup rules now?" word="cleanup" actionLabel="Run cleanup" onConfirm={run} onClose={() => setConfirming(false)}>
          <p>
            {plan.plan.items.length} {plan.plan.items.length === 1 ? 'item goes' : 'items go'} (as in the dry run, unless pushed again since), then a
            garbage collection frees up to {formatBytes(plan.plan.bytesFreed)}.
          </p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}

/** The dry run: every tag or untagged manifest a rule removes, with the rule and the bytes only it frees. */
function PlanTable({ plan }: { plan: CleanupPlan }) {
  return (
    <section aria-label="Cleanup dry run">
      <p role="status">
        {plan.items.length === 0 ? 'The rules remove nothing now.' : `Would remove ${plan.items.length} and free ${formatBytes(plan.bytesFreed)} (${plan.blobsFreed} blobs no remaining image uses).`}
        {plan.protectedTags > 0 ? ` ${plan.protectedTags} kept by a protect pattern.` : ''}
      </p>
      {plan.items.length > 0 ? (
        <table className="list" aria-label="What the cleanup rules remove">
          <thead>
            <tr><th scope="col">Repository</th><th scope="col">Tag</th><th scope="col">Digest</th><th scope="col">Pushed</th><th scope="col">Rule</th><th scope="col" className="num">Frees</th></tr>
          </thead>
          <tbody>
            {plan.items.map((i) => (
              <tr key={`${i.repository}\0${i.tag ?? i.digest}`}>
                <td>{i.repository}</td>
                <td>{i.tag ?? <span className="muted">untagged</span>}</td>
                <td title={i.digest}><code>{shortDigest(i.digest)}</code></td>
                <td><time dateTime={i.pushedAt}>{formatDate(i.pushedAt)}</time></td>
                <td>{i.rule}</td>
                <td className="num">{formatBytes(i.bytesFreed)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
