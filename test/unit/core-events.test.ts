/**
 * The stream's events (`stream.on(name, listener)`): one for each way a lease ends (acked,
 * nacked, lost by expiry / maxExtend / a refused extension, released at stop, at the shutdown
 * deadline or as dropped, a handler timeout), plus receives and failed requests. Unsubscribing
 * works, a listener that throws is logged and does not disturb the stream, and an event nobody
 * listens to builds no payload while the stats still count it.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventHub, type StreamEventMap, type StreamEventName } from '../../src/core/events.js';
import type { Lease } from '../../src/core/lease.js';
import { type LeasedMessage, timeOutLease } from '../../src/core/leased-message.js';
import type { SqsMessageStream } from '../../src/core/sqs-messages.js';
import { StatsRecorder } from '../../src/core/stats.js';
import { LeaseLostError } from '../../src/shared/errors.js';
import type { Logger } from '../../src/shared/logger.js';
import { silentLogger } from '../../src/shared/logger.js';
import {
  FakeSqs,
  queueDoesNotExistError,
  sqsMessage,
  throttlingError,
} from '../support/fake-sqs.js';
import { settle } from '../support/leaks.js';
import { type OpenStream, openStream, outcome, take, useFakeClock } from '../support/unit.js';

const ALL: StreamEventName[] = [
  'receiveSent',
  'received',
  'handedOut',
  'extended',
  'lost',
  'acked',
  'nacked',
  'released',
  'receiveFailed',
  'settleFailed',
];

type Recorded = { [K in StreamEventName]: { name: K; event: StreamEventMap[K] } }[StreamEventName];

/** Subscribes to every event; `of(name)` lists the payloads of one. */
function record(stream: SqsMessageStream) {
  const all: Recorded[] = [];
  const stops = ALL.map((name) =>
    stream.on(name, (event: unknown) => all.push({ name, event } as Recorded)),
  );
  return {
    all,
    of: <K extends StreamEventName>(name: K) =>
      all.filter((r) => r.name === name).map((r) => r.event as StreamEventMap[K]),
    /** The events that end a lease, as `name:messageId`. */
    endings: () =>
      all
        .filter((r) => ['lost', 'acked', 'nacked', 'released'].includes(r.name))
        .map((r) => `${r.name}:${(r.event as { messageId: string }).messageId}`),
    stop: () => {
      for (const stop of stops) stop();
    },
  };
}

function recordingLogger(): Logger & { errors: Array<{ message: string; fields: unknown }> } {
  const errors: Array<{ message: string; fields: unknown }> = [];
  return {
    ...silentLogger,
    errors,
    error: (message: string, fields?: unknown) => errors.push({ message, fields }),
  };
}

