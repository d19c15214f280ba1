/**
 * The periodic INFO summary: with per-batch lines at DEBUG, INFO carries only the lifecycle
 * (started, draining, stopped) and, every `logSummaryEverySecs`, one line per listener with
 * what happened since the last one. Counted from the stream's stats and the handler timer the
 * runner keeps anyway, so it costs nothing per message.
 */
import type { SqsMessageStream } from '../core/sqs-messages.js';
import type { StreamStats } from '../core/stats.js';
import { demandOf, withDemand } from '../listeners/demand.js';
import type { Listener } from '../listeners/per-message.js';
import type { NumberSpec } from '../shared/config.js';
import type { Logger } from '../shared/logger.js';
import type { HandlerTimer } from './handler-stats.js';

/** `logSummaryEverySecs` / `LOG_SUMMARY_SECS`: 60 by default, 0 turns the summary off. */
export const LOG_SUMMARY_SPEC: NumberSpec = {
  option: 'logSummaryEverySecs',
  env: 'LOG_SUMMARY_SECS',
  default: 60,
  min: 0,
  max: 86_400,
  integer: true,
  unit: 'seconds between summary lines; 0 = off',
};

/** What one summary reads. */
export interface SummarySource {
  logger: Logger;
  stream: Pick<SqsMessageStream, 'stats'>;
  timer: Pick<HandlerTimer, 'snapshot'>;
}

type Counted = 'received' | 'acked' | 'nacked' | 'lost' | 'released' | 'receiveErrors';
const COUNTED: readonly Counted[] = [
  'received',
  'acked',
  'nacked',
  'lost',
  'released',
  'receiveErrors',
];

/**
 * Logs a summary every `everySecs` until the returned function is called (0: never). The timer
 * is unref'd: it never keeps the process alive.
 */
export function startLogSummary(source: SummarySource, everySecs: number): () => void {
  if (everySecs <= 0) return () => {};
  let last = source.stream.stats();
  let lastHandler = source.timer.snapshot();
  const timer = setInterval(() => {
    const now = source.stream.stats();
    const handler = source.timer.snapshot();
    const fields: Record<string, number> = { everySecs };
    for (const key of COUNTED) fields[key] = (now as StreamStats)[key] - last[key];
    fields.handlerCalls = handler.duration.count - lastHandler.duration.count;
    fields.handlerErrors = handler.errors - lastHandler.errors;
    fields.inFlight = now.inFlight;
    fields.handlerP99Ms = Math.round(handler.duration.p99Ms);
    last = now;
    lastHandler = handler;
    source.logger.info('summary', fields);
  }, everySecs * 1000);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * `listener` with the summary running while it consumes a source, ended when it returns or
 * throws. Its declared demand is kept.
 */
export function withLogSummary(
  listener: Listener,
  source: SummarySource,
  everySecs: number,
): Listener {
  if (everySecs <= 0) return listener;
  const wrapped: Listener = (messages) => {
    const stop = startLogSummary(source, everySecs);
    const done = listener(messages);
    done.then(stop, stop);
    return done;
  };
  const demand = demandOf(listener);
  return demand === undefined ? wrapped : withDemand(wrapped, demand);
}
