/**
 * The heartbeat: every lease (handed out or still buffered) is extended in batched
 * ChangeMessageVisibilityBatch requests, never past maxExtend or SQS's 12 hours from receive;
 * a refused extension loses exactly that lease, and a used-up budget ends the lease cleanly.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LeasedMessage } from '../../src/core/leased-message.js';
import { LeaseLostError } from '../../src/shared/errors.js';
import { type FakeSqs, sqsMessage, sqsMessages } from '../support/fake-sqs.js';
import { type OpenStream, openStream, take, useFakeClock } from '../support/unit.js';

const SQS_LIMIT_SECS = 43_200;

let open: OpenStream | undefined;

beforeEach(() => {
  useFakeClock();
});

afterEach(async () => {
  await open?.close();
  open = undefined;
  vi.useRealTimers();
});

/**
 * When the fake handed out the message: these tests queue their messages before the first
 * receive, which the fake then answers at once.
 */
function firstReceiveAt(fake: FakeSqs): number {
  const receive = fake.sent('ReceiveMessage')[0];
  if (!receive) throw new Error('no receive was sent');
  return receive.at;
}

/** Awaits a settle promise while letting the fake clock run its batch window. */
async function settled(promise: Promise<void>): Promise<void> {
  // Past the settle window (250 ms by default): another message may still be held.
  await vi.advanceTimersByTimeAsync(1_000);
  await promise;
}

/**
 * Checks, from what SQS accepted, that the message stayed invisible without a gap until `untilMs`:
 * each extension arrived before the previous visibility ran out. Returns the final deadline.
 */
function assertContinuouslyLeased(
  fake: FakeSqs,
  receiptHandle: string,
  receiveMs: number,
  visibilitySecs: number,
  untilMs: number,
): number {
  let deadline = receiveMs + visibilitySecs * 1000;
  for (const change of fake.visibilityChanges.filter((c) => c.receiptHandle === receiptHandle)) {
    expect(change.at).toBeLessThan(deadline);
    deadline = change.at + change.timeoutSecs * 1000;
  }
  expect(untilMs).toBeLessThanOrEqual(deadline);
  return deadline;
}

/** Records when (fake clock) and why each message's signal aborted. */
function watchSignals(messages: LeasedMessage[]): Map<string, { at: number; reason: unknown }> {
  const aborted = new Map<string, { at: number; reason: unknown }>();
  for (const m of messages) {
    m.signal.addEventListener(
      'abort',
      () => aborted.set(m.receiptHandle, { at: Date.now(), reason: m.signal.reason }),
      { once: true },
    );
  }
  return aborted;
}

describe('batched extensions', () => {
  it('extends n held leases with ceil(n / 10) requests of at most 10 entries per round', async () => {
    const n = 25;
    open = openStream({ maxInFlight: n, batchSize: 10, visibilitySecs: 60 });
    const { fake, iterator } = open;
    fake.enqueue(...sqsMessages(n));
    const messages = await take(iterator, n);
    const aborted = watchSignals(messages);

    const rounds = 3;
    await vi.advanceTimersByTimeAsync(rounds * 30_000 + 1_000);

    const requests = fake.sent('ChangeMessageVisibilityBatch');
    const byRound = new Map<number, typeof requests>();
    for (const r of requests) byRound.set(r.at, [...(byRound.get(r.at) ?? []), r]);
    expect(byRound.size).toBe(rounds);
    for (const round of byRound.values()) {
      const sizes = round.map((r) => (r.input.Entries as unknown[]).length);
      expect(sizes.length).toBe(Math.ceil(n / 10));
      expect(Math.max(...sizes)).toBeLessThanOrEqual(10);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(n);
    }
    for (const entries of fake.entriesOf('ChangeMessageVisibilityBatch')) {
      for (const entry of entries) expect(entry.VisibilityTimeout).toBe(60);
    }
    expect(aborted.size).toBe(0);
    const now = Date.now();
    for (const m of messages) {
      assertContinuouslyLeased(fake, m.receiptHandle, firstReceiveAt(fake), 60, now);
    }
  });

  it('also extends messages received but not yet handed out', async () => {
    open = openStream({ maxInFlight: 10, batchSize: 10, visibilitySecs: 60 });
    const { fake, iterator } = open;
    fake.enqueue(...sqsMessages(10));
    await take(iterator, 1);

    await vi.advanceTimersByTimeAsync(31_000);

    const entries = fake.entriesOf('ChangeMessageVisibilityBatch').flat();
    expect(entries).toHaveLength(10);
    expect(fake.visibilityChanges).toHaveLength(10);
  });

  it('stops extending a message once it is acked', async () => {
    open = openStream({ maxInFlight: 2, visibilitySecs: 60 });
    const { fake, iterator } = open;
    fake.enqueue(...sqsMessages(2));
    const [acked, kept] = await take(iterator, 2);
    await vi.advanceTimersByTimeAsync(10_000);
    await settled(acked!.ack());

    await vi.advanceTimersByTimeAsync(120_000);

    const handles = fake
      .entriesOf('ChangeMessageVisibilityBatch')
      .flatMap((e) => e.map((x) => x.ReceiptHandle));
    expect(handles).not.toContain(acked!.receiptHandle);
    expect(handles.filter((h) => h === kept!.receiptHandle).length).toBeGreaterThanOrEqual(3);
  });
});

