/**
 * A listener's demand: how many messages its handlers can hold at once (workerThreads × its
 * batch size). Declared to the stream it consumes before iterating, so that a stream whose
 * maxInFlight was left to its default grows to keep every worker busy (see
 * `SqsMessageStream[declareDemand]`). A source without the hook (an ix pipeline such as
 * `stream.pipe(filter(...))`, any other iterable) is left alone: set maxInFlight there.
 */
import type { LeasedMessage } from '../core/leased-message.js';
import { declareDemand } from '../core/stream-config.js';

type DemandAware = { [declareDemand]?: (held: number) => void };

const demands = new WeakMap<object, number>();

/** Records what `listener` will hold at once, for `declareDemandTo()`. */
export function withDemand<L extends object>(listener: L, held: number): L {
  demands.set(listener, held);
  return listener;
}

/** What a listener made by this library holds at once, if it is one. */
export function demandOf(listener: object): number | undefined {
  return demands.get(listener);
}

/** Declares `held` to `source` if it is a stream that accepts the declaration. */
export function declareDemandTo(source: AsyncIterable<LeasedMessage>, held: number): void {
  const declare = (source as DemandAware)[declareDemand];
  if (typeof declare === 'function') declare.call(source, held);
}
