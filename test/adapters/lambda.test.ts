/**
 * lambdaHandler() against fauxqs: unchanged Lambda handlers (a hand-written partial batch
 * response, Powertools' BatchProcessor and SqsFifoPartialProcessorAsync) run in a batch listener;
 * exactly the records they report failed come back (and reach the DLQ after maxReceiveCount),
 * the rest are deleted. FIFO order within a group is checked on the in-memory SQS, which (unlike
 * fauxqs) hands out several messages of a group at once.
 */
import {
  BatchProcessor,
  EventType,
  processPartialResponse,
  SqsFifoPartialProcessorAsync,
} from '@aws-lambda-powertools/batch';
import type { SQSBatchItemFailure, SQSHandler, SQSRecord } from 'aws-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { sqsMessages } from '../../src/core/sqs-messages.js';
import { batchListener, lambdaHandler, silentLogger } from '../../src/index.js';
import { createInMemorySqs } from '../../src/testing/index.js';
import { startListener, stopAllListeners } from '../support/listen.js';
import {
  countingClient,
  createQueue,
  eventually,
  numbered,
  queueCounts,
  receiveNow,
  sendMessages,
} from '../support/sqs.js';

afterAll(stopAllListeners);

const empty = { visible: 0, inFlight: 0, delayed: 0 };
const n = (record: SQSRecord) => (JSON.parse(record.body) as { n: number }).n;

/** Counts deliveries by message id. */
function tally() {
  const deliveries = new Map<string, number>();
  return {
    deliveries,
    add(records: SQSRecord[]) {
      for (const r of records) deliveries.set(r.messageId, (deliveries.get(r.messageId) ?? 0) + 1);
    },
    total: () => [...deliveries.values()].reduce((a, b) => a + b, 0),
  };
}

function listenerOptions() {
  return { logger: silentLogger, env: {}, tracing: false as const };
}

