/**
 * Signals for scalers and operators (issue 15, part 5), on a FakeSqs and the fake clock: the
 * receive-count histogram, empty receives, the buffered gauge, seconds since the last
 * successful receive, their Prometheus text, and the health report's stuck check: unhealthy
 * when a listener with free slots gets no receive through, healthy while merely busy.
 */
import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SqsMessageStream } from '../../src/core/sqs-messages.js';
import { HandlerTimer } from '../../src/runner/handler-stats.js';
import { healthReport } from '../../src/runner/health-server.js';
import { formatMetrics } from '../../src/runner/prometheus.js';
import { FakeSqs, sqsMessage, sqsMessages, throttlingError } from '../support/fake-sqs.js';
import { busyListener, type OpenStream, openStream, take, useFakeClock } from '../support/unit.js';

let open: OpenStream | undefined;

beforeEach(() => {
  useFakeClock();
});

afterEach(async () => {
  await open?.close();
  open = undefined;
  vi.useRealTimers();
  vi.restoreAllMocks();
});

function withReceiveCount(id: string, count: number | string | undefined): Message {
  return sqsMessage(
    id,
    count === undefined ? {} : { attributes: { ApproximateReceiveCount: String(count) } },
  );
}

function metricsOf(stream: SqsMessageStream): string {
  return formatMetrics(
    [
      {
        name: 'orders',
        queueUrl: stream.queueUrl,
        stats: stream.stats(),
        handler: new HandlerTimer().snapshot(),
      },
    ],
    false,
  );
}

/** The report for one stream, as the runner's `/health` would give it at the fake clock's now. */
function healthOf(
  stream: SqsMessageStream,
  startedAtMs: number,
  stuckAfterSecs: number,
  draining = false,
) {
  const source = {
    startedAtMs,
    stuckAfterMs: stuckAfterSecs * 1000,
    draining: () => draining,
    listeners: () => [
      {
        name: 'orders',
        queueUrl: stream.queueUrl,
        stats: stream.stats(),
        handler: new HandlerTimer().snapshot(),
      },
    ],
  };
  // The failing-receives rule (unhealthyAfterSecs) far away: these tests are about being stuck.
  return healthReport(source, Date.now(), 3_600_000);
}

/** A client whose ReceiveMessage requests never answer (until aborted): a hung connection. */
function hangingReceives(fake: FakeSqs, after = 0): SQSClient {
  let answered = 0;
  return {
    send(command: object, options: { abortSignal?: AbortSignal } = {}) {
      if (command.constructor.name !== 'ReceiveMessageCommand' || answered++ < after) {
        return fake.send(command, options);
      }
      return new Promise((_resolve, reject) => {
        const abort = () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
        if (options.abortSignal?.aborted) abort();
        options.abortSignal?.addEventListener('abort', abort, { once: true });
      });
    },
    destroy() {},
  } as unknown as SQSClient;
}

