import type { Direction, Sort } from '../components/ListControls.js';

/** A list's search, sort and page, kept by the app so going back restores it. */
export interface ListView { query: string; sort: Sort; direction: Direction; offset: number }

export const PAGE_SIZE = 100;
export const defaultRepositoryView: ListView = { query: '', sort: 'name', direction: 'asc', offset: 0 };
/** Newest first: what users ask for when they look at tags. */
export const defaultTagView: ListView = { query: '', sort: 'lastPushed', direction: 'desc', offset: 0 };
