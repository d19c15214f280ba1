/**
 * Batch mode: gathering the next batch without artificial delay. Without a window a batch is
 * what is already buffered (one receive's worth); with `batchWindowMs` it gathers across
 * receives until the window closes or the batch is full.
 */
import type { LeasedMessage } from '../../core/leased-message.js';
import type { MessagePuller } from './capped-puller.js';
import { afterBuffered } from './puller.js';

/** Returns a function that resolves with the next batch, or `undefined` once the source ended. */
export function batchGatherer(
  puller: MessagePuller,
  batchSize: number,
  batchWindowMs: number,
): () => Promise<LeasedMessage[] | undefined> {
  return async () => {
    if (puller.done) return undefined;
    const first = await puller.next();
    if (first.done) return undefined;
    const batch = [first.value];
    let timer: NodeJS.Timeout | undefined;
    // Buffered messages arrive through microtasks, which all run before a single setImmediate.
    const deadline =
      batchWindowMs > 0
        ? new Promise<void>((resolve) => {
            timer = setTimeout(resolve, batchWindowMs);
          })
        : afterBuffered();
    try {
      while (batch.length < batchSize) {
        const next = await puller.nextBefore(deadline);
        if (next === undefined || next.done) break;
        batch.push(next.value);
      }
    } finally {
      clearTimeout(timer);
    }
    return batch;
  };
}
