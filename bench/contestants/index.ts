/**
 * The contestants. An entry names a module (loaded lazily, so a child imports only its own
 * library and its RSS is not inflated by the others) and the options it runs with for a
 * workload. Adding a contestant = one file in this folder + one entry here.
 */
import type { ContestantOptions } from '../protocol.js';
import type { Workload } from '../workloads.js';
import type { RunFn } from './types.js';

export interface ContestantEntry {
  name: string;
  description: string;
  /** Settings for a workload; printed, and passed to `run()` as `ctx.options`. */
  options: (workload: Workload) => ContestantOptions;
  load: () => Promise<{ run: RunFn }>;
}

/** Ratios in the report are "contestant ÷ this", pair by pair within each repeat. */
export const BASELINE = 'raw-sdk';

export const CONTESTANTS: ContestantEntry[] = [
  {
    name: 'core',
    description: 'sqsMessages() + for await + m.ack() (not awaited)',
    options: (w) => ({
      // Library defaults except the poll wait, so an idle tail does not stretch the run.
      waitTime: 1,
      idleSleepMax: 0.1,
      concurrency: w.concurrency,
      maxInFlight: Math.max(20, 2 * w.concurrency),
    }),
    load: () => import('./core.js'),
  },
  {
    // Same as core but with the raw loop's parallelism (4 receives in flight), to tell the
    // library's own cost from its default of 2 parallel receives (maxInFlight 20 / batch 10).
    name: 'core-mif40',
    description: 'core with maxInFlight 40 → 4 parallel receives, like raw-sdk',
    options: (w) => ({
      waitTime: 1,
      idleSleepMax: 0.1,
      concurrency: w.concurrency,
      maxInFlight: Math.max(40, 2 * w.concurrency),
    }),
    load: () => import('./core.js'),
  },
  {
    name: BASELINE,
    description: 'parallel ReceiveMessage → handlers → DeleteMessageBatch loops (practical limit)',
    options: () => ({ loops: 4, maxMessages: 10, waitTimeSeconds: 1, visibilityTimeout: 60 }),
    load: () => import('./raw-sdk.js'),
  },
  // Later: 'sqs-consumer', 'squiss-ts', 'per-message-listener', 'batch-listener'.
];

export function contestantByName(name: string): ContestantEntry {
  const entry = CONTESTANTS.find((c) => c.name === name);
  if (!entry) {
    throw new Error(
      `unknown contestant ${name}; known: ${CONTESTANTS.map((c) => c.name).join(', ')}`,
    );
  }
  return entry;
}
