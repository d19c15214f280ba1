/**
 * FIFO order across a failure, on the in-memory SQS (it hands out several messages of one group
 * per receive, as SQS does and fauxqs does not): once a message of a group failed, the group's
 * later messages already received are given back, in one batched request, until the failed one
 * is back. Group ids on a standard queue (fair queues) mean no order at all.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  batchListener,
  type LeasedMessage,
  type Listener,
  perMessageListener,
  sqsMessages,
} from '../../src/index.js';
import { silentLogger } from '../../src/shared/logger.js';
import { createInMemorySqs, type InMemorySqs } from '../../src/testing/index.js';

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

const seqOf = (m: LeasedMessage) => (m.json as { seq: number }).seq;
/** `3` on a first delivery, `3#2` on the second. */
const label = (m: LeasedMessage) =>
  m.receiveCount === 1 ? String(seqOf(m)) : `${seqOf(m)}#${m.receiveCount}`;

interface Run {
  sqs: InMemorySqs;
  queueUrl: string;
  /** Messages whose handling succeeded, in the order the handler finished them. */
  handled: string[];
}

/**
 * Group A holds seq 1..10, all received by the first receive (they are buffered before the
 * first handler finishes). Seq 1 fails on its first delivery, fast. The failed message comes
 * back after `retryDelay` seconds (0: at once; undefined: when its 1 s visibility ends).
 */
async function run(
  makeListener: (handle: (m: LeasedMessage) => boolean) => Listener,
): Promise<Run> {
  const sqs = createInMemorySqs();
  const queueUrl = sqs.createQueue('orders.fifo', { visibilityTimeout: 1 });
  for (let seq = 1; seq <= 10; seq++) sqs.sendMessage(queueUrl, { seq }, { groupId: 'A' });
  const controller = new AbortController();
  const stream = sqsMessages(queueUrl, {
    client: sqs.client,
    signal: controller.signal,
    visibilitySecs: 1,
    waitTime: 1,
    idleSleepMax: 0,
    maxInFlight: 20,
    logger: silentLogger,
    env: {},
  });
  const handled: string[] = [];
  const done = makeListener((m) => {
    if (seqOf(m) === 1 && m.receiveCount === 1) return false;
    handled.push(label(m));
    return true;
  })(stream);
  stops.push(async () => {
    controller.abort();
    await done;
    await stream.drained();
  });
  await sqs.until(() => sqs.deleted(queueUrl).length === 10);
  return { sqs, queueUrl, handled };
}

const retry = (delay: number | undefined) =>
  delay === undefined ? {} : { retry: { baseSeconds: delay, maxSeconds: delay } };

const deletedSeqs = (r: Run) =>
  r.sqs.deleted(r.queueUrl).map((m) => (m.json as { seq: number }).seq);

/** The visibility changes to 0 sent for messages that were given back unhandled. */
function releaseRequests(r: Run): number[][] {
  return r.sqs.requests
    .filter((q) => q.command === 'ChangeMessageVisibilityBatch')
    .map((q) => (q.input as { Entries: Array<{ VisibilityTimeout: number }> }).Entries)
    .filter((entries) => entries.every((e) => e.VisibilityTimeout === 0))
    .map((entries) => entries.map((e) => e.VisibilityTimeout));
}

describe.each([
  ['the failed message back at once (retry delay 0)', 0],
  ['the failed message back when its visibility ends', undefined],
])('FIFO after a failure, %s', (_when, delay) => {
  it.each([1, 4])(
    'per-message, %i worker(s): handled 1#2, 2, …, 10 and deleted in order',
    async (workers) => {
      const r = await run((handle) =>
        perMessageListener(handle, {
          workerThreads: workers,
          logger: silentLogger,
          env: {},
          ...retry(delay),
        }),
      );
      // 2..10 were given back unhandled, so they too come a second time.
      expect(r.handled).toEqual([
        '1#2',
        '2#2',
        '3#2',
        '4#2',
        '5#2',
        '6#2',
        '7#2',
        '8#2',
        '9#2',
        '10#2',
      ]);
      expect(deletedSeqs(r)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      // 2..10 went back together, not one awaited request each.
      expect(releaseRequests(r).flat().length).toBeGreaterThanOrEqual(9);
      expect(releaseRequests(r).length).toBeLessThanOrEqual(2);
    },
  );

  it.each([1, 4])(
    'batch of 3, %i worker(s): the later batches of the group wait, then go back; deleted in order',
    async (workers) => {
      const r = await run((handle) =>
        batchListener(
          (batch) => {
            // As Lambda asks of FIFO batch handlers: stop at the first failure, report the rest.
            const at = batch.findIndex((m) => !handle(m));
            const failed = at < 0 ? [] : batch.slice(at);
            return { batchItemFailures: failed.map((m) => ({ itemIdentifier: m.messageId })) };
          },
          { batchSize: 3, workerThreads: workers, logger: silentLogger, env: {}, ...retry(delay) },
        ),
      );
      expect(deletedSeqs(r)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      // Nothing after seq 1 was handled before seq 1 succeeded.
      expect(r.handled[0]).toBe('1#2');
      expect(new Set(r.handled).size).toBe(10);
    },
  );
});

describe('group ids on a standard queue (fair queues), in-memory SQS', () => {
  async function runFair(listener: Listener) {
    const sqs = createInMemorySqs();
    const queueUrl = sqs.createQueue('tenants', { visibilityTimeout: 1 });
    for (let seq = 1; seq <= 8; seq++) sqs.sendMessage(queueUrl, { seq }, { groupId: 'tenant-a' });
    const controller = new AbortController();
    const stream = sqsMessages(queueUrl, {
      client: sqs.client,
      signal: controller.signal,
      visibilitySecs: 1,
      waitTime: 1,
      idleSleepMax: 0,
      logger: silentLogger,
      env: {},
    });
    const done = listener(stream);
    stops.push(async () => {
      controller.abort();
      await done;
      await stream.drained();
    });
    await sqs.until(() => sqs.deleted(queueUrl).length === 8);
    controller.abort();
    return { result: await done, sqs, queueUrl };
  }

  it('per-message with 4 workers runs 4 of one group at once', async () => {
    let running = 0;
    let most = 0;
    const { result } = await runFair(
      perMessageListener(
        async () => {
          running++;
          most = Math.max(most, running);
          await new Promise((r) => setTimeout(r, 20));
          running--;
        },
        { workerThreads: 4, logger: silentLogger, env: {} },
      ),
    );
    expect(most).toBe(4);
    expect(result).toMatchObject({ processed: 8, succeeded: 8, failed: 0, released: 0 });
  });

  it('batch: a failure fails only itself; the successes are processed once', async () => {
    const deliveries = new Map<number, number>();
    const { result } = await runFair(
      batchListener(
        (batch) => {
          for (const m of batch) deliveries.set(seqOf(m), (deliveries.get(seqOf(m)) ?? 0) + 1);
          const failed = batch.filter((m) => seqOf(m) === 1 && m.receiveCount === 1);
          return { batchItemFailures: failed.map((m) => ({ itemIdentifier: m.messageId })) };
        },
        { logger: silentLogger, env: {}, retry: { baseSeconds: 0, maxSeconds: 0 } },
      ),
    );
    expect([...deliveries.entries()].sort((a, b) => a[0] - b[0])).toEqual([
      [1, 2],
      [2, 1],
      [3, 1],
      [4, 1],
      [5, 1],
      [6, 1],
      [7, 1],
      [8, 1],
    ]);
    expect(result).toMatchObject({ processed: 9, succeeded: 8, failed: 1 });
  });
});