describe('after the stream ends', () => {
  it('keeps extending a message already handed out until it is settled', async () => {
    open = openStream({ maxInFlight: 2, visibilitySecs: 60 });
    const { fake, iterator } = open;
    fake.enqueue(...sqsMessages(2));
    const [kept] = await take(iterator, 1);
    await iterator.return?.();

    await vi.advanceTimersByTimeAsync(5 * 60_000);

    expect(kept!.signal.aborted).toBe(false);
    assertContinuouslyLeased(fake, kept!.receiptHandle, firstReceiveAt(fake), 60, Date.now());
    await settled(kept!.ack());
    expect(fake.deleted).toEqual([kept!.receiptHandle]);
    await open.stream.drained();
  });
});

describe('limits', () => {
  it('never requests past maxExtend; when it is used up the signal aborts and ack() sends nothing', async () => {
    const maxExtend = 100;
    open = openStream({ maxInFlight: 1, visibilitySecs: 60, maxExtend });
    const { fake, iterator } = open;
    fake.enqueue(sqsMessage('budget'));
    const [m] = await take(iterator, 1);
    const receiveMs = firstReceiveAt(fake);
    const aborted = watchSignals([m!]);

    await vi.advanceTimersByTimeAsync(300_000);

    const entries = fake.sent('ChangeMessageVisibilityBatch').flatMap((r) =>
      (r.input.Entries as Array<{ VisibilityTimeout: number }>).map((e) => ({
        at: r.at,
        timeout: e.VisibilityTimeout,
      })),
    );
    expect(entries.length).toBeGreaterThan(0);
    for (const { at, timeout } of entries) {
      expect((at - receiveMs) / 1000 + timeout).toBeLessThanOrEqual(maxExtend);
    }

    const lost = aborted.get(m!.receiptHandle);
    expect(lost).toBeDefined();
    expect(lost!.reason).toBeInstanceOf(LeaseLostError);
    expect(lost!.reason).toMatchObject({ reason: 'maxExtend', messageId: 'budget' });
    // Extended past the first visibility, and the signal fired while SQS still held the message.
    expect(lost!.at).toBeGreaterThan(receiveMs + 60_000);
    expect(lost!.at).toBeLessThanOrEqual(receiveMs + maxExtend * 1000);
    assertContinuouslyLeased(fake, m!.receiptHandle, receiveMs, 60, lost!.at);

    await expect(m!.ack()).rejects.toBeInstanceOf(LeaseLostError);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fake.sent('DeleteMessageBatch')).toHaveLength(0);
  });

  it.each([
    [60, SQS_LIMIT_SECS],
    [3_600, SQS_LIMIT_SECS],
    [SQS_LIMIT_SECS, SQS_LIMIT_SECS],
  ])(
    'with visibilitySecs %i and maxExtend %i, never asks past 12 hours from receive',
    async (visibilitySecs, maxExtend) => {
      open = openStream({ maxInFlight: 1, visibilitySecs, maxExtend });
      const { fake, iterator } = open;
      fake.enqueue(sqsMessage('long'));
      const [m] = await take(iterator, 1);
      const receiveMs = firstReceiveAt(fake);
      const aborted = watchSignals([m!]);

      await vi.advanceTimersByTimeAsync((SQS_LIMIT_SECS + 3_600) * 1000);

      const entries = fake.sent('ChangeMessageVisibilityBatch').flatMap((r) =>
        (r.input.Entries as Array<{ VisibilityTimeout: number }>).map((e) => ({
          at: r.at,
          timeout: e.VisibilityTimeout,
        })),
      );
      for (const { at, timeout } of entries) {
        expect(timeout).toBeLessThanOrEqual(SQS_LIMIT_SECS);
        expect((at - receiveMs) / 1000 + timeout).toBeLessThanOrEqual(maxExtend);
        expect((at - receiveMs) / 1000 + timeout).toBeLessThanOrEqual(SQS_LIMIT_SECS);
      }
      // The fake refuses what SQS would refuse: every request was accepted.
      expect(fake.visibilityChanges).toHaveLength(entries.length);

      const lost = aborted.get(m!.receiptHandle);
      expect(lost).toBeDefined();
      expect((lost!.reason as LeaseLostError).reason).toMatch(/^(maxExtend|visibilityLimit)$/);
      // The lease lasted close to the limit, without a gap.
      expect(lost!.at).toBeGreaterThan(receiveMs + (SQS_LIMIT_SECS - 120) * 1000);
      assertContinuouslyLeased(fake, m!.receiptHandle, receiveMs, visibilitySecs, lost!.at);
    },
  );
});

