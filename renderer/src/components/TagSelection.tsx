import { useAction } from '../hooks/use-action.js';
import { useEffect, useState } from 'react';
import type { CleanupPlan, TagSummary } from '../api/types.js';
import { formatBytes, shortDigest } from '../format.js';
import { useApp } from '../hooks/app-context.js';
import { useNotify } from '../hooks/use-notify.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { ErrorCard } from './ErrorCard.js';

/** The tags ticked in one repository's table; survives paging and sorting, cleared when the repository changes. */
export interface TagSelection {
  readonly selected: ReadonlySet<string>;
  /** Ticks or unticks `tag`; with shift, every row of `rows` between the last clicked one and this. */
  toggle(tag: string, rows: readonly TagSummary[], shift: boolean): void;
  set(tags: Iterable<string>, on: boolean): void;
  clear(): void;
}

export function useTagSelection(repository: string): TagSelection {
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [anchor, setAnchor] = useState<string | null>(null);
  useEffect(() => {
    setSelected(new Set());
    setAnchor(null);
  }, [repository]);
  const set = (tags: Iterable<string>, on: boolean): void =>
    setSelected((prev) => {
      const next = new Set(prev);
      for (const t of tags) {
        if (on) next.add(t);
        else next.delete(t);
      }
      return next;
    });
  return {
    selected,
    toggle: (tag, rows, shift) => {
      const on = !selected.has(tag);
      const from = anchor === null ? -1 : rows.findIndex((r) => r.tag === anchor);
      const to = rows.findIndex((r) => r.tag === tag);
      // A range takes the clicked row's new state, as file managers and mail clients do.
      if (shift && from >= 0 && to >= 0) set(rows.slice(Math.min(from, to), Math.max(from, to) + 1).map((r) => r.tag), on);
      else set([tag], on);
      setAnchor(tag);
    },
    set,
    clear: () => setSelected(new Set()),
  };
}

export function SelectTag({ selection, rows, tag }: { selection: TagSelection; rows: readonly TagSummary[]; tag: string }) {
  return (
    <input
      type="checkbox"
      className="select-tag"
      aria-label={`Select ${tag}`}
      checked={selection.selected.has(tag)}
      // A checkbox's change comes from a click (mouse or Space): the click says whether Shift was held.
      onChange={(e) => selection.toggle(tag, rows, (e.nativeEvent as MouseEvent).shiftKey === true)}
    />
  );
}

export function SelectPage({ selection, rows }: { selection: TagSelection; rows: readonly TagSummary[] }) {
  const all = rows.length > 0 && rows.every((r) => selection.selected.has(r.tag));
  return <input type="checkbox" className="select-tag" aria-label="Select every tag on this page" checked={all} onChange={() => selection.set(rows.map((r) => r.tag), !all)} />;
}

/**
 * Above the tag table once something is ticked: the count, "select all matching the filter" (every page), and
 * one Delete whose confirmation lists the tags and the space they free (computed on the server).
 */
export function BulkBar({ selection, repository, query, total }: { selection: TagSelection; repository: string; query: string; total: number }) {
  const { client } = useApp();
  const notify = useNotify();
  const [plan, setPlan] = useState<CleanupPlan | null>(null);
  const { busy, error, run: act } = useAction();
  const count = selection.selected.size;
  if (count === 0) return null;

  const selectMatching = (): Promise<boolean> =>
    act(async () => {
      const tags: string[] = [];
      for (let offset = 0; offset < total; offset += 1000) {
        const page = await client.listTags({ repository, ...(query ? { query } : {}), offset, limit: 1000 });
        tags.push(...page.items.map((t) => t.tag));
        if (page.items.length === 0) break;
      }
      selection.set(tags, true);
    });
  const review = (): Promise<boolean> => act(async () => setPlan(await client.planTagDeletion({ repository, tags: [...selection.selected] })));
  const remove = async (): Promise<void> => {
    const failed: string[] = [];
    for (const item of plan?.items ?? []) {
      if (item.tag === null) continue;
      try {
        await client.deleteTag({ repository, tag: item.tag });
      } catch {
        failed.push(item.tag);
      }
    }
    const done = (plan?.items.length ?? 0) - failed.length;
    selection.clear();
    notify(`Deleted ${done} ${done === 1 ? 'tag' : 'tags'}${failed.length > 0 ? `; ${failed.length} could not be deleted (${failed.slice(0, 5).join(', ')})` : ''}. Reclaim space on the Storage page to free ${formatBytes(plan?.bytesFreed ?? 0)}.`);
  };

  return (
    <div className="row bulk-bar" role="region" aria-label="Selected tags">
      <strong>{count} selected</strong>
      {count < total ? <button type="button" onClick={() => void selectMatching()} disabled={busy}>Select all {total} {query ? `matching “${query}”` : 'tags'}</button> : null}
      <button type="button" onClick={() => selection.clear()} disabled={busy}>Clear selection</button>
      <button type="button" className="danger" onClick={() => void review()} disabled={busy}>Delete {count} {count === 1 ? 'tag' : 'tags'}…</button>
      {error ? <ErrorCard error={error} action="work on the selected tags" /> : null}
      {plan ? (
        <ConfirmDialog title={`Delete ${plan.items.length} tags of ${repository}?`} word="delete" actionLabel={`Delete ${plan.items.length} tags`} onConfirm={remove} onClose={() => setPlan(null)}>
          <p>
            Frees {formatBytes(plan.bytesFreed)} once a garbage collection runs (only what no remaining image uses; a manifest another tag
            still names stays).
          </p>
          <ul className="bulk-list" aria-label="Tags that will be deleted">
            {plan.items.map((i) => (
              <li key={i.tag ?? i.digest}>
                {i.tag} <code title={i.digest}>{shortDigest(i.digest)}</code> <span className="muted">{formatBytes(i.bytesFreed)}</span>
              </li>
            ))}
          </ul>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}
