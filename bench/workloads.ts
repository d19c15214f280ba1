/**
 * Workloads: what is in the queue and what the handler does with each message. A new workload
 * is one entry here; contestants read `handlerMs`, `concurrency`, `visibilitySecs`,
 * `heartbeatSecs` and `waitSecs` and need no change. The harness applies `requestDelayMs` (a
 * middleware on every contestant's client) and `durationMs` (ends a run on a timer).
 */
export interface Workload {
  name: string;
  description: string;
  /** Messages pre-filled before each run. */
  messages: number;
  /** Approximate body size in bytes. */
  bodyBytes: number;
  /** Simulated handler work in ms (a timer, i.e. I/O wait); 0 = synchronous no-op. */
  handlerMs: number;
  /** Handler calls running at once, for every contestant that lets us choose it. */
  concurrency: number;
  /** VisibilityTimeout of the queue and of every receive and extension, seconds. */
  visibilitySecs: number;
  /** How often peers that take a fixed interval send a heartbeat (s); 0 = no heartbeat needed. */
  heartbeatSecs: number;
  /** Long-poll wait of every contestant, seconds. Default 1 (short, so a run's idle tail is short). */
  waitSecs?: number;
  /**
   * Added before every request each contestant's client sends (and each retry), in ms: the
   * round trip to a real SQS endpoint, which loopback fauxqs does not have. Default 0.
   */
  requestDelayMs?: number;
  /**
   * Run a repeat's contestants at the same time, each in its own process on its own queue: for a
   * workload that waits for nothing (idle), where they do not compete for the CPU and one at a
   * time would take minutes per repeat.
   */
  sideBySide?: boolean;
  /**
   * Time-based workload: the run ends after this many ms (the harness aborts `allHandled`),
   * whatever was handled. Used with `messages: 0` for an idle consumer.
   */
  durationMs?: number;
  /** Repeats in a default run (each repeat runs every contestant once, interleaved). */
  repeats: number;
  /** Contestants in a default run; undefined = all of them but the opt-in ones. */
  contestants?: string[];
  /** A contestant taking longer than this is killed and counted as failed. */
  timeoutMs: number;
  /** Overrides for `--quick` (CI smoke run: does everything still run and lose nothing?). */
  quick: Partial<Omit<Workload, 'quick' | 'name'>>;
  /** Why `--quick` skips this workload altogether (printed), if it does. */
  skipQuick?: string;
}

/** The library's own contestants: the backlog workloads are about their memory bound. */
const LIBRARY = ['per-message', 'batch', 'core'];
/** SQS's largest message (body + attributes), 1 MiB since 2025; fauxqs 1.9.2 takes it too. */
export const MAX_MESSAGE_BYTES = 1_048_576;