describe('stats() and /metrics', () => {
  it('counts ApproximateReceiveCount into cumulative buckets, with _sum, _count and +Inf', async () => {
    const fake = new FakeSqs().enqueue(
      withReceiveCount('first', 1),
      withReceiveCount('second', 2),
      withReceiveCount('fourth', 4),
      withReceiveCount('poison', 37),
      withReceiveCount('unknown', undefined),
      withReceiveCount('garbled', 'x'),
    );
    open = openStream({ maxInFlight: 10, batchSize: 10 }, fake);
    await take(open.iterator, 6);

    const { receiveCounts, received } = open.stream.stats();
    expect(received).toBe(6);
    expect(receiveCounts).toEqual({
      le: [1, 2, 3, 5, 10, Number.POSITIVE_INFINITY],
      buckets: [1, 2, 2, 3, 3, 4],
      sum: 44,
      count: 4,
    });
    const text = metricsOf(open.stream);
    const labels = 'listener="orders",queue="unit-queue"';
    expect(text).toContain(
      [
        '# HELP sqs_listener_message_receive_count ApproximateReceiveCount of messages as received: redeliveries and poison messages.',
        '# TYPE sqs_listener_message_receive_count histogram',
        `sqs_listener_message_receive_count_bucket{${labels},le="1"} 1`,
        `sqs_listener_message_receive_count_bucket{${labels},le="2"} 2`,
        `sqs_listener_message_receive_count_bucket{${labels},le="3"} 2`,
        `sqs_listener_message_receive_count_bucket{${labels},le="5"} 3`,
        `sqs_listener_message_receive_count_bucket{${labels},le="10"} 3`,
        `sqs_listener_message_receive_count_bucket{${labels},le="+Inf"} 4`,
        `sqs_listener_message_receive_count_sum{${labels}} 44`,
        `sqs_listener_message_receive_count_count{${labels}} 4`,
        '',
      ].join('\n'),
    );
  });

  it('a snapshot keeps its histogram while the stream goes on counting', async () => {
    const fake = new FakeSqs().enqueue(withReceiveCount('a', 1));
    open = openStream({ maxInFlight: 10, batchSize: 10 }, fake);
    await take(open.iterator, 1);
    const before = open.stream.stats();
    fake.enqueue(withReceiveCount('b', 3));
    await take(open.iterator, 1);
    expect(before.receiveCounts.count).toBe(1);
    expect(before.receiveCounts.buckets).toEqual([1, 1, 1, 1, 1, 1]);
    expect(open.stream.stats().receiveCounts.count).toBe(2);
  });

  it('counts empty receives, and the seconds since the last success, empty or not', async () => {
    open = openStream({ maxInFlight: 10, batchSize: 10, waitTime: 20 });
    await vi.advanceTimersByTimeAsync(0);
    expect(open.stream.stats()).toMatchObject({ emptyReceives: 0, secondsSinceLastReceive: 0 });
    // Before the first answer: counted from the stream's creation.
    await vi.advanceTimersByTimeAsync(15_000);
    expect(open.stream.stats().secondsSinceLastReceive).toBe(15);
    // Three empty 20 s long polls have ended by 65 s; the last one 5 s ago.
    await vi.advanceTimersByTimeAsync(50_000);
    const stats = open.stream.stats();
    expect(stats.emptyReceives).toBe(3);
    expect(stats.received).toBe(0);
    expect(stats.secondsSinceLastReceive).toBe(5);
    const text = metricsOf(open.stream);
    expect(text).toContain('# TYPE sqs_listener_empty_receives_total counter\n');
    expect(text).toContain(
      'sqs_listener_empty_receives_total{listener="orders",queue="unit-queue"} 3\n',
    );
    expect(text).toContain('# TYPE sqs_listener_seconds_since_last_receive gauge\n');
    expect(text).toContain(
      'sqs_listener_seconds_since_last_receive{listener="orders",queue="unit-queue"} 5\n',
    );
  });

  it('reports buffered messages apart from those handed out, and bytes in flight', async () => {
    const fake = new FakeSqs().enqueue(...sqsMessages(5));
    open = openStream({ maxInFlight: 5, batchSize: 10 }, fake);
    await take(open.iterator, 2);
    const stats = open.stream.stats();
    expect(stats).toMatchObject({ inFlight: 5, buffered: 3 });
    expect(stats.bytesInFlight).toBeGreaterThan(0);
    const text = metricsOf(open.stream);
    expect(text).toContain('# TYPE sqs_listener_messages_buffered gauge\n');
    expect(text).toContain(
      'sqs_listener_messages_buffered{listener="orders",queue="unit-queue"} 3\n',
    );
    expect(text).toContain(
      'sqs_listener_messages_in_flight{listener="orders",queue="unit-queue"} 5\n',
    );
    // Each family once: the gauges that existed before are not repeated.
    for (const family of ['messages_in_flight', 'message_bytes_in_flight', 'messages_buffered']) {
      expect(text.split(`# TYPE sqs_listener_${family} `).length).toBe(2);
    }
  });
});

