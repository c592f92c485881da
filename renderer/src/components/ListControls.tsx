import { useId } from 'react';
import type { ListView, Sort } from '../pages/list-view.js';

const SORTS: { value: Sort; label: string }[] = [
  { value: 'name', label: 'Name' },
  { value: 'lastPushed', label: 'Last pushed' },
  { value: 'size', label: 'Size' },
];

/** Search box (focused by `/`) and sort controls; the server does the searching and sorting. A new search or order starts at the first page. */
export function ListControls({ what, view, onView }: { what: string; view: ListView; onView(view: ListView): void }) {
  const sortId = useId();
  return (
    <div className="list-controls">
      <input
        type="search"
        data-search
        aria-label={`Search ${what}`}
        placeholder={`Search ${what}  ( / )`}
        value={view.query}
        onChange={(e) => onView({ ...view, query: e.target.value, offset: 0 })}
      />
      <label htmlFor={sortId}>Sort by</label>
      <select id={sortId} value={view.sort} onChange={(e) => onView({ ...view, sort: e.target.value as Sort, offset: 0 })}>
        {SORTS.map((s) => <option key={s.value} value={s.value}>{s.label}</option>)}
      </select>
      <button
        type="button"
        // The visible words start the accessible name (WCAG 2.5.3: speech users say what they see).
        aria-label={view.direction === 'asc' ? 'Ascending order, switch to descending' : 'Descending order, switch to ascending'}
        onClick={() => onView({ ...view, direction: view.direction === 'asc' ? 'desc' : 'asc', offset: 0 })}
      >
        <span aria-hidden="true">{view.direction === 'asc' ? '↑ ' : '↓ '}</span>{view.direction === 'asc' ? 'Ascending' : 'Descending'}
      </button>
    </div>
  );
}
