import { useEffect } from 'react';

const typing = (target: EventTarget | null): boolean =>
  target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));

/** `/` focuses the page's search box; Ctrl/Cmd+O opens the import file dialog. */
export function useHotkeys(win: Window): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.defaultPrevented) return;
      if (e.key === '/' && !e.ctrlKey && !e.metaKey && !e.altKey && !typing(e.target)) {
        const search = win.document.querySelector<HTMLInputElement>('[data-search]');
        if (search) {
          e.preventDefault();
          search.focus();
          search.select();
        }
      } else if (e.key.toLowerCase() === 'o' && (e.ctrlKey || e.metaKey) && !e.shiftKey && !e.altKey) {
        const picker = win.document.querySelector<HTMLInputElement>('[data-import-input]');
        if (picker) {
          e.preventDefault();
          picker.click();
        }
      }
    };
    win.addEventListener('keydown', onKey);
    return () => win.removeEventListener('keydown', onKey);
  }, [win]);
}
