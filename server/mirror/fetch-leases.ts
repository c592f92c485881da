// Which process of `berth serve --workers N` fetches a blob from the upstream. Each worker keeps its own
// in-flight map (blob-fetch.ts); without this, two clients that land on two workers would each fetch the
// same layer. The primary holds one lease per digest and hands it out over the cluster's IPC channel.
import cluster, { type Worker } from 'node:cluster';

/**
 * `'mine'`: this process fetches the blob now and calls `release` when its commit is over. `'done'`: another
 * process held the lease and has finished (with or without success): look in the store.
 */
export type LeaseAnswer = 'mine' | 'done';

export interface FetchLeases {
  acquire(digest: string): Promise<LeaseAnswer>;
  release(digest: string): void;
}

const ACQUIRE = 'berth:blob-lease?';
const RELEASE = 'berth:blob-lease-release';
const ANSWER = 'berth:blob-lease';

interface AcquireMessage {
  readonly type: typeof ACQUIRE;
  readonly id: number;
  readonly digest: string;
}

interface ReleaseMessage {
  readonly type: typeof RELEASE;
  readonly digest: string;
}

interface AnswerMessage {
  readonly type: typeof ANSWER;
  readonly id: number;
  readonly answer: LeaseAnswer;
}

interface Lease {
  owner: Worker;
  readonly waiting: { worker: Worker; id: number }[];
}

/** In the primary, before forking: one lease per digest; a worker that exits hands its leases on. */
export function serveFetchLeases(): void {
  const leases = new Map<string, Lease>();
  const answer = (worker: Worker, id: number, value: LeaseAnswer): void => {
    if (worker.isConnected()) worker.send({ type: ANSWER, id, answer: value } satisfies AnswerMessage);
  };
  cluster.on('message', (worker, message: unknown) => {
    if (isMessage<AcquireMessage>(message, ACQUIRE) && typeof message.digest === 'string' && typeof message.id === 'number') {
      const held = leases.get(message.digest);
      if (held) held.waiting.push({ worker, id: message.id });
      else {
        leases.set(message.digest, { owner: worker, waiting: [] });
        answer(worker, message.id, 'mine');
      }
    } else if (isMessage<ReleaseMessage>(message, RELEASE) && typeof message.digest === 'string') {
      const held = leases.get(message.digest);
      if (!held || held.owner !== worker) return;
      leases.delete(message.digest);
      for (const w of held.waiting) answer(w.worker, w.id, 'done');
    }
  });
  // A worker that died mid-fetch left no blob: the next one waiting fetches it instead.
  cluster.on('exit', (worker) => {
    for (const [digest, held] of leases) {
      const alive = held.waiting.filter((w) => w.worker !== worker);
      if (held.owner !== worker) {
        held.waiting.splice(0, held.waiting.length, ...alive);
        continue;
      }
      const next = alive.shift();
      if (!next) {
        leases.delete(digest);
        continue;
      }
      leases.set(digest, { owner: next.worker, waiting: alive });
      answer(next.worker, next.id, 'mine');
    }
  });
}

/** In a worker: leases asked of the primary. Undefined outside a cluster (one process needs none). */
export function clusterFetchLeases(): FetchLeases | undefined {
  const send = process.send?.bind(process);
  if (!cluster.isWorker || !send) return undefined;
  const pending = new Map<number, (answer: LeaseAnswer) => void>();
  let nextId = 1;
  process.on('message', (message: unknown) => {
    if (!isMessage<AnswerMessage>(message, ANSWER)) return;
    const resolve = pending.get(message.id);
    pending.delete(message.id);
    resolve?.(message.answer === 'mine' ? 'mine' : 'done');
  });
  // Without a primary nobody coordinates: each worker fetches for itself, as a single process does.
  process.once('disconnect', () => {
    for (const resolve of pending.values()) resolve('mine');
    pending.clear();
  });
  return {
    acquire(digest) {
      if (!process.connected) return Promise.resolve('mine');
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        send({ type: ACQUIRE, id, digest } satisfies AcquireMessage);
      });
    },
    release(digest) {
      if (process.connected) send({ type: RELEASE, digest } satisfies ReleaseMessage);
    },
  };
}

function isMessage<T>(message: unknown, type: string): message is T {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type;
}