describe('on the fake clock', () => {
  let open: OpenStream | undefined;

  beforeEach(() => {
    useFakeClock();
  });

  afterEach(async () => {
    await open?.close();
    open = undefined;
    vi.useRealTimers();
  });

  /** Opens a stream with `messages` queued and every event recorded. */
  function start(ids: string[], options: Parameters<typeof openStream>[0] = {}) {
    open = openStream({ maxInFlight: 10, visibilitySecs: 60, ...options });
    open.fake.enqueue(...ids.map((id) => sqsMessage(id)));
    return { ...open, events: record(open.stream) };
  }

  it('reports a receive, the hand-out and the confirmed delete, in that order', async () => {
    const { iterator, events } = start(['a']);
    const [m] = await take(iterator, 1);
    const acked = m!.ack();
    await vi.advanceTimersByTimeAsync(100);
    await acked;

    // The next receive may start before the delete is answered: its receiveSent is left out.
    const lifecycle = events.all.filter((e, i) => i === 0 || e.name !== 'receiveSent');
    expect(lifecycle.slice(0, 4)).toEqual([
      { name: 'receiveSent', event: { requested: 10 } },
      { name: 'received', event: { requested: 10, count: 1, messageIds: ['a'] } },
      { name: 'handedOut', event: { messageId: 'a' } },
      { name: 'acked', event: { messageId: 'a' } },
    ]);
  });

  it('reports a nack with its delay, and one without', async () => {
    const { iterator, events, stream } = start(['later', 'now']);
    const [later, now] = await take(iterator, 2);
    void later!.nack({ delaySeconds: 5 });
    void now!.nack();
    await vi.advanceTimersByTimeAsync(100);

    expect(events.of('nacked')).toEqual([
      { messageId: 'later', delaySeconds: 5, handlerTimeout: false },
      { messageId: 'now', delaySeconds: undefined, handlerTimeout: false },
    ]);
    expect(stream.stats().nacked).toBe(2);
  });

  it('reports a handler timeout as a nack by the timeout, not as a lost lease', async () => {
    const { iterator, events, stream } = start(['slow']);
    const [m] = await take(iterator, 1);
    const error = new LeaseLostError('Handler timed out', 'handlerTimeout', { messageId: 'slow' });
    await m![timeOutLease](error, { delaySeconds: 3 });

    expect(events.endings()).toEqual(['nacked:slow']);
    expect(events.of('nacked')).toEqual([
      { messageId: 'slow', delaySeconds: 3, handlerTimeout: true },
    ]);
    expect(m!.signal.reason).toBe(error);
    expect(stream.stats()).toMatchObject({ nacked: 1, lost: 0, inFlight: 0 });
  });

  it('reports a lease whose visibility ran out as lost: expired', async () => {
    const { iterator, events, fake, stream } = start(['stuck']);
    // Every extension request is throttled: the lease runs out while they are retried.
    fake.failRequest('ChangeMessageVisibilityBatch', throttlingError(), Number.POSITIVE_INFINITY);
    const [m] = await take(iterator, 1);
    await vi.advanceTimersByTimeAsync(70_000);

    expect(events.endings()).toEqual(['lost:stuck']);
    const [lost] = events.of('lost');
    expect(lost).toMatchObject({ messageId: 'stuck', reason: 'expired' });
    expect(lost!.error).toBe(m!.signal.reason);
    const failed = events.of('settleFailed');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((f) => f.operation === 'extend' && f.messageId === 'stuck')).toBe(true);
    expect(failed[0]).toMatchObject({ code: 'ThrottlingException' });
    expect(stream.stats()).toMatchObject({ lost: 1, ackFailed: 0 });
  });

  it('reports a lease whose maxExtend budget is used up as lost: maxExtend', async () => {
    const { iterator, events } = start(['budget'], { maxExtend: 60 });
    await take(iterator, 1);
    await vi.advanceTimersByTimeAsync(70_000);

    expect(events.endings()).toEqual(['lost:budget']);
    expect(events.of('lost')[0]).toMatchObject({ messageId: 'budget', reason: 'maxExtend' });
    expect(events.of('extended')).toEqual([]);
  });

  it('reports an extension SQS refuses as settleFailed, then lost: extendFailed', async () => {
    const { iterator, events, fake } = start(['refused', 'kept']);
    const [refused] = await take(iterator, 2);
    fake.failEntry('ChangeMessageVisibilityBatch', refused!.receiptHandle, {
      Code: 'ReceiptHandleIsInvalid',
      SenderFault: true,
    });
    await vi.advanceTimersByTimeAsync(31_000);

    expect(events.of('settleFailed')).toEqual([
      expect.objectContaining({
        messageId: 'refused',
        operation: 'extend',
        code: 'ReceiptHandleIsInvalid',
      }),
    ]);
    expect(events.of('lost')).toEqual([
      expect.objectContaining({ messageId: 'refused', reason: 'extendFailed' }),
    ]);
    expect(events.of('extended')).toEqual([{ messageId: 'kept', visibilityTimeout: 60 }]);
  });

  it('reports what was never handed out as released at the stop', async () => {
    const { iterator, events, controller, stream } = start(['taken', 'buffered']);
    const [taken] = await take(iterator, 1);
    controller.abort();
    await vi.advanceTimersByTimeAsync(100);

    expect(events.of('released')).toEqual([
      { messageId: 'buffered', reason: 'neverHandedOut', visibilityTimeout: 0 },
    ]);
    const acked = taken!.ack();
    await vi.advanceTimersByTimeAsync(100);
    await acked;
    expect(events.endings()).toEqual(['released:buffered', 'acked:taken']);
    expect(stream.stats()).toMatchObject({ released: 1, acked: 1, dropped: 0 });
  });

  it('reports what is still held at the shutdown deadline as released', async () => {
    const { iterator, events } = start(['held'], { shutdownTimeout: 5 });
    const [m] = await take(iterator, 1);
    open!.controller.abort();
    await vi.advanceTimersByTimeAsync(6_000);

    expect(events.of('released')).toEqual([
      expect.objectContaining({ messageId: 'held', reason: 'shutdownDeadline' }),
    ]);
    expect(m!.signal.reason).toMatchObject({ reason: 'shutdown' });
  });

  it('reports a delete SQS refuses as settleFailed: ack, counted in ackFailed', async () => {
    const { iterator, events, fake, stream } = start(['refused']);
    const [m] = await take(iterator, 1);
    fake.failEntry('DeleteMessageBatch', m!.receiptHandle, {
      Code: 'ReceiptHandleIsInvalid',
      SenderFault: true,
    });
    const acked = outcome(m!.ack());
    await vi.advanceTimersByTimeAsync(100);
    expect((await acked).ok).toBe(false);

    expect(events.of('settleFailed')).toEqual([
      expect.objectContaining({ messageId: 'refused', operation: 'ack' }),
    ]);
    expect(events.of('acked')).toEqual([]);
    expect(stream.stats()).toMatchObject({ ackFailed: 1, acked: 0 });
  });

  it('reports failed receives: retried, then the one that ends the stream', async () => {
    const fake = new FakeSqs();
    fake.failRequest('ReceiveMessage', throttlingError());
    fake.failRequest('ReceiveMessage', queueDoesNotExistError());
    open = openStream({ maxInFlight: 10, concurrentReceives: 1 }, fake);
    const events = record(open.stream);
    const next = outcome(open.iterator.next());
    await vi.advanceTimersByTimeAsync(30_000);
    expect((await next).ok).toBe(false);

    expect(events.of('receiveFailed')).toEqual([
      expect.objectContaining({ code: 'ThrottlingException', attempt: 1, willRetry: true }),
      expect.objectContaining({ attempt: 2, willRetry: false }),
    ]);
    expect(events.of('receiveSent')).toHaveLength(2);
    expect(open.stream.stats()).toMatchObject({ receives: 2, receiveErrors: 1 });
  });

  it('stops calling a listener once unsubscribed; unsubscribing twice is harmless', async () => {
    const { iterator, stream } = start(['a', 'b']);
    const calls: string[] = [];
    const listener = ({ messageId }: { messageId: string }) => calls.push(messageId);
    const stop = stream.on('handedOut', listener);
    const other = stream.on('handedOut', listener);
    await take(iterator, 1);
    stop();
    stop();
    await take(iterator, 1);
    other();

    // The same function subscribed twice: one unsubscribe removes one subscription.
    expect(calls).toEqual(['a', 'a', 'b']);
  });

  it('logs a listener that throws or rejects, and goes on with the stream and other listeners', async () => {
    const logger = recordingLogger();
    const { iterator, stream, fake } = start(['a'], { logger });
    stream.on('handedOut', () => {
      throw new Error('listener bug');
    });
    stream.on('handedOut', async () => {
      throw new Error('async listener bug');
    });
    const seen: string[] = [];
    stream.on('handedOut', ({ messageId }) => seen.push(messageId));

    const [m] = await take(iterator, 1);
    const acked = m!.ack();
    await vi.advanceTimersByTimeAsync(100);
    await acked;

    expect(seen).toEqual(['a']);
    expect(fake.deleted).toEqual([m!.receiptHandle]);
    expect(logger.errors.map((e) => e.message)).toEqual([
      'a stream event listener threw; the stream goes on',
      'a stream event listener threw; the stream goes on',
    ]);
    expect(logger.errors[0]!.fields).toMatchObject({ event: 'handedOut' });
  });

  it('refuses an unknown event name or a listener that is not a function', () => {
    open = openStream();
    const on = open.stream.on.bind(open.stream) as (name: string, listener: unknown) => unknown;
    expect(() => on('ackd', () => {})).toThrow(/Unknown stream event "ackd"/);
    expect(() => on('acked', undefined)).toThrow(TypeError);
  });
});

