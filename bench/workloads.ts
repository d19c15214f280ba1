/**
 * Workloads: what is in the queue and what the handler does with each message. A new workload
 * is one entry here; contestants read `handlerMs` and `concurrency` and need no change.
 */
export interface Workload {
  name: string;
  description: string;
  /** Messages pre-filled before each run. */
  messages: number;
  /** Messages in `--quick` mode (CI smoke run). */
  quickMessages: number;
  /** Approximate body size in bytes. */
  bodyBytes: number;
  /** Simulated handler work in ms (a timer, i.e. I/O wait); 0 = synchronous no-op. */
  handlerMs: number;
  /** Handlers running at once. */
  concurrency: number;
  /** VisibilityTimeout attribute of the queue (contestants may request their own). */
  queueVisibilitySecs: number;
  /** A contestant taking longer than this is killed and counted as failed. */
  timeoutMs: number;
}

export const WORKLOADS: Record<string, Workload> = {
  'drain-noop': {
    name: 'drain-noop',
    description:
      'drain a pre-filled queue; no-op handler, so the client and the requests are the cost',
    messages: 10_000,
    quickMessages: 1_000,
    bodyBytes: 200,
    handlerMs: 0,
    concurrency: 1,
    queueVisibilitySecs: 60,
    timeoutMs: 120_000,
  },
  // Later, e.g.:
  // 'drain-io': { ..., handlerMs: 20, concurrency: 10 },
  // 'long-jobs': { ..., handlerMs: 90_000, queueVisibilitySecs: 30 } (exercises heartbeats),
  // 'backlog-100k': { ..., messages: 100_000 } (peak RSS under a large backlog).
};

export type Handler = (body: string) => void | Promise<void>;

/** The handler a workload asks for; every contestant calls this same function per message. */
export function makeHandler(workload: Workload): Handler {
  if (workload.handlerMs <= 0) return () => {};
  const ms = workload.handlerMs;
  return () => new Promise<void>((resolve) => setTimeout(resolve, ms));
}
