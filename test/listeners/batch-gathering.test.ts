/**
 * How batches are formed: without a window, the messages of one receive are passed together
 * (and no batch mixes in what was not yet received); with `batchWindowMs`, a batch gathers across
 * receives and may hold more than SQS's 10.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { batchListener, type LeasedMessage, silentLogger } from '../../src/index.js';
import { startListener, stopAllListeners } from '../support/listen.js';
import {
  countingClient,
  createQueue,
  eventually,
  messagesOf,
  numbered,
  queueCounts,
  requestsOf,
  sendMessages,
} from '../support/sqs.js';

afterEach(stopAllListeners);

const empty = (queueUrl: string) => async () => {
  const c = await queueCounts(queueUrl);
  return c.visible + c.inFlight + c.delayed === 0;
};

describe('batch gathering', () => {
  it('without a window, each handler call gets exactly the messages of one receive', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    const ids = await sendMessages(queueUrl, numbered(25));
    const batches: string[][] = [];
    const handler = async (batch: LeasedMessage[]) => {
      batches.push(batch.map((m) => m.messageId));
      await new Promise((r) => setTimeout(r, 50));
    };
    const { client, log } = countingClient();
    const run = startListener(batchListener(handler, { logger: silentLogger, env: {} }), queueUrl, {
      client,
      // One receive at a time, so that receives never land in the buffer together.
      concurrentReceives: 1,
    });
    try {
      expect(await eventually(() => batches.flat().length >= 25, 10_000)).toBe(true);
      expect(await eventually(empty(queueUrl), 10_000)).toBe(true);
    } finally {
      await run.stop();
    }
    const receives = requestsOf(log, 'ReceiveMessageCommand')
      .map((r) => messagesOf(r).map((m) => m.MessageId!))
      .filter((got) => got.length > 0);
    const sorted = (groups: string[][]) => groups.map((g) => [...g].sort()).sort();
    expect(sorted(batches)).toEqual(sorted(receives));
    expect(batches.flat().sort()).toEqual([...ids].sort());
    // More than one message per call: batching happened at all.
    expect(Math.max(...batches.map((b) => b.length))).toBeGreaterThan(1);
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(10);
  });

  it('batchSize caps a batch below what one receive brought', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    await sendMessages(queueUrl, numbered(10));
    const sizes: number[] = [];
    const handler = (batch: LeasedMessage[]) => {
      sizes.push(batch.length);
    };
    const { client } = countingClient();
    const run = startListener(
      batchListener(handler, { batchSize: 3, logger: silentLogger, env: {} }),
      queueUrl,
      { client },
    );
    try {
      expect(await eventually(() => sizes.reduce((a, b) => a + b, 0) >= 10, 10_000)).toBe(true);
      expect(await eventually(empty(queueUrl), 10_000)).toBe(true);
    } finally {
      const result = await run.stop();
      expect(result).toEqual({
        processed: 10,
        succeeded: 10,
        failed: 0,
        gaveUp: 0,
        filtered: 0,
        released: 0,
      });
    }
    expect(Math.max(...sizes)).toBeLessThanOrEqual(3);
  });

  it('with batchWindowMs, a batch gathers across receives and holds more than 10', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    const ids = await sendMessages(queueUrl, numbered(25));
    const batches: string[][] = [];
    const handler = (batch: LeasedMessage[]) => {
      batches.push(batch.map((m) => m.messageId));
    };
    const { client, log } = countingClient();
    const run = startListener(
      batchListener(handler, { batchSize: 25, batchWindowMs: 300, logger: silentLogger, env: {} }),
      queueUrl,
      // Room for a whole batch to be leased at once.
      { client, maxInFlight: 50 },
    );
    let result: Awaited<ReturnType<typeof run.stop>>;
    try {
      expect(await eventually(() => batches.flat().length >= 25, 10_000)).toBe(true);
      expect(await eventually(empty(queueUrl), 10_000)).toBe(true);
    } finally {
      result = await run.stop();
    }
    // Each receive brings at most 10, so a batch above 10 spans receives.
    const perReceive = requestsOf(log, 'ReceiveMessageCommand').map((r) => messagesOf(r).length);
    expect(Math.max(...perReceive)).toBeLessThanOrEqual(10);
    expect(batches[0]!.length).toBeGreaterThan(10);
    expect(batches.flat().sort()).toEqual([...ids].sort());
    expect(result).toEqual({
      processed: 25,
      succeeded: 25,
      failed: 0,
      gaveUp: 0,
      filtered: 0,
      released: 0,
    });
  });

  it('batchSize above 10 without a window is refused at construction', () => {
    expect(() => batchListener(() => {}, { batchSize: 25, env: {} })).toThrow(
      /batchSize.*BATCH_SIZE.*25.*1 to 10/s,
    );
  });
});
