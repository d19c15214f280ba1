import { afterEach, describe, expect, it } from 'vitest';
import {
  type LeasedMessage,
  perMessageListener,
  SettleError,
  sqsMessages,
} from '../../src/index.js';
import { silentLogger } from '../../src/shared/logger.js';
import { startListener, stopAllListeners } from '../support/listen.js';
import {
  countingClient,
  createQueue,
  entriesOf,
  eventually,
  numbered,
  queueCounts,
  receiveIdsWithin,
  receiveNow,
  requestsOf,
  sendMessages,
} from '../support/sqs.js';

/** A stream over `queueUrl` with its first `count` messages taken; `end()` ends and drains it. */
async function take(
  queueUrl: string,
  count: number,
  options: { visibilitySecs?: number; maxInFlight?: number } = {},
) {
  const counting = countingClient();
  const stream = sqsMessages(queueUrl, {
    client: counting.client,
    visibilitySecs: options.visibilitySecs ?? 30,
    maxInFlight: options.maxInFlight ?? 10,
    waitTime: 1,
    idleSleepMax: 0,
  });
  const iterator = stream[Symbol.asyncIterator]();
  const messages: LeasedMessage[] = [];
  while (messages.length < count) {
    const { value, done } = await iterator.next();
    if (done) throw new Error('stream ended early');
    messages.push(value);
  }
  /** Ends the iteration; messages already taken keep their lease until settled. */
  const stop = async () => {
    await iterator.return?.();
  };
  const end = async () => {
    await stop();
    await stream.drained();
  };
  return { ...counting, stream, messages, stop, end };
}

describe('nack', () => {
  it('without a delay lets the message reappear when its visibility ends, not before', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 2 });
    const [id] = await sendMessages(queueUrl, ['retry me']);
    const { messages, counts, end } = await take(queueUrl, 1, { visibilitySecs: 2 });
    const receivedAt = Date.now();

    await messages[0]!.nack();
    await end();
    expect(await receiveNow(queueUrl)).toEqual([]);

    let backAt = 0;
    const back = await eventually(async () => {
      const got = await receiveNow(queueUrl);
      if (got.some((m) => m.MessageId === id)) backAt = Date.now();
      return backAt > 0;
    }, 6_000);
    expect(back).toBe(true);
    // It came back because its 2 s visibility ran out: not much sooner, not much later.
    expect(backAt - receivedAt).toBeGreaterThanOrEqual(1_500);
    expect(backAt - receivedAt).toBeLessThan(5_000);
    // A plain nack sends nothing: the heartbeat simply stops.
    expect(counts.ChangeMessageVisibilityBatchCommand ?? 0).toBe(0);
    expect(counts.ChangeMessageVisibilityCommand ?? 0).toBe(0);
  });

  it('with delaySeconds 0 makes the message receivable again at once', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    const [id] = await sendMessages(queueUrl, ['again']);
    // maxInFlight 1: while the message is held no receive is in flight. A long poll aborted by
    // the client still waits on the server (SQS and fauxqs alike) and would swallow the message.
    const { messages, log, stop, end } = await take(queueUrl, 1, { maxInFlight: 1 });

    // Stop receiving first, or this stream's own next poll would take the message back.
    await stop();
    await messages[0]!.nack({ delaySeconds: 0 });
    const seen = await receiveIdsWithin(queueUrl, [id!], 1_000);
    await end();

    expect([...seen]).toEqual([id]);
    const changes = requestsOf(log, 'ChangeMessageVisibilityBatchCommand').flatMap(entriesOf);
    expect(changes).toEqual([
      expect.objectContaining({ ReceiptHandle: messages[0]!.receiptHandle, VisibilityTimeout: 0 }),
    ]);
  });

  it('moves a message nacked maxReceiveCount times to the dead-letter queue', async () => {
    const { queueUrl, dlqUrl } = await createQueue({ visibilitySecs: 30, maxReceiveCount: 3 });
    const [id] = await sendMessages(queueUrl, ['poison']);
    const { client } = countingClient();
    const controller = new AbortController();
    const stream = sqsMessages(queueUrl, {
      client,
      signal: controller.signal,
      waitTime: 1,
      idleSleepMax: 0,
    });

    const deliveries: Array<{ id: string; receiveCount: number }> = [];
    const consuming = (async () => {
      for await (const message of stream) {
        deliveries.push({ id: message.messageId, receiveCount: message.receiveCount });
        await message.nack({ delaySeconds: 0 });
      }
    })();
    // SQS moves it on the receive after the third: the stream's own next poll does that.
    const moved = await eventually(async () => (await queueCounts(dlqUrl!)).visible === 1, 10_000);
    controller.abort();
    await consuming;
    await stream.drained();

    expect(moved).toBe(true);
    expect(deliveries).toEqual([
      { id, receiveCount: 1 },
      { id, receiveCount: 2 },
      { id, receiveCount: 3 },
    ]);
    expect(await queueCounts(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    const inDlq = await receiveNow(dlqUrl!);
    expect(inDlq.map((m) => [m.MessageId, m.Body])).toEqual([[id, 'poison']]);
  });
});