describe('a handed-out message collected unsettled', () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;

  it('is reported as released: dropped', async () => {
    const fake = new FakeSqs().enqueue(sqsMessage('dropped'));
    const { stream, iterator, close } = openStream({ maxInFlight: 1 }, fake);
    const events = record(stream);
    await dropOne(iterator);
    const start = Date.now();
    while (events.of('released').length === 0) {
      if (Date.now() - start > 2_000) throw new Error('the dropped message was not released');
      gc();
      await settle();
    }

    expect(events.of('released')).toEqual([
      { messageId: 'dropped', reason: 'dropped', visibilityTimeout: 0 },
    ]);
    expect(stream.stats()).toMatchObject({ released: 1, dropped: 1 });
    await close();
    await stream.drained();
  });
});

/** Takes one message and forgets it. */
async function dropOne(iterator: AsyncIterator<LeasedMessage>): Promise<void> {
  await iterator.next();
}

describe('with nobody listening', () => {
  it('builds no payload, yet the stats count the event', () => {
    const stats = new StatsRecorder();
    const hub = new EventHub(stats, silentLogger);
    let reads = 0;
    const lease = {
      get messageId() {
        reads++;
        return 'm';
      },
    } as unknown as Lease;

    hub.handedOut(lease);
    hub.acked(lease);
    hub.nacked(lease, 3, false);
    hub.released(lease, 'dropped', 0);
    hub.received(10, [], 0);
    expect(reads).toBe(0);
    expect(stats.counts).toMatchObject({ acked: 1, nacked: 1, released: 1, dropped: 1 });

    const stop = hub.on('acked', () => {});
    hub.acked(lease);
    expect(reads).toBe(1);
    stop();
    hub.acked(lease);
    expect(reads).toBe(1);
    expect(stats.counts.acked).toBe(3);
  });
});
