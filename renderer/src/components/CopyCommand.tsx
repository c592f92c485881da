import { useState } from 'react';
import { useNotify } from '../hooks/use-notify.js';

/** Clipboard API when allowed; a selected textarea otherwise (older WebViews, http pages). */
export async function copyText(text: string): Promise<void> {
  if (navigator.clipboard?.writeText) {
    try {
      await navigator.clipboard.writeText(text);
      return;
    } catch {
      // Permission refused: fall through to the selection way.
    }
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.className = 'offscreen';
  document.body.append(area);
  area.select();
  try {
    document.execCommand('copy');
  } finally {
    area.remove();
  }
}

/** A command in a monospace field the keyboard can reach, with a copy button that says what it copied. */
export function CopyCommand({ text, label }: { text: string; label?: string }) {
  const notify = useNotify();
  const [copied, setCopied] = useState(false);
  const copy = async (): Promise<void> => {
    try {
      await copyText(text);
      setCopied(true);
      notify(`Copied: ${text}`);
    } catch (error) {
      notify(`Could not copy: ${error instanceof Error ? error.message : String(error)}`, 'error');
    }
  };
  return (
    <div className="command">
      {label ? <span className="command-label">{label}</span> : null}
      <code className="command-text" tabIndex={0}>{text}</code>
      <button type="button" className={copied ? 'copied' : ''} aria-label={`Copy ${text}`} onClick={copy}>
        {copied ? 'Copied ✓' : 'Copy'}
      </button>
    </div>
  );
}
