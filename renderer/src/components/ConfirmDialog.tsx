import { useId, useState, type ReactNode } from 'react';
import { useAction } from '../hooks/use-action.js';
import { Dialog } from './Dialog.js';
import { ErrorCard } from './ErrorCard.js';

/** Type-to-confirm for destructive actions: the button stays disabled until the exact word is typed. */
export function ConfirmDialog(props: {
  title: string;
  word: string;
  actionLabel: string;
  children: ReactNode;
  onConfirm(): Promise<void>;
  onClose(): void;
}) {
  const inputId = useId();
  const [typed, setTyped] = useState('');
  const { busy, error, run } = useAction();
  const armed = typed === props.word && !busy;

  const submit = (e: React.FormEvent): void => {
    e.preventDefault();
    if (!armed) return;
    void run(async () => {
      await props.onConfirm();
      props.onClose();
    });
  };

  return (
    <Dialog title={props.title} onClose={props.onClose}>
      <form onSubmit={submit}>
        <div className="dialog-body">{props.children}</div>
        <label htmlFor={inputId}>
          Type <code className="confirm-word">{props.word}</code> to confirm
        </label>
        <input id={inputId} data-autofocus autoComplete="off" spellCheck={false} value={typed} onChange={(e) => setTyped(e.target.value)} />
        {error ? <ErrorCard error={error} action={props.actionLabel.toLowerCase()} /> : null}
        <div className="dialog-actions">
          <button type="button" onClick={props.onClose}>Cancel</button>
          <button type="submit" className="danger" disabled={!armed}>{busy ? 'Working…' : props.actionLabel}</button>
        </div>
      </form>
    </Dialog>
  );
}