export const WORKLOADS: Record<string, Workload> = {
  'drain-noop': {
    name: 'drain-noop',
    description: 'no-op handler: the client and its requests are the whole cost',
    messages: 10_000,
    bodyBytes: 200,
    handlerMs: 0,
    concurrency: 10,
    visibilitySecs: 60,
    heartbeatSecs: 0,
    repeats: 3,
    timeoutMs: 120_000,
    quick: { messages: 1_000, repeats: 1 },
  },
  'drain-io': {
    name: 'drain-io',
    description: 'handler awaits 20 ms; 10 at once, so 500 msgs/s is the ceiling',
    messages: 2_000,
    bodyBytes: 200,
    handlerMs: 20,
    concurrency: 10,
    visibilitySecs: 60,
    heartbeatSecs: 0,
    repeats: 2,
    timeoutMs: 60_000,
    quick: { messages: 200, repeats: 1 },
  },
  'long-jobs': {
    name: 'long-jobs',
    description:
      'handler takes 10 s, visibility 4 s: leases must be extended (heartbeat ~2 s), 30 at once',
    messages: 30,
    bodyBytes: 200,
    handlerMs: 10_000,
    concurrency: 30,
    visibilitySecs: 4,
    heartbeatSecs: 2,
    // Deterministic (timers, not CPU): one repeat says it all, and it takes 10–30 s per run.
    repeats: 1,
    timeoutMs: 90_000,
    quick: { messages: 10, handlerMs: 3_000, visibilitySecs: 2, heartbeatSecs: 1, concurrency: 10 },
  },
  'backlog-10k': {
    name: 'backlog-10k',
    description: '5 ms handler, 50 at once; peak RSS should match backlog-100k',
    messages: 10_000,
    bodyBytes: 200,
    handlerMs: 5,
    concurrency: 50,
    visibilitySecs: 60,
    heartbeatSecs: 0,
    repeats: 1,
    contestants: LIBRARY,
    timeoutMs: 120_000,
    quick: { messages: 500 },
  },
  'backlog-100k': {
    name: 'backlog-100k',
    description: '100,000 queued, 5 ms handler, 50 at once: memory bounded by maxInFlight?',
    messages: 100_000,
    bodyBytes: 200,
    handlerMs: 5,
    concurrency: 50,
    visibilitySecs: 60,
    heartbeatSecs: 0,
    repeats: 1,
    contestants: LIBRARY,
    timeoutMs: 300_000,
    quick: { messages: 2_000 },
  },
  'drain-latency': {
    name: 'drain-latency',
    description:
      'no-op handler, 25 ms added before every request (a real SQS round trip): requests in flight decide throughput',
    messages: 5_000,
    bodyBytes: 200,
    handlerMs: 0,
    concurrency: 10,
    visibilitySecs: 60,
    heartbeatSecs: 0,
    requestDelayMs: 25,
    repeats: 2,
    // sqs-consumer deletes one by one: ~200 msgs/s here, 25 s for 5,000.
    timeoutMs: 120_000,
    // The library's code path and the raw 4-loop it is compared with; peers run in full runs.
    quick: { messages: 300, repeats: 1, contestants: ['per-message', 'raw-sdk'] },
  },
  idle: {
    name: 'idle',
    description:
      'empty queue for 40 s, 20 s long polls: ReceiveMessage calls and CPU of waiting for nothing',
    messages: 0,
    bodyBytes: 200,
    handlerMs: 0,
    concurrency: 10,
    visibilitySecs: 60,
    heartbeatSecs: 0,
    waitSecs: 20,
    durationMs: 40_000,
    // Side by side: three repeats take two minutes, not fourteen. What a process spends waiting
    // is mostly its start-up (the SDK's first request), which varies by tens of ms: one run each
    // is not enough to compare 0.1 s figures.
    sideBySide: true,
    repeats: 3,
    // 40 s + a stop that may wait out a 20 s poll.
    timeoutMs: 90_000,
    quick: {},
    skipQuick: 'it takes 40 s per contestant by design',
  },
  'core-sequential': {
    name: 'core-sequential',
    description:
      'core `for await` loop, one message at a time, 20 ms handler, ack() not awaited (core) or awaited (core-awaited); 50 msgs/s is the ceiling',
    messages: 2_000,
    bodyBytes: 200,
    handlerMs: 20,
    concurrency: 1,
    visibilitySecs: 60,
    heartbeatSecs: 0,
    // Timers, not CPU: one repeat says it all, and it takes ≥ 40 s per run.
    repeats: 1,
    // The raw loop (one loop, handler one message at a time, one delete per 10) is the floor.
    contestants: ['core', 'core-awaited', 'raw-sdk'],
    timeoutMs: 180_000,
    quick: { messages: 50, contestants: ['core', 'core-awaited'] },
  },
  large: {
    name: 'large',
    description: '1 MiB bodies (the SQS maximum), no-op handler, 10 at once: peak RSS and msgs/s',
    messages: 500,
    // The body is `{"n":…,"pad":"x…"}`: 2–18 bytes under this, and no attributes.
    bodyBytes: MAX_MESSAGE_BYTES,
    handlerMs: 0,
    concurrency: 10,
    visibilitySecs: 60,
    heartbeatSecs: 0,
    repeats: 1,
    timeoutMs: 180_000,
    quick: { messages: 10, contestants: ['per-message'] },
  },
};

/** The workload as a run uses it: `--quick` overrides applied. */
export function effectiveWorkload(workload: Workload, quick: boolean): Workload {
  return { ...workload, ...(quick ? workload.quick : {}) };
}

export type Handler = (body: string) => void | Promise<void>;

/** The handler a workload asks for; every contestant calls this same function per message. */
export function makeHandler(workload: Workload): Handler {
  if (workload.handlerMs <= 0) return () => {};
  const ms = workload.handlerMs;
  return () => new Promise<void>((resolve) => setTimeout(resolve, ms));
}

/** Calls the handler on every message at once (batch-mode contestants). */
export function handleAll(handler: Handler, bodies: string[]): Promise<unknown> | undefined {
  const pending: Promise<void>[] = [];
  for (const body of bodies) {
    const r = handler(body);
    if (r) pending.push(r);
  }
  // A synchronous handler stays synchronous: no promise, no extra tick.
  return pending.length > 0 ? Promise.all(pending) : undefined;
}
