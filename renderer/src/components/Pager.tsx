/** Pages are answered by the server, so ten thousand tags cost one page of rows in the DOM. */
export function Pager({ offset, limit, total, onChange, label }: { offset: number; limit: number; total: number; onChange(offset: number): void; label: string }) {
  if (total <= limit && offset === 0) return null;
  const from = total === 0 ? 0 : offset + 1;
  const to = Math.min(offset + limit, total);
  return (
    <nav className="pager" aria-label={`${label} pages`}>
      <button type="button" onClick={() => onChange(Math.max(0, offset - limit))} disabled={offset === 0}>Previous</button>
      <span aria-live="polite">{from}–{to} of {total}</span>
      <button type="button" onClick={() => onChange(offset + limit)} disabled={to >= total}>Next</button>
    </nav>
  );
}