describe('lambdaHandler on fauxqs', () => {
  it('a hand-written partial batch response: the failed records go to the DLQ after maxReceiveCount, the rest are deleted', async () => {
    const { queueUrl, dlqUrl } = await createQueue({ visibilitySecs: 1, maxReceiveCount: 2 });
    const ids = await sendMessages(queueUrl, numbered(8));
    const seen = tally();
    // As deployed to Lambda: odd numbers always fail.
    const handler: SQSHandler = async (event) => {
      seen.add(event.Records);
      const batchItemFailures: SQSBatchItemFailure[] = [];
      for (const record of event.Records) {
        if (n(record) % 2 === 1) batchItemFailures.push({ itemIdentifier: record.messageId });
      }
      return { batchItemFailures };
    };
    const run = startListener(batchListener(lambdaHandler(handler), listenerOptions()), queueUrl, {
      client: countingClient().client,
      visibilitySecs: 1,
    });
    const odd = ids.filter((_, i) => i % 2 === 1);
    const even = ids.filter((_, i) => i % 2 === 0);
    // Each odd one twice (then SQS moves it on its third receive), each even one once.
    expect(await eventually(() => seen.total() >= 12, 20_000)).toBe(true);
    expect(
      await eventually(async () => (await queueCounts(dlqUrl!)).visible === odd.length, 20_000),
    ).toBe(true);
    const result = await run.stop();
    expect(await queueCounts(queueUrl)).toEqual(empty);
    for (const id of even) expect(seen.deliveries.get(id)).toBe(1);
    for (const id of odd) expect(seen.deliveries.get(id)).toBe(2);
    const dead = await receiveNow(dlqUrl!);
    expect(dead.map((m) => m.MessageId).sort()).toEqual([...odd].sort());
    expect(result).toMatchObject({ succeeded: 4, failed: 8 });
  });

  it("Powertools' BatchProcessor with processPartialResponse: only the failed records come back", async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 1 });
    const ids = await sendMessages(queueUrl, numbered(9));
    const seen = tally();
    const contexts: Array<number> = [];
    const processor = new BatchProcessor(EventType.SQS);
    const recordHandler = async (record: SQSRecord) => {
      // Multiples of 3 fail on their first delivery.
      if (n(record) % 3 === 0 && record.attributes.ApproximateReceiveCount === '1') {
        throw new Error(`record ${n(record)} failed`);
      }
    };
    const handler: SQSHandler = async (event, context) => {
      seen.add(event.Records);
      contexts.push(context.getRemainingTimeInMillis());
      return processPartialResponse(event, recordHandler, processor, { context });
    };
    const run = startListener(
      batchListener(lambdaHandler(handler), { ...listenerOptions(), handlerTimeout: 20 }),
      queueUrl,
      { client: countingClient().client, visibilitySecs: 1 },
    );
    expect(await eventually(() => seen.total() >= 12, 20_000)).toBe(true);
    expect(
      await eventually(async () => {
        const c = await queueCounts(queueUrl);
        return c.visible + c.inFlight === 0;
      }, 10_000),
    ).toBe(true);
    const result = await run.stop();
    expect(await queueCounts(queueUrl)).toEqual(empty);
    ids.forEach((id, i) => {
      expect(seen.deliveries.get(id)).toBe(i % 3 === 0 ? 2 : 1);
    });
    expect(result).toMatchObject({ processed: 12, succeeded: 9, failed: 3 });
    // The handlerTimeout (20 s) drives the context's clock.
    for (const remaining of contexts) {
      expect(remaining).toBeGreaterThan(15_000);
      expect(remaining).toBeLessThanOrEqual(20_000);
    }
  });

  it('SqsFifoPartialProcessorAsync on a FIFO queue: the failed record and every later one of the batch come back', async () => {
    const { queueUrl } = await createQueue({ fifo: true, visibilitySecs: 1 });
    // fauxqs hands out one message per group at a time: one group each, sent before starting
    // so that the first receive returns them together.
    const ids = await sendMessages(queueUrl, numbered(5), (i) => ({
      MessageGroupId: `g${i}`,
      MessageDeduplicationId: `d${i}`,
    }));
    const batches: string[][] = [];
    const handled: string[] = [];
    const processor = new SqsFifoPartialProcessorAsync();
    const handler: SQSHandler = async (event, context) => {
      const first = batches.length === 0;
      batches.push(event.Records.map((r) => r.messageId));
      return processPartialResponse(
        event,
        async (record: SQSRecord) => {
          // The second record of the first batch fails: Powertools skips the rest.
          if (first && record.messageId === event.Records[1]?.messageId) throw new Error('fail');
          handled.push(record.messageId);
        },
        processor,
        { context },
      );
    };
    const run = startListener(batchListener(lambdaHandler(handler), listenerOptions()), queueUrl, {
      client: countingClient().client,
      visibilitySecs: 1,
    });
    expect(await eventually(() => new Set(handled).size === 5, 20_000)).toBe(true);
    expect(
      await eventually(async () => {
        const c = await queueCounts(queueUrl);
        return c.visible + c.inFlight === 0;
      }, 10_000),
    ).toBe(true);
    await run.stop();
    const firstBatch = batches[0]!;
    expect(firstBatch.length).toBeGreaterThanOrEqual(2);
    // Each message handled exactly once: the skipped ones only on their second delivery.
    expect([...handled].sort()).toEqual([...ids].sort());
    const redelivered = batches.slice(1).flat();
    expect(redelivered.sort()).toEqual(firstBatch.slice(1).sort());
    expect(await queueCounts(queueUrl)).toEqual(empty);
  });
});

describe('lambdaHandler, FIFO order within a group (in-memory SQS)', () => {
  it('the failed record and the later ones of its group are redelivered, in order', async () => {
    const sqs = createInMemorySqs();
    const queueUrl = sqs.createQueue('orders', { fifo: true, visibilityTimeout: 1 });
    sqs.sendMessages(queueUrl, ['a1', 'a2', 'a3', 'a4'], { groupId: 'a' });
    const order: string[] = [];
    let failed = false;
    const processor = new SqsFifoPartialProcessorAsync();
    const handler: SQSHandler = async (event, context) =>
      processPartialResponse(
        event,
        async (record: SQSRecord) => {
          if (record.body === 'a2' && !failed) {
            failed = true;
            throw new Error('a2 failed once');
          }
          order.push(record.body);
        },
        processor,
        { context },
      );
    const controller = new AbortController();
    const stream = sqsMessages(queueUrl, {
      client: sqs.client,
      signal: controller.signal,
      waitTime: 1,
      visibilitySecs: 1,
      idleSleepMax: 0,
      logger: silentLogger,
      env: {},
    });
    const done = batchListener(lambdaHandler(handler), listenerOptions())(stream);
    await sqs.untilEmpty(queueUrl);
    controller.abort();
    await done;
    await stream.drained();
    expect(order).toEqual(['a1', 'a2', 'a3', 'a4']);
    expect(sqs.counts(queueUrl)).toMatchObject({ visible: 0, inFlight: 0, deleted: 4 });
  });
});
