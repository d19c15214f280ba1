import { describe, expect, it } from 'vitest';
import { type LeasedMessage, LeaseLostError, sqsMessages } from '../../src/index.js';
import {
  countingClient,
  createQueue,
  eventually,
  numbered,
  queueCounts,
  receiveIdsWithin,
  receiveNow,
  requestsOf,
  sendMessages,
  sleep,
} from '../support/sqs.js';

describe('ending a stream', () => {
  it('on break gives back the buffered messages never handed out, at once', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    const sent = await sendMessages(queueUrl, numbered(10));
    const { client } = countingClient();
    // maxInFlight 10: one receive takes all ten and no further receive is in flight.
    const stream = sqsMessages(queueUrl, { client, maxInFlight: 10, waitTime: 1, idleSleepMax: 0 });

    const handedOut: string[] = [];
    for await (const message of stream) {
      handedOut.push(message.messageId);
      message.ack();
      if (handedOut.length === 3) {
        expect(stream.stats().received).toBe(10);
        break;
      }
    }
    await stream.drained();

    const neverHandedOut = sent.filter((id) => !handedOut.includes(id));
    expect(neverHandedOut).toHaveLength(7);
    // Within a second, not after the queue's 30 s visibility.
    const seen = await receiveIdsWithin(queueUrl, neverHandedOut, 1_000);
    expect(seen).toEqual(new Set(neverHandedOut));
    // The three acked are gone; the seven are now held by the second consumer.
    expect(await queueCounts(queueUrl)).toEqual({ visible: 0, inFlight: 7, delayed: 0 });
  });

  it('keeps released messages away from its own aborted long poll, which stays open on the server', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    const sent = await sendMessages(queueUrl, numbered(5));
    const { client, log } = countingClient();
    // Default maxInFlight (20): while one receive's five messages are buffered, a second
    // receive long-polls the now empty queue. Breaking aborts it on our side only.
    const stream = sqsMessages(queueUrl, { client, waitTime: 2, idleSleepMax: 0 });

    let first: string | undefined;
    for await (const message of stream) {
      first = message.messageId;
      message.ack();
      await eventually(() =>
        requestsOf(log, 'ReceiveMessageCommand').some((r) => r.doneAt === undefined),
      );
      break;
    }
    await stream.drained();
    const released = sent.filter((id) => id !== first);

    const back = new Map<string, string | undefined>();
    await eventually(async () => {
      for (const m of await receiveNow(queueUrl)) {
        back.set(m.MessageId!, m.Attributes?.ApproximateReceiveCount);
      }
      return back.size === released.length;
    }, 6_000);
    // All four back well before the queue's 30 s visibility, each received only by the stream
    // and now by us: the aborted poll did not take them.
    expect(new Set(back.keys())).toEqual(new Set(released));
    expect([...back.values()]).toEqual(['2', '2', '2', '2']);
  });

  it('ends promptly and quietly when options.signal aborts during an empty 20 s long poll', async () => {
    const { queueUrl } = await createQueue();
    const { client, log } = countingClient();
    const controller = new AbortController();
    const stream = sqsMessages(queueUrl, { client, signal: controller.signal, waitTime: 20 });

    const received: string[] = [];
    const consuming = (async () => {
      for await (const message of stream) received.push(message.messageId);
    })();
    const polling = await eventually(() => requestsOf(log, 'ReceiveMessageCommand').length > 0);
    await sleep(300);
    const abortedAt = Date.now();
    controller.abort();
    await consuming; // rejects (and fails the test) if the abort surfaced as an error
    const tookMs = Date.now() - abortedAt;
    await stream.drained();

    expect(polling).toBe(true);
    expect(requestsOf(log, 'ReceiveMessageCommand')[0]!.input.WaitTimeSeconds).toBe(20);
    expect(received).toEqual([]);
    expect(tookMs).toBeLessThan(3_000);
  });

  it('ends when the signal passed to [Symbol.asyncIterator](signal) aborts', async () => {
    const { queueUrl } = await createQueue();
    const { client, log } = countingClient();
    const stream = sqsMessages(queueUrl, { client, waitTime: 20 });
    const controller = new AbortController();
    const iterator = stream[Symbol.asyncIterator](controller.signal);

    const next = iterator.next();
    await eventually(() => requestsOf(log, 'ReceiveMessageCommand').length > 0);
    const abortedAt = Date.now();
    controller.abort();
    const result = await next;
    const tookMs = Date.now() - abortedAt;
    await stream.drained();

    expect(result).toEqual({ value: undefined, done: true });
    expect(tookMs).toBeLessThan(3_000);
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
  });

  it('lets a message handed out before break keep its lease and be acked afterwards', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 2 });
    const [id] = await sendMessages(queueUrl, ['late ack']);
    const { client } = countingClient();
    const stream = sqsMessages(queueUrl, {
      client,
      visibilitySecs: 2,
      maxInFlight: 1,
      waitTime: 1,
      idleSleepMax: 0,
    });

    let kept: LeasedMessage | undefined;
    for await (const message of stream) {
      kept = message;
      break;
    }
    let drained = false;
    const draining = stream.drained().then(() => {
      drained = true;
    });

    // Twice the visibility after the loop ended: still leased, nobody else gets it.
    const stolen: string[] = [];
    const until = Date.now() + 4_000;
    while (Date.now() < until) {
      for (const m of await receiveNow(queueUrl, { visibilitySecs: 1 })) stolen.push(m.MessageId!);
      await sleep(200);
    }
    expect(stolen).toEqual([]);
    expect(kept?.messageId).toBe(id);
    expect(kept?.signal.aborted).toBe(false);
    expect(drained).toBe(false);

    await kept!.ack();
    await draining;
    expect(drained).toBe(true);
    expect(await queueCounts(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('releases a message still unsettled shutdownTimeout seconds after the stream ended', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    const [id] = await sendMessages(queueUrl, ['too slow']);
    const { client } = countingClient();
    const stream = sqsMessages(queueUrl, {
      client,
      shutdownTimeout: 1,
      maxInFlight: 1,
      waitTime: 1,
      idleSleepMax: 0,
    });

    let kept: LeasedMessage | undefined;
    for await (const message of stream) {
      kept = message;
      break;
    }
    const endedAt = Date.now();
    const message = kept!;
    const reason = await new Promise<unknown>((resolve) => {
      if (message.signal.aborted) resolve(message.signal.reason);
      message.signal.addEventListener('abort', () => resolve(message.signal.reason), {
        once: true,
      });
    });
    const abortedAfterMs = Date.now() - endedAt;
    await stream.drained();

    expect(reason).toBeInstanceOf(LeaseLostError);
    expect((reason as LeaseLostError).reason).toBe('shutdown');
    expect((reason as LeaseLostError).message).toContain(id);
    expect(abortedAfterMs).toBeGreaterThanOrEqual(800);
    expect(abortedAfterMs).toBeLessThan(3_000);
    // Given back: receivable at once rather than after the queue's 30 s visibility.
    expect(await receiveIdsWithin(queueUrl, [id!], 1_000)).toEqual(new Set([id]));
    await expect(message.ack()).rejects.toBeInstanceOf(LeaseLostError);
  });
});
