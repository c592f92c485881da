// What a cluster worker of `berth serve --workers N` needs from its primary before it may listen. It travels
// over the cluster's IPC channel as a value: through the environment it would reach every process the worker
// (or the primary) starts afterwards.
import cluster from 'node:cluster';

export interface WorkerStartup {
  /** The secret Berth's proxy sends (the registry believes forwarded-client headers only with it). */
  readonly proxySecret: string | undefined;
}

const ASK = 'berth:worker-startup?';
const ANSWER = 'berth:worker-startup';

interface AnswerMessage {
  readonly type: typeof ANSWER;
  readonly proxySecret?: string;
}

/** In the primary, before forking: answers every worker that asks. */
export function answerWorkerStartup(startup: WorkerStartup): void {
  cluster.on('message', (worker, message: unknown) => {
    if (!isMessage(message, ASK)) return;
    const answer: AnswerMessage = { type: ANSWER, ...(startup.proxySecret === undefined ? {} : { proxySecret: startup.proxySecret }) };
    worker.send(answer);
  });
}

/**
 * In a worker: asks the primary and waits for the answer. Asked rather than pushed on fork, so the answer
 * cannot arrive before this process listens for it.
 */
export function receiveWorkerStartup(): Promise<WorkerStartup> {
  const send = process.send?.bind(process);
  if (!send) return Promise.reject(new Error('not a cluster worker: no channel to the primary'));
  return new Promise((resolve, reject) => {
    const onMessage = (message: unknown): void => {
      if (!isMessage(message, ANSWER)) return;
      done();
      const { proxySecret } = message as AnswerMessage;
      resolve({ proxySecret: typeof proxySecret === 'string' ? proxySecret : undefined });
    };
    const onDisconnect = (): void => {
      done();
      reject(new Error('the primary went away before it sent the worker its startup values'));
    };
    const done = (): void => {
      process.off('message', onMessage);
      process.off('disconnect', onDisconnect);
    };
    process.on('message', onMessage);
    process.once('disconnect', onDisconnect);
    send({ type: ASK });
  });
}

function isMessage(message: unknown, type: string): boolean {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type;
}