describe('an invalid nack', () => {
  afterEach(stopAllListeners);

  it('in a listener whose handler does not await it: the message is not deleted, it comes back', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 2 });
    const [id] = await sendMessages(queueUrl, ['bad delay']);
    const deliveries: Array<[string, number]> = [];
    const run = startListener(
      perMessageListener(
        (m) => {
          deliveries.push([m.messageId, m.receiveCount]);
          // Neither awaited nor caught, and the handler returns normally: the throw fails it.
          if (m.receiveCount === 1) m.nack({ delaySeconds: 1.5 });
        },
        { logger: silentLogger },
      ),
      queueUrl,
      { visibilitySecs: 2 },
    );

    const back = await eventually(async () => deliveries.length >= 2, 8_000);
    const result = await run.stop();

    expect(back).toBe(true);
    expect(deliveries).toEqual([
      [id, 1],
      [id, 2],
    ]);
    expect(result).toMatchObject({ processed: 2, failed: 1, succeeded: 1 });
    // Deleted once, by the second delivery's ack.
    expect(await queueCounts(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('in a for-await loop that catches it: the lease is not kept, the message reappears', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 2 });
    const [id] = await sendMessages(queueUrl, ['bad delay']);
    const { client, log } = countingClient();
    const controller = new AbortController();
    const stream = sqsMessages(queueUrl, {
      client,
      signal: controller.signal,
      visibilitySecs: 2,
      waitTime: 1,
      idleSleepMax: 0,
      shutdownTimeout: 1,
      logger: silentLogger,
    });
    // A leaked lease would keep the message away for good: give up after a while instead.
    const giveUp = setTimeout(() => controller.abort(), 8_000);
    let caught: unknown;
    let firstHandle = '';
    const deliveries: number[] = [];
    for await (const message of stream) {
      deliveries.push(message.receiveCount);
      if (message.receiveCount > 1) {
        await message.ack();
        break;
      }
      firstHandle = message.receiptHandle;
      try {
        void message.nack({ delaySeconds: 1.5 });
      } catch (error) {
        caught = error;
      }
    }
    clearTimeout(giveUp);
    controller.abort();
    await stream.drained();

    expect(caught).toBeInstanceOf(SettleError);
    expect(caught).toMatchObject({ code: 'InvalidDelay', messageId: id });
    expect(deliveries).toEqual([1, 2]);
    // Never extended after the failed nack: it came back when its 2 s visibility ran out.
    const extensions = requestsOf(log, 'ChangeMessageVisibilityBatchCommand')
      .flatMap(entriesOf)
      .filter((e) => e.ReceiptHandle === firstHandle);
    expect(extensions).toEqual([]);
    expect(stream.stats()).toMatchObject({ nacked: 1, acked: 1, inFlight: 0 });
    expect(await queueCounts(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });
});

describe('settling twice', () => {
  it('rejects ack after nack with a SettleConflict naming the message, and sends no delete', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    await sendMessages(queueUrl, ['x']);
    const { messages, counts, end } = await take(queueUrl, 1);
    const message = messages[0]!;

    await message.nack();
    const error = await message.ack().then(
      () => undefined,
      (e: unknown) => e,
    );
    await end();

    expect(error).toBeInstanceOf(SettleError);
    expect((error as SettleError).code).toBe('SettleConflict');
    expect((error as SettleError).message).toContain(message.messageId);
    expect(counts.DeleteMessageBatchCommand ?? 0).toBe(0);
    // Not deleted: it stays in flight until its visibility runs out.
    expect(await queueCounts(queueUrl)).toEqual({ visible: 0, inFlight: 1, delayed: 0 });
  });

  it('returns the same promise for a second ack and deletes the message once', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    await sendMessages(queueUrl, numbered(1));
    const { messages, log, end } = await take(queueUrl, 1);
    const message = messages[0]!;

    const first = message.ack();
    const second = message.ack();
    expect(second).toBe(first);
    await first;
    await end();

    const deletes = requestsOf(log, 'DeleteMessageBatchCommand').flatMap(entriesOf);
    expect(deletes.map((e) => e.ReceiptHandle)).toEqual([message.receiptHandle]);
    expect(await queueCounts(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });
});
