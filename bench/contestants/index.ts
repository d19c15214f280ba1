/**
 * The contestants. An entry names a module (loaded lazily, so a child imports only its own
 * library and its RSS is not inflated by the others) and the options it runs with for a
 * workload, derived from the workload's concurrency / visibility / heartbeat so that every
 * contestant gets the same limits in its own terms. Adding a contestant = one file in this
 * folder + one entry here.
 */
import type { ContestantOptions } from '../protocol.js';
import type { Workload } from '../workloads.js';
import type { RunFn } from './types.js';

export interface ContestantEntry {
  name: string;
  description: string;
  /** This library (the targets apply to these), a peer, or the reference loop. */
  kind: 'library' | 'peer' | 'baseline';
  /**
   * Runs only where a workload lists it or `--contestant` names it, never by default (a variant
   * that only some workload needs, or a reference measurement).
   */
  optIn?: boolean;
  /** Settings for a workload; printed, and passed to `run()` as `ctx.options`. */
  options: (workload: Workload) => ContestantOptions;
  load: () => Promise<{ run: RunFn }>;
}

/** Ratios in the report are "contestant ÷ this", pair by pair within each repeat. */
export const BASELINE = 'raw-sdk';

/** SQS's maximum per ReceiveMessage / batch request, used by everyone. */
const BATCH = 10;
/** Poll wait for everyone: short, so that the idle tail of a run does not stretch it. */
const WAIT_SECS = 1;
const waitSecs = (w: Workload) => w.waitSecs ?? WAIT_SECS;
/**
 * After an empty receive our library sleeps up to this (s). 0.1 keeps the tail of a drain short;
 * a time-based workload (idle) runs the library's default instead, as a user would.
 */
const idleSleepMax = (w: Workload) =>
  w.durationMs === undefined ? { idleSleepMax: 0.1 } : ({} as Record<string, never>);
/** The core contestants: a `for await` loop over sqsMessages(). */
function coreOptions(w: Workload, awaitAck: boolean): ContestantOptions {
  return {
    waitTime: waitSecs(w),
    ...idleSleepMax(w),
    visibilitySecs: w.visibilitySecs,
    concurrency: w.concurrency,
    // What the runner would pick: every handler busy plus one receive ahead.
    maxInFlight: w.concurrency + BATCH,
    awaitAck,
  };
}
/**
 * The raw loops. `attributes: 'All'` requests every system and message attribute, as the library
 * does (so response sizes and parsing match): the "raw loop that requests the same attributes"
 * of issue 14's CPU targets. 'none' shows what those attributes cost.
 */
function rawOptions(w: Workload, attributes: 'All' | 'none'): ContestantOptions {
  return {
    // One loop per 10 handlers; a no-op handler needs none, so 4 loops keep 4 receives busy.
    // An idle queue: one loop, one poll at a time (the floor).
    loops: w.messages === 0 ? 1 : w.handlerMs > 0 ? Math.ceil(w.concurrency / BATCH) : 4,
    maxMessages: BATCH,
    waitTimeSeconds: waitSecs(w),
    visibilityTimeout: w.visibilitySecs,
    heartbeatSecs: w.heartbeatSecs,
    // Concurrency 1: a batch's handlers one after the other, as a sequential loop runs them.
    sequential: w.concurrency <= 1,
    attributes,
  };
}

/** Our listeners: library defaults except the poll wait; the runner derives maxInFlight. */
function listenerOptions(w: Workload, mode: 'per_message' | 'batch'): ContestantOptions {
  return {
    mode,
    // per_message: handlers at once; batch: batches at once, each handling its 10 concurrently.
    workerThreads: mode === 'batch' ? Math.ceil(w.concurrency / BATCH) : w.concurrency,
    batchSize: BATCH,
    waitTime: waitSecs(w),
    ...idleSleepMax(w),
    visibilitySecs: w.visibilitySecs,
    ...(process.env.BENCH_MAX_IN_FLIGHT && {
      maxInFlight: Number(process.env.BENCH_MAX_IN_FLIGHT),
    }),
    // The library extends at half the visibility by itself: no heartbeat interval to set.
  };
}

