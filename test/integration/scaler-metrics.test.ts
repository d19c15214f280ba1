/**
 * The scaler and operator metrics end to end on fauxqs: the receive-count histogram shows a
 * message that failed and came back (what `ApproximateAgeOfOldestMessage` hides on a standard
 * queue), and an empty queue shows up as empty receives, in `stats()` and in Prometheus text.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { perMessageListener, type StreamStats, sqsMessages } from '../../src/index.js';
import { HandlerTimer } from '../../src/runner/handler-stats.js';
import { formatMetrics } from '../../src/runner/prometheus.js';
import { silentLogger } from '../../src/shared/logger.js';
import { startListener, stopAllListeners } from '../support/listen.js';
import {
  countingClient,
  createQueue,
  eventually,
  queueCounts,
  sendMessages,
} from '../support/sqs.js';

afterEach(async () => {
  await stopAllListeners();
});

function metrics(name: string, queueUrl: string, stats: StreamStats): string {
  const handler = new HandlerTimer().snapshot();
  return formatMetrics([{ name, queueUrl, stats, handler }], false);
}

describe('scaler metrics on fauxqs', () => {
  it('counts a message nacked twice and received again in the receive-count histogram', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    await sendMessages(queueUrl, ['good-1', 'good-2', 'poison']);
    const seen: Array<[string, number]> = [];
    const listener = perMessageListener(
      (m) => {
        seen.push([m.body, m.receiveCount]);
        // The poison message fails twice; given back at once, it is received again.
        if (m.body === 'poison' && m.receiveCount < 3) m.nack({ delaySeconds: 0 });
      },
      { logger: silentLogger, env: {} },
    );
    const run = startListener(listener, queueUrl);
    expect(await eventually(() => seen.length === 5, 10_000, 20)).toBe(true);
    await run.stop();

    expect(seen.filter(([body]) => body === 'poison').map(([, n]) => n)).toEqual([1, 2, 3]);
    const stats = run.stream.stats();
    expect(stats).toMatchObject({ received: 5, acked: 3, nacked: 2 });
    expect(stats.receiveCounts).toMatchObject({ buckets: [3, 4, 5, 5, 5, 5], sum: 8, count: 5 });
    const queue = queueUrl.slice(queueUrl.lastIndexOf('/') + 1);
    const text = metrics('orders', queueUrl, stats);
    expect(text).toContain(
      `sqs_listener_message_receive_count_bucket{listener="orders",queue="${queue}",le="2"} 4\n`,
    );
    expect(text).toContain(
      `sqs_listener_message_receive_count_count{listener="orders",queue="${queue}"} 5\n`,
    );
    // What the queue holds afterwards: nothing; the poison message was deleted on its third try.
    expect(await queueCounts(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('counts empty receives on an empty queue, and how long ago the last one succeeded', async () => {
    const { queueUrl } = await createQueue();
    const controller = new AbortController();
    const stream = sqsMessages(queueUrl, {
      client: countingClient().client,
      signal: controller.signal,
      waitTime: 1,
      idleSleepMax: 0,
      logger: silentLogger,
      env: {},
    });
    const iterator = stream[Symbol.asyncIterator]();
    const next = iterator.next();
    try {
      expect(await eventually(() => stream.stats().emptyReceives >= 2, 10_000, 50)).toBe(true);
      const stats = stream.stats();
      expect(stats).toMatchObject({ received: 0, inFlight: 0, buffered: 0 });
      expect(stats.receives).toBeGreaterThanOrEqual(stats.emptyReceives);
      // A 1 s long poll: the last success is at most a poll (plus slack) ago.
      expect(stats.secondsSinceLastReceive).toBeLessThan(5);
      expect(stats.lastReceiveAt).toBeInstanceOf(Date);
      const queue = queueUrl.slice(queueUrl.lastIndexOf('/') + 1);
      expect(metrics('idle', queueUrl, stats)).toMatch(
        new RegExp(`sqs_listener_empty_receives_total\\{listener="idle",queue="${queue}"\\} [2-9]`),
      );
    } finally {
      controller.abort();
      await next;
      await stream.drained();
    }
  });
});
