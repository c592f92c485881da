import { useCallback, useEffect, useState } from 'react';
import type { ListQuery } from '../api/types.js';

export type Sort = NonNullable<ListQuery['sort']>;
export type Direction = NonNullable<ListQuery['direction']>;

/** A list's search, sort and page, kept by the app so going back restores it. */
export interface ListView { query: string; sort: Sort; direction: Direction; offset: number }

export const PAGE_SIZE = 100;
export const defaultRepositoryView: ListView = { query: '', sort: 'name', direction: 'asc', offset: 0 };
/** Newest first: what users ask for when they look at tags. */
export const defaultTagView: ListView = { query: '', sort: 'lastPushed', direction: 'desc', offset: 0 };

/** The views of the repository list and of each repository's tags, for as long as the console is open. */
export interface ListViews {
  repositoryView: ListView;
  setRepositoryView(view: ListView): void;
  tagView(repository: string): ListView;
  setTagView(repository: string, view: ListView): void;
}

export function useListViews(): ListViews {
  const [repositoryView, setRepositoryView] = useState<ListView>(defaultRepositoryView);
  const [tagViews, setTagViews] = useState<Record<string, ListView>>({});
  const tagView = useCallback((repository: string): ListView => tagViews[repository] ?? defaultTagView, [tagViews]);
  const setTagView = useCallback((repository: string, view: ListView) => setTagViews((all) => ({ ...all, [repository]: view })), []);
  return { repositoryView, setRepositoryView, tagView, setTagView };
}

/**
 * Deletes elsewhere can leave a list's page past the end of the list: step back to a page that has rows.
 * The target comes from the total, not the current offset, so a repeated run asks for the same page.
 */
export function useOffsetInRange(view: ListView, total: number | undefined, onView: (view: ListView) => void): void {
  const lastPage = total === undefined ? 0 : Math.max(0, Math.floor((total - 1) / PAGE_SIZE) * PAGE_SIZE);
  const pastEnd = total !== undefined && view.offset > 0 && view.offset >= total;
  useEffect(() => {
    if (pastEnd && view.offset !== lastPage) onView({ ...view, offset: lastPage });
  }, [pastEnd, lastPage, view, onView]);
}
