/**
 * When a pending DeleteMessageBatch / ChangeMessageVisibilityBatch is sent (`settleWindowMs`):
 * at once when it is full or when no handed-out message is unsettled (nothing more can join it
 * soon); otherwise after the window, so a sequential loop fills batches; never later than its
 * lease's deadline minus the lease manager's safety margin; at once on stop.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { resolveStreamConfig } from '../../src/core/stream-config.js';
import { ConfigError } from '../../src/shared/errors.js';
import { sqsMessages } from '../support/fake-sqs.js';
import { type OpenStream, openStream, QUEUE_URL, take, useFakeClock } from '../support/unit.js';

let open: OpenStream | undefined;

beforeEach(() => {
  useFakeClock();
});

afterEach(async () => {
  await open?.close();
  open = undefined;
  vi.useRealTimers();
});

function start(options: Parameters<typeof openStream>[0] = {}): OpenStream {
  open = openStream(options);
  return open;
}

/** Lets every promise job, tick and real immediate run, without moving the fake clock. */
async function quiet(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('settle window', () => {
  it('a sequential loop with un-awaited acks sends at most ceil(n/10)+1 DeleteMessageBatch', async () => {
    const n = 47;
    const { fake, iterator } = start({ maxInFlight: 11 });
    fake.enqueue(...sqsMessages(n));
    const acks: Promise<void>[] = [];
    for (let i = 0; i < n; i++) {
      const [m] = await take(iterator, 1);
      // A 20 ms handler, then ack() without awaiting it, as the README's first example does.
      await vi.advanceTimersByTimeAsync(20);
      acks.push(m!.ack());
    }
    // The loop waits for the next message: nothing handed out is unsettled, so the rest goes.
    const waiting = iterator.next();
    await quiet();
    await Promise.all(acks);

    const requests = fake.entriesOf('DeleteMessageBatch');
    expect(requests.length).toBeLessThanOrEqual(Math.ceil(n / 10) + 1);
    expect(fake.deleted).toHaveLength(n);
    // Ends with the stream (afterEach).
    void waiting;
  });

  it('sends an awaited ack at once when no other handed-out message is unsettled', async () => {
    const { fake, iterator } = start({ maxInFlight: 10, settleWindowMs: 5_000 });
    fake.enqueue(...sqsMessages(5));
    const [m] = await take(iterator, 1);
    // Four more messages wait in the buffer; they cannot join before the consumer asks.
    const ack = m!.ack();
    await quiet();

    expect(fake.entriesOf('DeleteMessageBatch')).toEqual([
      [expect.objectContaining({ ReceiptHandle: m!.receiptHandle })],
    ]);
    await ack;
    expect(fake.deleted).toEqual([m!.receiptHandle]);
  });

  it('holds a partial batch while other messages are handed out, and sends it after the window', async () => {
    const { fake, iterator } = start({ maxInFlight: 10 });
    fake.enqueue(...sqsMessages(4));
    const [a, b, held] = await take(iterator, 3);
    const acks = [a!.ack(), b!.ack()];
    await quiet();
    expect(fake.sent('DeleteMessageBatch')).toHaveLength(0);

    const window = open!.stream.config.settleWindowMs;
    await vi.advanceTimersByTimeAsync(window - 1);
    expect(fake.sent('DeleteMessageBatch')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    await Promise.all(acks);
    expect(fake.entriesOf('DeleteMessageBatch').map((e) => e.length)).toEqual([2]);
    await held!.ack();
  });

  it('sends a full batch at once while other messages are still handed out', async () => {
    const { fake, iterator } = start({ maxInFlight: 12 });
    fake.enqueue(...sqsMessages(12));
    const messages = await take(iterator, 11);
    const acks = messages.slice(0, 10).map((m) => m.ack());
    await quiet();

    expect(fake.entriesOf('DeleteMessageBatch').map((e) => e.length)).toEqual([10]);
    await Promise.all(acks);
    await messages[10]!.ack();
  });

  it('sends a pending delete before its lease deadline minus the safety margin', async () => {
    // visibility 2 s: the lease manager's safety margin is 250 ms (an eighth of it).
    const { fake, iterator } = start({ maxInFlight: 2, visibilitySecs: 2, settleWindowMs: 10_000 });
    fake.enqueue(...sqsMessages(2));
    const [a, held] = await take(iterator, 2);
    const receivedAt = Date.now();
    await vi.advanceTimersByTimeAsync(200);
    const ack = a!.ack();
    await quiet();
    expect(fake.sent('DeleteMessageBatch')).toHaveLength(0);

    await vi.advanceTimersByTimeAsync(2_000);
    await ack;
    const [request] = fake.sent('DeleteMessageBatch');
    expect(request!.at - receivedAt).toBeLessThanOrEqual(2_000 - 250);
    expect(fake.deleted).toEqual([a!.receiptHandle]);
    // The other message's lease was extended meanwhile, as always.
    expect(held!.signal.aborted).toBe(false);
    await held!.ack();
  });

  it('uses the extended deadline of a lease whose visibility was extended', async () => {
    const { fake, iterator } = start({ maxInFlight: 2, visibilitySecs: 2, settleWindowMs: 10_000 });
    fake.enqueue(...sqsMessages(2));
    const [a, held] = await take(iterator, 2);
    // Extended at 1 s ahead + 0.5 s coalescing: by t = 1.2 s the deadline is ~2.5 s or later.
    await vi.advanceTimersByTimeAsync(1_200);
    const extendedAt = fake.visibilityChanges.length;
    expect(extendedAt).toBeGreaterThan(0);
    const ackAt = Date.now();
    const ack = a!.ack();
    await vi.advanceTimersByTimeAsync(5_000);
    await ack;
    const [request] = fake.sent('DeleteMessageBatch');
    // Past the first deadline (2 s after receive), and well within the window.
    expect(request!.at).toBeGreaterThan(ackAt);
    expect(request!.at - ackAt).toBeLessThan(2_000);
    expect(fake.deleted).toEqual([a!.receiptHandle]);
    await held!.ack();
  });

  it('sends a delayed nack before its lease deadline minus the safety margin', async () => {
    // visibility 1 s = maxExtend: no extension, no heartbeat round that would send the
    // visibility queue; the safety margin is 125 ms, so the last moment to send is 875 ms.
    const { fake, iterator } = start({ maxInFlight: 2, visibilitySecs: 1, maxExtend: 1 });
    fake.enqueue(...sqsMessages(2));
    const [a] = await take(iterator, 2);
    const receivedAt = Date.now();
    await vi.advanceTimersByTimeAsync(865);
    // The other message is still held: the nack waits for its window (20 ms), which would end
    // after the lease's last moment.
    const nack = a!.nack({ delaySeconds: 30 });
    await quiet();
    expect(fake.sent('ChangeMessageVisibilityBatch')).toHaveLength(0);

    await vi.advanceTimersByTimeAsync(100);
    await nack;
    const [request] = fake.sent('ChangeMessageVisibilityBatch');
    expect(request!.at - receivedAt).toBeLessThanOrEqual(1_000 - 125);
    expect(fake.visibilityChanges).toContainEqual(
      expect.objectContaining({ receiptHandle: a!.receiptHandle, timeoutSecs: 30 }),
    );
  });

  it('a delayed nack waits at most 20 ms while other messages are handed out', async () => {
    const { fake, iterator } = start({ maxInFlight: 3, settleWindowMs: 5_000 });
    fake.enqueue(...sqsMessages(3));
    const [a, held] = await take(iterator, 2);
    const nack = a!.nack({ delaySeconds: 30 });
    await vi.advanceTimersByTimeAsync(19);
    expect(fake.sent('ChangeMessageVisibilityBatch')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    await nack;
    expect(fake.visibilityChanges).toEqual([
      expect.objectContaining({ receiptHandle: a!.receiptHandle, timeoutSecs: 30 }),
    ]);
    await held!.ack();
  });

  it('sends a delayed nack at once, with a waiting ack, when it settles the last held message', async () => {
    const { fake, iterator } = start({ maxInFlight: 3, settleWindowMs: 10_000 });
    fake.enqueue(...sqsMessages(3));
    const [a, b] = await take(iterator, 2);
    const ack = a!.ack();
    await quiet();
    expect(fake.sent('DeleteMessageBatch')).toHaveLength(0);

    // b is the last handed-out message (the third is only buffered): both go without the clock.
    const nack = b!.nack({ delaySeconds: 5 });
    await quiet();
    await Promise.all([ack, nack]);
    expect(fake.deleted).toEqual([a!.receiptHandle]);
    expect(fake.visibilityChanges).toEqual([
      expect.objectContaining({ receiptHandle: b!.receiptHandle, timeoutSecs: 5 }),
    ]);
  });

  it('flushes a pending delete at once on stop, while another message is still held', async () => {
    const { fake, iterator, controller } = start({ maxInFlight: 3 });
    fake.enqueue(...sqsMessages(2));
    const [a, held] = await take(iterator, 2);
    const ack = a!.ack();
    await quiet();
    expect(fake.sent('DeleteMessageBatch')).toHaveLength(0);

    controller.abort();
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
    await ack;
    expect(fake.deleted).toEqual([a!.receiptHandle]);
    await held!.ack();
  });
});

describe('settleWindowMs option', () => {
  it('defaults to 250 ms, reads SETTLE_WINDOW_MS, and an explicit option wins', () => {
    expect(resolveStreamConfig(QUEUE_URL, { env: {} }).settleWindowMs).toBe(250);
    expect(resolveStreamConfig(QUEUE_URL, { env: { SETTLE_WINDOW_MS: '40' } }).settleWindowMs).toBe(
      40,
    );
    expect(
      resolveStreamConfig(QUEUE_URL, { env: { SETTLE_WINDOW_MS: '40' }, settleWindowMs: 0 })
        .settleWindowMs,
    ).toBe(0);
  });

  it('defaults to 20 ms on a FIFO queue, where a waiting delete holds back its group', () => {
    const fifo = `${QUEUE_URL}.fifo`;
    expect(resolveStreamConfig(fifo, { env: {} }).settleWindowMs).toBe(20);
    expect(resolveStreamConfig(fifo, { env: {}, settleWindowMs: 300 }).settleWindowMs).toBe(300);
    expect(resolveStreamConfig(fifo, { env: { SETTLE_WINDOW_MS: '100' } }).settleWindowMs).toBe(
      100,
    );
  });

  it('keeps settleBatchWindowMs as a deprecated alias', () => {
    const config = resolveStreamConfig(QUEUE_URL, { env: {}, settleBatchWindowMs: 30 });
    expect(config.settleWindowMs).toBe(30);
    expect(config.settleBatchWindowMs).toBe(30);
    expect(() =>
      resolveStreamConfig(QUEUE_URL, { env: {}, settleBatchWindowMs: 30, settleWindowMs: 40 }),
    ).toThrow(ConfigError);
  });

  it('refuses values out of range with a ConfigError naming the option and variable', () => {
    expect(() => resolveStreamConfig(QUEUE_URL, { env: {}, settleWindowMs: -1 })).toThrow(
      /settleWindowMs.*SETTLE_WINDOW_MS.*-1.*0 to 10000/,
    );
    expect(() => resolveStreamConfig(QUEUE_URL, { env: { SETTLE_WINDOW_MS: 'soon' } })).toThrow(
      ConfigError,
    );
  });
});
