/**
 * What the orchestrator (bench/run.ts) and a contestant child (bench/contestant.ts) exchange.
 * Plain JSON both ways, so a child can be any process that speaks it.
 */
import type { Workload } from './workloads.js';

/** A contestant's own settings, printed in the report and passed to its `run()` unchanged. */
export type ContestantOptions = Record<string, string | number | boolean>;

/** Sent by the parent to a contestant child (as argv[2], JSON). */
export interface ContestantInput {
  contestant: string;
  options: ContestantOptions;
  workload: Workload;
  queueUrl: string;
  endpoint: string;
  /** Messages in the queue; the contestant stops once it handled this many distinct ones. */
  expected: number;
}

/** Sent back by the child over IPC when it finished. */
export interface ContestantResult {
  /** First ReceiveMessage sent → SQS confirmed a delete for every message. */
  wallMs: number;
  /** Deletes all confirmed → the contestant's run() returned (its own shutdown/drain). */
  shutdownMs: number;
  /** First ReceiveMessage sent → last distinct message handled (deletes may still be pending). */
  handledMs: number;
  /** Distinct message ids handled. */
  handled: number;
  /** Handler runs for a message id that had been handled already. */
  duplicates: number;
  /** Requests by SDK command name without the "Command" suffix, counted by a middleware. */
  requests: Record<string, number>;
  /** User + system CPU of the child during the run, seconds. */
  cpuSeconds: number;
  /** Peak resident set size of the child process, MB. */
  peakRssMb: number;
  /**
   * Heap still in use after a forced full GC once the run ended (MB): what the library retains.
   * Peak RSS also holds garbage V8 had not collected yet, which grows with run length.
   */
  heapAfterGcMb: number;
  /** Errors the contestant's library reported (error events, error logs, lost leases), by kind. */
  errors: Record<string, number>;
}

export type ChildMessage =
  | { type: 'result'; result: ContestantResult }
  | { type: 'error'; message: string };
