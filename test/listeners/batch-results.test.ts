/**
 * The result forms of a batch handler, against fauxqs: `void` deletes the batch, `BatchResult`
 * and Lambda's `batchItemFailures` give back exactly the messages they name (they reappear after
 * the visibility timeout), and a throw, `false` or a result of any other shape gives back the
 * whole batch.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  type BatchHandlerResult,
  BatchResult,
  batchListener,
  type LeasedMessage,
  type ListenerResult,
  silentLogger,
} from '../../src/index.js';
import { startListener, stopAllListeners } from '../support/listen.js';
import {
  countingClient,
  createQueue,
  eventually,
  numbered,
  queueCounts,
  sendMessages,
} from '../support/sqs.js';

// Tests run concurrently and each stops its own listener; this only catches leftovers.
afterAll(stopAllListeners);

type FirstTry = (
  batch: LeasedMessage[],
  odd: LeasedMessage[],
) => BatchHandlerResult | Promise<BatchHandlerResult>;

/** A result the types forbid, as plain JavaScript (or a cast) can still return it. */
const untyped = (value: unknown) => value as BatchHandlerResult;

const isOdd = (m: LeasedMessage) => (m.json as { n: number }).n % 2 === 1;

/**
 * Runs a batch listener whose handler answers with `firstTry` on first deliveries and succeeds
 * on later ones, until the queue is empty. Returns what was delivered how often, and the counts.
 */
async function runBatches(firstTry: FirstTry, count = 6) {
  const { queueUrl } = await createQueue({ visibilitySecs: 1 });
  const ids = await sendMessages(queueUrl, numbered(count));
  const deliveries = new Map<string, number>();
  const handler = async (batch: LeasedMessage[]) => {
    for (const m of batch) deliveries.set(m.messageId, (deliveries.get(m.messageId) ?? 0) + 1);
    const fresh = batch.filter((m) => m.receiveCount === 1);
    if (fresh.length === 0) return undefined;
    // Mixed batches (first and later deliveries) do not occur with these timings; fail loudly if so.
    if (fresh.length !== batch.length) throw new Error('unexpected mixed batch');
    return firstTry(batch, batch.filter(isOdd));
  };
  const { client } = countingClient();
  const run = startListener(batchListener(handler, { logger: silentLogger, env: {} }), queueUrl, {
    client,
    visibilitySecs: 1,
  });
  return {
    ids,
    deliveries,
    /** Waits until `expected` deliveries happened and the queue is empty, then stops. */
    async finish(expectedDeliveries: number): Promise<ListenerResult> {
      const total = () => [...deliveries.values()].reduce((a, b) => a + b, 0);
      let result: ListenerResult;
      try {
        expect(await eventually(() => total() >= expectedDeliveries, 15_000)).toBe(true);
        // A message given back stays in flight until its visibility ends: empty means deleted.
        expect(
          await eventually(async () => {
            const c = await queueCounts(queueUrl);
            return c.visible + c.inFlight + c.delayed === 0;
          }, 10_000),
        ).toBe(true);
      } finally {
        result = await run.stop();
      }
      expect(await queueCounts(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
      return result;
    },
  };
}

function deliveriesByParity(ids: string[], deliveries: Map<string, number>) {
  return {
    even: ids.filter((_, n) => n % 2 === 0).map((id) => deliveries.get(id)),
    odd: ids.filter((_, n) => n % 2 === 1).map((id) => deliveries.get(id)),
  };
}

describe.concurrent('batch handler results', () => {
  it('void: the whole batch is deleted', async () => {
    const run = await runBatches(() => undefined);
    const result = await run.finish(6);
    expect(deliveriesByParity(run.ids, run.deliveries)).toEqual({
      even: [1, 1, 1],
      odd: [1, 1, 1],
    });
    expect(result).toEqual(counts(6, 6, 0));
  });

  it.each<[string, FirstTry]>([
    [
      'new BatchResult({ failedReceiptHandles })',
      (_batch, odd) => new BatchResult({ failedReceiptHandles: odd.map((m) => m.receiptHandle) }),
    ],
    [
      "Lambda's { batchItemFailures: [{ itemIdentifier }] }",
      (_batch, odd) => ({ batchItemFailures: odd.map((m) => ({ itemIdentifier: m.messageId })) }),
    ],
  ])('%s: exactly those are redelivered', async (_form, handler) => {
    const run = await runBatches(handler);
    const result = await run.finish(9);
    expect(deliveriesByParity(run.ids, run.deliveries)).toEqual({
      even: [1, 1, 1],
      odd: [2, 2, 2],
    });
    expect(result).toEqual(counts(9, 6, 3));
  });

  it.each<[string, FirstTry]>([
    [
      'a throw',
      () => {
        throw new Error('batch failed');
      },
    ],
    [
      'a rejected promise',
      async () => {
        await new Promise((r) => setTimeout(r, 10));
        throw new Error('async batch failed');
      },
    ],
    ['false', () => false],
    ['a promise of false', async () => false],
    [
      '{ batchItemFailures: { itemIdentifier } } (an object, not an array)',
      (_batch, odd) => untyped({ batchItemFailures: { itemIdentifier: odd[0]?.messageId } }),
    ],
    [
      '{ batchItemFailure: [...] } (a typo)',
      (_batch, odd) =>
        untyped({ batchItemFailure: odd.map((m) => ({ itemIdentifier: m.messageId })) }),
    ],
    [
      "{ batchItemFailures: [{ itemIdentifier: '' }] }",
      () => untyped({ batchItemFailures: [{ itemIdentifier: '' }] }),
    ],
    ['{ batchItemFailures: [{}] }', () => untyped({ batchItemFailures: [{}] })],
    ['{ batchItemFailures: [null] }', () => untyped({ batchItemFailures: [null] })],
    [
      '{ failedReceiptHandles: "a string" }',
      (_batch, odd) => untyped({ failedReceiptHandles: odd[0]?.receiptHandle }),
    ],
    ['a string', () => untyped('ok')],
    ['a number', () => untyped(0)],
    ['an array', (_batch, odd) => untyped(odd.map((m) => m.messageId))],
  ])('%s fails the whole batch: every message is redelivered', async (_form, handler) => {
    const run = await runBatches(handler);
    const result = await run.finish(12);
    expect(deliveriesByParity(run.ids, run.deliveries)).toEqual({
      even: [2, 2, 2],
      odd: [2, 2, 2],
    });
    expect(result).toEqual(counts(12, 6, 6));
  });
});

/** A listener result with nothing given up, filtered or released. */
function counts(processed: number, succeeded: number, failed: number) {
  return { processed, succeeded, failed, gaveUp: 0, filtered: 0, released: 0 };
}
