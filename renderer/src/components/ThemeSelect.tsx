import { useId } from 'react';
import { THEMES, type ThemeChoice } from '../hooks/use-theme.js';

const LABELS: Record<ThemeChoice, string> = { system: 'System', light: 'Light', dark: 'Dark' };

/** System, light or dark: a native select, so keyboard and screen readers need nothing more. */
export function ThemeSelect({ theme, onTheme }: { theme: ThemeChoice; onTheme(theme: ThemeChoice): void }) {
  const id = useId();
  return (
    <span className="theme-select">
      <label htmlFor={id} className="offscreen">Theme</label>
      <select id={id} value={theme} onChange={(e) => onTheme(e.target.value as ThemeChoice)} title="Theme">
        {THEMES.map((t) => <option key={t} value={t}>{LABELS[t]} theme</option>)}
      </select>
    </span>
  );
}
