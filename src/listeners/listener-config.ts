/** Options shared by the listener adapters, resolved like every other option. */
import { type Env, type NumberSpec, resolveNumber } from '../config.js';
import type { Logger } from '../logger.js';

export const LISTENER_SPECS = {
  workerThreads: {
    option: 'workerThreads',
    env: 'WORKER_THREADS',
    default: 4,
    min: 1,
    max: 10_000,
    integer: true,
  },
  batchWindowMs: {
    option: 'batchWindowMs',
    env: 'BATCH_WINDOW_MS',
    default: 0,
    min: 0,
    max: 300_000,
    integer: false,
    unit: 'milliseconds',
  },
} satisfies Record<string, NumberSpec>;

export interface ListenerBaseOptions {
  /** Handlers (per-message) or batches (batch mode) running at once. Env `WORKER_THREADS`, default 4. */
  workerThreads?: number;
  /** Replaces the default logger. */
  logger?: Logger;
  /** Where environment variables are read from. Default `process.env`. */
  env?: Env;
}

export function resolveWorkerThreads(explicit: unknown, env: Env | undefined): number {
  return resolveNumber(LISTENER_SPECS.workerThreads, explicit, env ?? process.env);
}

/** What a listener reports when its source ends. */
export interface ListenerResult {
  /** Messages handed to the handler. */
  processed: number;
  /** Of those, the ones that succeeded (acked, or settled by the handler itself). */
  succeeded: number;
  /** Of those, the ones that failed (nacked). */
  failed: number;
}
