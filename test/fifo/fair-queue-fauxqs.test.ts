/**
 * Whether a queue is FIFO, against fauxqs: its URL is on a custom endpoint, so the stream asks
 * the queue (one GetQueueAttributes) instead of trusting a group id. fauxqs has no fair queues, so
 * a client wrapper stamps a MessageGroupId on what a standard queue returns, as SQS fair queues do.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { perMessageListener } from '../../src/index.js';
import { silentLogger } from '../../src/shared/logger.js';
import { fairQueueClient } from '../support/fair-queue.js';
import { startListener, stopAllListeners } from '../support/listen.js';
import {
  countingClient,
  createQueue,
  eventually,
  queueCounts,
  sendMessages,
} from '../support/sqs.js';

afterEach(stopAllListeners);

describe('FIFO or not, on a custom endpoint', () => {
  it('a standard queue whose messages carry a group id runs them in parallel; the queue is asked once', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    await sendMessages(
      queueUrl,
      Array.from({ length: 8 }, (_, n) => ({ n })),
    );
    const { client, counts } = countingClient();
    let running = 0;
    let most = 0;
    let handled = 0;
    const listener = perMessageListener(
      async (m) => {
        expect(m.groupId).toBe('tenant-a');
        running++;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 50));
        running--;
        handled++;
      },
      { workerThreads: 4, logger: silentLogger, env: {} },
    );
    const run = startListener(listener, queueUrl, {
      client: fairQueueClient(client, () => 'tenant-a'),
      visibilitySecs: 30,
      maxInFlight: 10,
    });
    expect(await eventually(() => handled === 8, 10_000)).toBe(true);
    const result = await run.stop();
    expect(most).toBe(4);
    expect(result).toMatchObject({ processed: 8, succeeded: 8, released: 0 });
    expect(counts.GetQueueAttributesCommand).toBe(1);
    expect(await queueCounts(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('a FIFO queue is known by its .fifo name: one group still runs one at a time', async () => {
    const { queueUrl } = await createQueue({ fifo: true, visibilitySecs: 30 });
    await sendMessages(
      queueUrl,
      Array.from({ length: 4 }, (_, n) => ({ n })),
      (i) => ({
        MessageGroupId: 'g',
        MessageDeduplicationId: `d${i}`,
      }),
    );
    const { client } = countingClient();
    let running = 0;
    let most = 0;
    const order: number[] = [];
    const listener = perMessageListener(
      async (m) => {
        running++;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 20));
        order.push((m.json as { n: number }).n);
        running--;
      },
      { workerThreads: 4, logger: silentLogger, env: {} },
    );
    const run = startListener(listener, queueUrl, { client, visibilitySecs: 30 });
    expect(await eventually(() => order.length === 4, 10_000)).toBe(true);
    await run.stop();
    expect(most).toBe(1);
    expect(order).toEqual([0, 1, 2, 3]);
  });
});
