/**
 * Running one prepared listener to its end, and its report: shared by `runListeners()` and
 * `createListener()` handles, so both log, drain and report a listener the same way.
 */

import type { ListenerResult } from '../listeners/listener-config.js';
import { SPECS } from '../shared/config.js';
import type { Prepared } from './prepare.js';
import type { ListenerRunReport } from './run-listeners.js';

/**
 * `shutdownTimeout` of the runner and of a handle: 25 s by default, since ECS sends SIGKILL 30 s
 * after SIGTERM; at most SQS's 12 hours, which no lease outlives anyway.
 */
export const SHUTDOWN_TIMEOUT = { ...SPECS.shutdownTimeout, default: 25, max: 43_200 };

/** What a {@link ListenerHandle} reports when it has stopped. */
export interface ListenerReport extends ListenerRunReport {
  /**
   * What made the listener stop by itself (a fatal receive error such as bad credentials, or a
   * start-up error); `undefined` when it was stopped.
   */
  error: Error | undefined;
}

/**
 * Runs `p` until its stream ends (a stop, or a fatal error) and has drained: every message it
 * handed out settled or released, and SQS answered every delete and visibility change.
 * Rejects with what the listener failed with (the caller logs it: what follows differs).
 */
export async function runPrepared(p: Prepared): Promise<ListenerResult> {
  p.logger.info('listener started', p.summary);
  const result = await p.listener(p.stream);
  await p.stream.drained();
  p.logger.info('listener stopped', { ...result });
  return result;
}

export function reportOf(
  p: Prepared,
  result: ListenerResult,
  timedOut: boolean,
): ListenerRunReport {
  return {
    name: p.name,
    queueUrl: p.queueUrl,
    result,
    stats: p.stream.stats(),
    handler: p.timer.snapshot(),
    timedOut,
    abandoned: p.timer.running(),
  };
}
