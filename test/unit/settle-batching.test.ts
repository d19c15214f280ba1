/**
 * ack()/nack() settle through batched DeleteMessageBatch / ChangeMessageVisibilityBatch requests:
 * each caller's promise answers for its own entry, entry ids are unique per request, retryable
 * failures are retried, and misuse is reported as a SettleError naming the message.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LeaseLostError, SettleError } from '../../src/shared/errors.js';
import { sqsMessage, sqsMessages, throttlingError } from '../support/fake-sqs.js';
import { recordUnhandledRejections, settle } from '../support/leaks.js';
import { type OpenStream, openStream, outcome, take, useFakeClock } from '../support/unit.js';

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

function start(options: Parameters<typeof openStream>[0] = {}): OpenStream {
  open = openStream(options);
  return open;
}

describe('DeleteMessageBatch entry failures', () => {
  it('rejects exactly the failed entry’s ack() with a SettleError; the others resolve', async () => {
    const { fake, iterator, stream } = start({ maxInFlight: 3 });
    fake.enqueue(...sqsMessages(3));
    const messages = await take(iterator, 3);
    const failing = messages[1]!;
    fake.failEntry('DeleteMessageBatch', failing.receiptHandle, {
      Code: 'ReceiptHandleIsInvalid',
      SenderFault: true,
    });

    const results = await Promise.all(messages.map((m) => outcome(m.ack())));

    expect(results[0]).toEqual({ ok: true });
    expect(results[2]).toEqual({ ok: true });
    const failed = results[1]!;
    expect(failed.ok).toBe(false);
    const error = (failed as { error: unknown }).error;
    expect(error).toBeInstanceOf(SettleError);
    expect(error).toMatchObject({
      code: 'ReceiptHandleIsInvalid',
      messageId: failing.messageId,
      retryable: false,
    });
    expect((error as Error).message).toContain(failing.messageId);
    // A sender fault is final: one request, no retry, and SQS still holds only that message.
    expect(fake.sent('DeleteMessageBatch')).toHaveLength(1);
    expect(fake.deleted.sort()).toEqual(
      [messages[0]!.receiptHandle, messages[2]!.receiptHandle].sort(),
    );
    expect(stream.stats()).toMatchObject({ acked: 2, ackFailed: 1 });
  });

  it('retries an entry that failed with SenderFault false, and its ack() then resolves', async () => {
    const { fake, iterator } = start({ maxInFlight: 2 });
    fake.enqueue(...sqsMessages(2));
    const [a, b] = await take(iterator, 2);
    fake.failEntry(
      'DeleteMessageBatch',
      a!.receiptHandle,
      { Code: 'InternalError', SenderFault: false },
      1,
    );

    const acks = [outcome(a!.ack()), outcome(b!.ack())];
    await vi.advanceTimersByTimeAsync(10_000);

    expect(await Promise.all(acks)).toEqual([{ ok: true }, { ok: true }]);
    const requests = fake.entriesOf('DeleteMessageBatch');
    expect(requests).toHaveLength(2);
    expect(requests[1]!.map((e) => e.ReceiptHandle)).toEqual([a!.receiptHandle]);
    expect(fake.deleted).toContain(a!.receiptHandle);
  });

  it('gives up on an entry that keeps failing on the server side, with a retryable SettleError', async () => {
    const { fake, iterator } = start({ maxInFlight: 1 });
    fake.enqueue(sqsMessage('stuck'));
    const [m] = await take(iterator, 1);
    fake.failEntry('DeleteMessageBatch', m!.receiptHandle, {
      Code: 'InternalError',
      SenderFault: false,
    });

    const result = outcome(m!.ack());
    await vi.advanceTimersByTimeAsync(60_000);
    const settled = await result;

    expect(settled.ok).toBe(false);
    expect((settled as { error: unknown }).error).toMatchObject({
      name: 'SettleError',
      code: 'InternalError',
      retryable: true,
      messageId: 'stuck',
    });
    // Retried, but not forever.
    const attempts = fake.sent('DeleteMessageBatch').length;
    expect(attempts).toBeGreaterThan(1);
    expect(attempts).toBeLessThanOrEqual(5);
  });

  it('retries a whole request that was throttled', async () => {
    const { fake, iterator } = start({ maxInFlight: 1 });
    fake.enqueue(sqsMessage('t1'));
    fake.failRequest('DeleteMessageBatch', throttlingError(), 1);
    const [m] = await take(iterator, 1);

    const result = outcome(m!.ack());
    await vi.advanceTimersByTimeAsync(10_000);

    expect(await result).toEqual({ ok: true });
    expect(fake.sent('DeleteMessageBatch')).toHaveLength(2);
    expect(fake.deleted).toEqual([m!.receiptHandle]);
  });
});

describe('entry ids', () => {
  it('are unique within a request even when two messages share a MessageId', async () => {
    const { fake, iterator } = start({ maxInFlight: 3 });
    // A redelivered duplicate: same MessageId, different receipt handles.
    fake.enqueue(sqsMessage('dup'), sqsMessage('dup'), sqsMessage('other'));
    const messages = await take(iterator, 3);
    expect(messages.filter((m) => m.messageId === 'dup')).toHaveLength(2);

    const results = await Promise.all(messages.map((m) => outcome(m.ack())));

    expect(results).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    const [entries] = fake.entriesOf('DeleteMessageBatch');
    expect(entries).toHaveLength(3);
    const ids = entries!.map((e) => e.Id);
    expect(new Set(ids).size).toBe(3);
    expect(ids).not.toContain('dup');
    expect(fake.deleted.sort()).toEqual(messages.map((m) => m.receiptHandle).sort());
  });
});

describe('coalescing', () => {
  it('sends 10 acks as one request at once, and a partial batch after the window', async () => {
    const { fake, iterator } = start({ maxInFlight: 20, settleWindowMs: 20 });
    fake.enqueue(...sqsMessages(14));
    const messages = await take(iterator, 14);

    const first = messages.slice(0, 10).map((m) => m.ack());
    // The 10th entry fills a batch: it goes out without waiting for the window, once the
    // promise jobs of this turn ran (no fake time passes).
    await new Promise((resolve) => process.nextTick(resolve));
    expect(fake.entriesOf('DeleteMessageBatch').map((e) => e.length)).toEqual([10]);
    await Promise.all(first);

    // One message stays held, so the stream has no reason to flush early.
    const partial = messages.slice(10, 13).map((m) => m.ack());
    await vi.advanceTimersByTimeAsync(19);
    expect(fake.sent('DeleteMessageBatch')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await Promise.all(partial);

    const requests = fake.entriesOf('DeleteMessageBatch');
    expect(requests.map((e) => e.length)).toEqual([10, 3]);
    for (const entries of requests) {
      expect(new Set(entries.map((e) => e.Id)).size).toBe(entries.length);
    }
    expect(fake.deleted).toHaveLength(13);
  });

  it('batches delayed nacks into ChangeMessageVisibilityBatch with the requested delay', async () => {
    const { fake, iterator, stream } = start({ maxInFlight: 4 });
    fake.enqueue(...sqsMessages(4));
    const messages = await take(iterator, 4);

    const nacks = [
      messages[0]!.nack({ delaySeconds: 30 }),
      messages[1]!.nack({ delaySeconds: 0 }),
      messages[2]!.nack(),
    ];
    // messages[3] is still held: the nacks wait out the window (see settle-window.test.ts).
    await vi.advanceTimersByTimeAsync(stream.config.settleWindowMs);
    await Promise.all(nacks);

    const requests = fake.entriesOf('ChangeMessageVisibilityBatch');
    expect(requests).toHaveLength(1);
    expect(requests[0]!.map((e) => [e.ReceiptHandle, e.VisibilityTimeout])).toEqual([
      [messages[0]!.receiptHandle, 30],
      [messages[1]!.receiptHandle, 0],
    ]);
    // nack() without a delay sends nothing: the message reappears when its visibility ends.
    expect(fake.visibilityChanges.map((c) => c.receiptHandle)).not.toContain(
      messages[2]!.receiptHandle,
    );
    expect(fake.sent('DeleteMessageBatch')).toHaveLength(0);
  });
});

describe('settling rules', () => {
  it('flushes pending acks when the stream ends, before it reports done', async () => {
    const { fake, iterator, controller } = start({ maxInFlight: 4, settleWindowMs: 5_000 });
    fake.enqueue(...sqsMessages(4));
    const [a, b, held] = await take(iterator, 3);
    const acks = [a!.ack(), b!.ack()];
    // A third message is still handed out and a fourth buffered, so nothing forces an early
    // flush (settle-window.test.ts).
    await new Promise((resolve) => setImmediate(resolve));
    expect(fake.sent('DeleteMessageBatch')).toHaveLength(0);

    controller.abort();
    // No clock advance: the 5 s window must not be what sends them.
    expect(await iterator.next()).toEqual({ value: undefined, done: true });

    await Promise.all(acks);
    expect(fake.deleted.sort()).toEqual([a!.receiptHandle, b!.receiptHandle].sort());
    // The message never handed out was given back at once.
    expect(fake.visibilityChanges).toEqual([expect.objectContaining({ timeoutSecs: 0 })]);
    await held!.ack();
  });

  it('flushes pending acks when the stream ends, even while other messages are still held', async () => {
    const { fake, iterator, controller } = start({ maxInFlight: 2, settleWindowMs: 5_000 });
    fake.enqueue(...sqsMessages(2));
    const [acked, held] = await take(iterator, 2);
    const ack = acked!.ack();
    expect(fake.sent('DeleteMessageBatch')).toHaveLength(0);

    controller.abort();
    expect(await iterator.next()).toEqual({ value: undefined, done: true });

    await ack;
    expect(fake.deleted).toEqual([acked!.receiptHandle]);
    // The held message keeps its lease until settled.
    expect(held!.signal.aborted).toBe(false);
    await held!.nack({ delaySeconds: 0 });
    expect(fake.visibilityChanges).toEqual([
      expect.objectContaining({ receiptHandle: held!.receiptHandle, timeoutSecs: 0 }),
    ]);
  });

  it('ack() is idempotent: the second call returns the first call’s promise', async () => {
    const { fake, iterator } = start({ maxInFlight: 1 });
    fake.enqueue(sqsMessage('once'));
    const [m] = await take(iterator, 1);

    const first = m!.ack();
    const second = m!.ack();
    expect(second).toBe(first);
    await first;
    expect(m!.ack()).toBe(first);

    expect(fake.entriesOf('DeleteMessageBatch').flat()).toHaveLength(1);
  });

  it('ack() after nack() rejects with SettleError SettleConflict naming the message', async () => {
    const { fake, iterator } = start({ maxInFlight: 2 });
    fake.enqueue(sqsMessage('n1'), sqsMessage('a1'));
    const [nacked, acked] = await take(iterator, 2);

    await nacked!.nack();
    await expect(nacked!.ack()).rejects.toSatisfy(
      (e) =>
        e instanceof SettleError &&
        e.code === 'SettleConflict' &&
        e.messageId === 'n1' &&
        e.message.includes('n1'),
    );
    await acked!.ack();
    await expect(acked!.nack({ delaySeconds: 5 })).rejects.toMatchObject({
      name: 'SettleError',
      code: 'SettleConflict',
      messageId: 'a1',
    });

    // Neither conflicting call reached SQS.
    expect(fake.deleted).toEqual([acked!.receiptHandle]);
    expect(fake.sent('ChangeMessageVisibilityBatch')).toHaveLength(0);
  });

  it('a fire-and-forget ack or nack that fails produces no unhandled rejection', async () => {
    const recorder = recordUnhandledRejections();
    try {
      const { fake, iterator, stream } = start({ maxInFlight: 3 });
      fake.enqueue(...sqsMessages(3));
      const [a, b, c] = await take(iterator, 3);
      fake.failEntry('DeleteMessageBatch', a!.receiptHandle, {
        Code: 'ReceiptHandleIsInvalid',
        SenderFault: true,
      });
      fake.failEntry('ChangeMessageVisibilityBatch', b!.receiptHandle, {
        Code: 'MessageNotInflight',
        SenderFault: true,
      });

      // Nobody awaits or catches these.
      a!.ack();
      b!.nack({ delaySeconds: 10 });
      // An invalid delay throws at once (test/unit/leased-message.test.ts); nothing to leak.
      expect(() => c!.nack({ delaySeconds: 1.5 })).toThrow(SettleError);
      await vi.advanceTimersByTimeAsync(1_000);
      await settle();

      // The failures really happened...
      expect(fake.entriesOf('DeleteMessageBatch').flat()).toHaveLength(1);
      expect(fake.deleted).toEqual([]);
      expect(fake.entriesOf('ChangeMessageVisibilityBatch').flat()).toHaveLength(1);
      expect(fake.visibilityChanges).toEqual([]);
      expect(stream.stats().ackFailed).toBe(1);
      // ...and none of them surfaced as an unhandled rejection.
      expect(recorder.reasons).toEqual([]);
    } finally {
      recorder.stop();
    }
  });

  it('ack() of a lease already lost rejects with LeaseLostError and sends no delete', async () => {
    const { fake, iterator } = start({ maxInFlight: 1, visibilitySecs: 30, maxExtend: 30 });
    fake.enqueue(sqsMessage('late'));
    const [m] = await take(iterator, 1);

    await vi.advanceTimersByTimeAsync(30_000);
    expect(m!.signal.aborted).toBe(true);

    await expect(m!.ack()).rejects.toBeInstanceOf(LeaseLostError);
    await vi.advanceTimersByTimeAsync(100);
    expect(fake.sent('DeleteMessageBatch')).toHaveLength(0);
  });
});