export const CONTESTANTS: ContestantEntry[] = [
  {
    name: 'per-message',
    description: 'runListeners() + sqsListener({ mode: per_message }), handler acks by returning',
    kind: 'library',
    options: (w) => listenerOptions(w, 'per_message'),
    load: () => import('./listener.js'),
  },
  {
    name: 'batch',
    description: 'runListeners() + sqsListener({ mode: batch }), handler gets ≤ 10 messages',
    kind: 'library',
    options: (w) => listenerOptions(w, 'batch'),
    load: () => import('./listener.js'),
  },
  {
    name: 'core',
    description: 'sqsMessages() + for await + m.ack() (not awaited), a small handler pool',
    kind: 'library',
    options: (w) => coreOptions(w, false),
    load: () => import('./core.js'),
  },
  {
    name: 'core-awaited',
    description: 'sqsMessages() + for await + await m.ack(): each ack waits for its delete',
    kind: 'library',
    optIn: true,
    options: (w) => coreOptions(w, true),
    load: () => import('./core.js'),
  },
  {
    name: 'sqs-consumer',
    description: 'sqs-consumer 14 handleMessage (one receive at a time, DeleteMessage each)',
    kind: 'peer',
    options: (w) => sqsConsumerOptions(w, 'message'),
    load: () => import('./sqs-consumer.js'),
  },
  {
    name: 'sqs-consumer-batch',
    description: 'sqs-consumer 14 handleMessageBatch (one receive at a time, DeleteMessageBatch)',
    kind: 'peer',
    options: (w) => sqsConsumerOptions(w, 'batch'),
    load: () => import('./sqs-consumer.js'),
  },
  {
    name: 'squiss-ts',
    description: 'squiss-ts 5 (receives for free slots, batched deletes, per-message extensions)',
    kind: 'peer',
    options: (w) => ({
      maxInFlight: w.concurrency,
      receiveBatchSize: BATCH,
      receiveWaitTimeSecs: waitSecs(w),
      deleteBatchSize: BATCH,
      // Its default is 2000 ms; ours is 20 ms. The same window for both, so neither's tail or
      // batching is favoured.
      deleteWaitMs: 20,
      visibilityTimeoutSecs: w.visibilitySecs,
      autoExtendTimeout: w.heartbeatSecs > 0,
      // Extend when this much visibility is left: every ~heartbeatSecs.
      ...(w.heartbeatSecs > 0 && { advancedCallMs: (w.visibilitySecs - w.heartbeatSecs) * 1000 }),
    }),
    load: () => import('./squiss.js'),
  },
  {
    name: BASELINE,
    description:
      'parallel ReceiveMessage → handlers → DeleteMessageBatch loops (practical limit), requesting All attributes like the library',
    kind: 'baseline',
    options: (w) => rawOptions(w, 'All'),
    load: () => import('./raw-sdk.js'),
  },
  {
    name: 'raw-sdk-no-attrs',
    description: 'raw-sdk requesting no attributes: what asking for All costs',
    kind: 'baseline',
    optIn: true,
    options: (w) => rawOptions(w, 'none'),
    load: () => import('./raw-sdk.js'),
  },
];

/**
 * sqs-consumer handles one receive at a time, so its handler concurrency is its batchSize
 * (at most 10): in long-jobs it cannot run 30 at once and takes three handler durations.
 */
function sqsConsumerOptions(w: Workload, mode: 'message' | 'batch'): ContestantOptions {
  return {
    mode,
    batchSize: Math.min(BATCH, w.concurrency),
    waitTimeSeconds: waitSecs(w),
    visibilityTimeout: w.visibilitySecs,
    heartbeatInterval: w.heartbeatSecs,
  };
}

/** A default run's contestants: all but the opt-in ones. */
export const DEFAULT_CONTESTANTS = CONTESTANTS.filter((c) => !c.optIn).map((c) => c.name);

export function contestantByName(name: string): ContestantEntry {
  const entry = CONTESTANTS.find((c) => c.name === name);
  if (!entry) {
    throw new Error(
      `unknown contestant ${name}; known: ${CONTESTANTS.map((c) => c.name).join(', ')}`,
    );
  }
  return entry;
}