describe('failed extensions', () => {
  it('a Failed entry aborts exactly that message’s signal; the others stay leased', async () => {
    open = openStream({ maxInFlight: 3, visibilitySecs: 60 });
    const { fake, iterator } = open;
    fake.enqueue(...sqsMessages(3));
    const messages = await take(iterator, 3);
    const [first, refused, third] = messages;
    fake.failEntry('ChangeMessageVisibilityBatch', refused!.receiptHandle, {
      Code: 'ReceiptHandleIsInvalid',
      SenderFault: true,
    });
    const aborted = watchSignals(messages);

    await vi.advanceTimersByTimeAsync(31_000);

    expect(refused!.signal.aborted).toBe(true);
    const reason = refused!.signal.reason as LeaseLostError;
    expect(reason).toBeInstanceOf(LeaseLostError);
    expect(reason).toMatchObject({ reason: 'extendFailed', messageId: refused!.messageId });
    expect(first!.signal.aborted).toBe(false);
    expect(third!.signal.aborted).toBe(false);

    await vi.advanceTimersByTimeAsync(180_000);
    expect([...aborted.keys()]).toEqual([refused!.receiptHandle]);
    const now = Date.now();
    const receiveMs = firstReceiveAt(fake);
    assertContinuouslyLeased(fake, first!.receiptHandle, receiveMs, 60, now);
    assertContinuouslyLeased(fake, third!.receiptHandle, receiveMs, 60, now);
    // The lost lease is not extended again.
    const refusedEntries = fake
      .entriesOf('ChangeMessageVisibilityBatch')
      .flat()
      .filter((e) => e.ReceiptHandle === refused!.receiptHandle);
    expect(refusedEntries).toHaveLength(1);

    await settled(first!.ack());
    await expect(refused!.ack()).rejects.toMatchObject({
      name: 'LeaseLostError',
      reason: 'extendFailed',
    });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fake.deleted).toEqual([first!.receiptHandle]);
    expect(
      fake
        .entriesOf('DeleteMessageBatch')
        .flat()
        .map((e) => e.ReceiptHandle),
    ).not.toContain(refused!.receiptHandle);
  });

  it('a server-side (SenderFault false) failure is retried and the lease survives', async () => {
    open = openStream({ maxInFlight: 1, visibilitySecs: 60 });
    const { fake, iterator } = open;
    fake.enqueue(sqsMessage('flaky'));
    const [m] = await take(iterator, 1);
    fake.failEntry(
      'ChangeMessageVisibilityBatch',
      m!.receiptHandle,
      { Code: 'InternalError', SenderFault: false },
      1,
    );

    await vi.advanceTimersByTimeAsync(150_000);

    expect(m!.signal.aborted).toBe(false);
    assertContinuouslyLeased(fake, m!.receiptHandle, firstReceiveAt(fake), 60, Date.now());
  });
});
