import { useId } from 'react';
import type { ListQuery } from '../api/types.js';

export type Sort = NonNullable<ListQuery['sort']>;
export type Direction = NonNullable<ListQuery['direction']>;

const SORTS: { value: Sort; label: string }[] = [
  { value: 'name', label: 'Name' },
  { value: 'lastPushed', label: 'Last pushed' },
  { value: 'size', label: 'Size' },
];

/** Search box (focused by `/`) and sort controls; the server does the searching and sorting. */
export function ListControls(props: {
  what: string;
  query: string;
  sort: Sort;
  direction: Direction;
  onQuery(q: string): void;
  onSort(sort: Sort, direction: Direction): void;
}) {
  const sortId = useId();
  return (
    <div className="list-controls">
      <input
        type="search"
        data-search
        aria-label={`Search ${props.what}`}
        placeholder={`Search ${props.what}  ( / )`}
        value={props.query}
        onChange={(e) => props.onQuery(e.target.value)}
      />
      <label htmlFor={sortId}>Sort by</label>
      <select id={sortId} value={props.sort} onChange={(e) => props.onSort(e.target.value as Sort, props.direction)}>
        {SORTS.map((s) => <option key={s.value} value={s.value}>{s.label}</option>)}
      </select>
      <button
        type="button"
        // The visible words start the accessible name (WCAG 2.5.3: speech users say what they see).
        aria-label={props.direction === 'asc' ? 'Ascending order, switch to descending' : 'Descending order, switch to ascending'}
        onClick={() => props.onSort(props.sort, props.direction === 'asc' ? 'desc' : 'asc')}
      >
        <span aria-hidden="true">{props.direction === 'asc' ? '↑ ' : '↓ '}</span>{props.direction === 'asc' ? 'Ascending' : 'Descending'}
      </button>
    </div>
  );
}