describe('health: a stuck consumer', () => {
  it('turns stuck when receives hang with every slot free, not before stuckAfterSecs', async () => {
    const fake = new FakeSqs();
    const startedAtMs = Date.now();
    open = openStream({ client: hangingReceives(fake), waitTime: 20 }, fake);
    await vi.advanceTimersByTimeAsync(65_999);
    expect(healthOf(open.stream, startedAtMs, 66)).toMatchObject({
      status: 'ok',
      listeners: [{ status: 'ok', lastReceiveAt: null }],
    });
    await vi.advanceTimersByTimeAsync(1);
    expect(healthOf(open.stream, startedAtMs, 66)).toMatchObject({
      status: 'failing',
      listeners: [{ name: 'orders', status: 'stuck' }],
    });
    // Not while draining: a stop aborts the receives, no success is expected any more.
    expect(healthOf(open.stream, startedAtMs, 66, true)).toMatchObject({
      status: 'draining',
      listeners: [{ status: 'ok' }],
    });
  });

  it('counts from the last success when a receive hangs while some slots are taken', async () => {
    const fake = new FakeSqs().enqueue(sqsMessage('held'));
    const startedAtMs = Date.now();
    open = openStream({ client: hangingReceives(fake, 1), maxInFlight: 10 }, fake);
    await take(open.iterator, 1);
    // The consumer asks for more: a receive for the 9 free slots goes out, and hangs.
    const waiting = open.iterator.next();
    await vi.advanceTimersByTimeAsync(100_000);
    expect(open.stream.stats()).toMatchObject({ inFlight: 1, receivePending: true });
    expect(healthOf(open.stream, startedAtMs, 101).listeners[0]?.status).toBe('ok');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(healthOf(open.stream, startedAtMs, 101).listeners[0]?.status).toBe('stuck');
    await open.close();
    expect(await waiting).toEqual({ value: undefined, done: true });
  });

  it('turns stuck when receives keep failing, even with unhealthyAfterSecs far away', async () => {
    const fake = new FakeSqs().failRequest('ReceiveMessage', throttlingError(), Infinity);
    const startedAtMs = Date.now();
    open = openStream({ waitTime: 20 }, fake);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(open.stream.stats().receiveErrors).toBeGreaterThan(3);
    expect(healthOf(open.stream, startedAtMs, 61).status).toBe('ok');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(healthOf(open.stream, startedAtMs, 61).listeners[0]?.status).toBe('stuck');
  });

  it('stays ok on an idle queue: long polls come back empty within the threshold', async () => {
    const startedAtMs = Date.now();
    open = openStream({ waitTime: 20, idleSleepMax: 2 });
    for (let minute = 0; minute < 10; minute++) {
      await vi.advanceTimersByTimeAsync(60_000);
      expect(healthOf(open.stream, startedAtMs, 66).status).toBe('ok');
    }
    expect(open.stream.stats().emptyReceives).toBeGreaterThan(20);
  });

  it('stays ok while busy: handlers hold every slot, so no receive is sent', async () => {
    const startedAtMs = Date.now();
    const { fake, stream, stop } = await busyListener(100, 2);
    await vi.advanceTimersByTimeAsync(60_000);
    const receivesWhenFull = fake.sent('ReceiveMessage').length;
    // Ten minutes with every slot taken (leases are extended meanwhile): healthy throughout.
    for (let minute = 0; minute < 10; minute++) {
      await vi.advanceTimersByTimeAsync(60_000);
      expect(healthOf(stream, startedAtMs, 66)).toMatchObject({
        status: 'ok',
        listeners: [{ status: 'ok' }],
      });
    }
    expect(fake.sent('ReceiveMessage').length).toBe(receivesWhenFull);
    // The demand plus a batch per loop: 2 in handlers, the rest waiting for them.
    const { inFlight, buffered, receivePending } = stream.stats();
    expect(receivePending).toBe(false);
    expect(buffered).toBeGreaterThan(0);
    expect(inFlight).toBe(2 + buffered);
    expect(fake.queued).toBe(100 - inFlight);
    expect(stream.stats().secondsSinceLastReceive).toBeGreaterThan(600);
    await stop();
  });
});
