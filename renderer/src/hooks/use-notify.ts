import { createContext, useContext } from 'react';

export type ToastKind = 'info' | 'error';
/** Shows a short message in the corner: a confirmation, or a small failure that needs no card of its own. */
export type Notify = (message: string, kind?: ToastKind) => void;

export const NotifyContext = createContext<Notify | null>(null);

/** The console's `notify`, from the `ToastProvider` that shows the messages. */
export function useNotify(): Notify {
  const notify = useContext(NotifyContext);
  if (!notify) throw new Error('useNotify outside <ToastProvider>');
  return notify;
}
