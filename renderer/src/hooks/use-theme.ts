import { useCallback, useState } from 'react';

export type ThemeChoice = 'system' | 'light' | 'dark';
export const THEMES: readonly ThemeChoice[] = ['system', 'light', 'dark'];
const KEY = 'berth.theme';

/** The remembered choice; anything unreadable (storage off, an old value) is `system`. */
export function readTheme(win: Window): ThemeChoice {
  try {
    const value = win.localStorage.getItem(KEY);
    return value === 'light' || value === 'dark' ? value : 'system';
  } catch {
    return 'system';
  }
}

/**
 * `data-theme` on <html> overrides the OS preference in theme.css; without it the page follows the OS.
 * main.tsx calls this before the first render so a remembered dark theme never flashes light.
 */
export function applyTheme(doc: Document, theme: ThemeChoice): void {
  if (theme === 'system') doc.documentElement.removeAttribute('data-theme');
  else doc.documentElement.setAttribute('data-theme', theme);
}

/** The theme choice, applied to the document and remembered in localStorage (per console origin). */
export function useTheme(win: Window): [ThemeChoice, (theme: ThemeChoice) => void] {
  const [theme, setState] = useState<ThemeChoice>(() => readTheme(win));
  const setTheme = useCallback((next: ThemeChoice) => {
    setState(next);
    applyTheme(win.document, next);
    try {
      if (next === 'system') win.localStorage.removeItem(KEY);
      else win.localStorage.setItem(KEY, next);
    } catch {
      // Storage refused (private mode): the choice holds for this page only.
    }
  }, [win]);
  return [theme, setTheme];
}
