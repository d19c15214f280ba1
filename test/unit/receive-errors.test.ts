/**
 * Receive errors: transient ones back off exponentially (capped) and the stream recovers; a
 * missing queue or bad credentials end the iteration with a typed ReceiveError, at once, without
 * retrying in a loop.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ReceiveError } from '../../src/errors.js';
import {
  awsError,
  credentialsError,
  FakeSqs,
  queueDoesNotExistError,
  sqsMessage,
  throttlingError,
} from '../support/fake-sqs.js';
import { type OpenStream, openStream, QUEUE_URL, useFakeClock } from '../support/unit.js';

let open: OpenStream | undefined;

type Settled<T> =
  | { state: 'pending' }
  | { state: 'resolved'; value: T }
  | { state: 'rejected'; error: unknown };

/**
 * Runs the fake clock for `ms`, then reports how `promise` settled by then, so that a
 * regression shows up as a failed assertion instead of a hang until the test timeout.
 */
async function settledAfter<T>(promise: Promise<T>, ms: number): Promise<Settled<T>> {
  let result: Settled<T> = { state: 'pending' };
  promise.then(
    (value) => {
      result = { state: 'resolved', value };
    },
    (error: unknown) => {
      result = { state: 'rejected', error };
    },
  );
  await vi.advanceTimersByTimeAsync(ms);
  return result;
}

beforeEach(() => {
  useFakeClock();
});

afterEach(async () => {
  await open?.close();
  open = undefined;
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('transient receive errors', () => {
  it('retries a throttled receive with growing, capped delays, then delivers messages', async () => {
    // Take the top of each jittered range, so the delays are the backoff ceilings themselves.
    vi.spyOn(Math, 'random').mockReturnValue(0.999_999);
    const fake = new FakeSqs();
    const failures = 10;
    fake.failRequest('ReceiveMessage', throttlingError(), failures);
    fake.enqueue(sqsMessage('after-throttling'));
    open = openStream({ concurrentReceives: 1, maxInFlight: 1 }, fake);

    // Far more than the sum of capped delays: the stream must have recovered by then.
    const first = await settledAfter(open.iterator.next(), 10 * 60_000);

    expect(first).toMatchObject({ state: 'resolved', value: { done: false } });
    expect(first.state === 'resolved' && first.value.value.messageId).toBe('after-throttling');
    const receives = fake.sent('ReceiveMessage');
    expect(receives).toHaveLength(failures + 1);
    const gaps = receives.slice(1).map((r, i) => r.at - receives[i]!.at);
    // Exponential: every delay at least the one before, and the early ones at least double.
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]).toBeGreaterThanOrEqual(gaps[i - 1]!);
    for (let i = 1; i < 4; i++) expect(gaps[i]).toBeGreaterThanOrEqual(gaps[i - 1]! * 2 - 1);
    expect(gaps[0]).toBeGreaterThan(0);
    // Capped: the last delays are equal and not absurd.
    expect(gaps.at(-1)).toBe(gaps.at(-2));
    expect(Math.max(...gaps)).toBeLessThanOrEqual(30_000);
    expect(open.stream.stats().receiveErrors).toBe(failures);
  });

  it('keeps the delays within the cap with real jitter, and never retries without a pause', async () => {
    const fake = new FakeSqs();
    fake.failRequest('ReceiveMessage', throttlingError(), 30);
    open = openStream({ concurrentReceives: 1, maxInFlight: 1 }, fake);
    fake.enqueue(sqsMessage('eventually'));

    const first = await settledAfter(open.iterator.next(), 30 * 30_000);
    expect(first).toMatchObject({ state: 'resolved', value: { done: false } });

    const receives = fake.sent('ReceiveMessage');
    expect(receives).toHaveLength(31);
    const gaps = receives.slice(1).map((r, i) => r.at - receives[i]!.at);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(30_000);
  });

  it('retries a server error (5xx) the same way', async () => {
    const fake = new FakeSqs();
    fake.failRequest(
      'ReceiveMessage',
      awsError('InternalFailure', { fault: 'server', retryable: true }),
      2,
    );
    fake.enqueue(sqsMessage('after-5xx'));
    open = openStream({ concurrentReceives: 1, maxInFlight: 1 }, fake);

    const first = await settledAfter(open.iterator.next(), 60_000);
    expect(first.state === 'resolved' && first.value.value.messageId).toBe('after-5xx');
    expect(fake.sent('ReceiveMessage')).toHaveLength(3);
  });
});

describe('fatal receive errors', () => {
  it.each([
    ['QueueDoesNotExist', queueDoesNotExistError],
    ['CredentialsProviderError', credentialsError],
    ['AccessDenied', () => awsError('AccessDenied', { fault: 'client' })],
    ['InvalidClientTokenId', () => awsError('InvalidClientTokenId', { fault: 'client' })],
  ])('%s ends the iteration with a ReceiveError after one attempt', async (code, makeError) => {
    const fake = new FakeSqs();
    fake.failRequest('ReceiveMessage', makeError(), Number.POSITIVE_INFINITY);
    open = openStream({ concurrentReceives: 1 }, fake);

    const first = await settledAfter(open.iterator.next(), 1_000);
    expect(first.state).toBe('rejected');
    const error = first.state === 'rejected' ? first.error : undefined;

    expect(error).toBeInstanceOf(ReceiveError);
    expect(error).toMatchObject({ code, queueUrl: QUEUE_URL, retryable: false });
    expect((error as Error).message).toContain(QUEUE_URL);
    expect((error as Error).cause).toBeInstanceOf(Error);
    // No hot loop and no retry later either.
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(fake.sent('ReceiveMessage')).toHaveLength(1);
    // The error is reported once; the iteration is then simply over.
    expect(await open.iterator.next()).toEqual({ value: undefined, done: true });
  });

  it('with several parallel receives, stops every poller at the first fatal error', async () => {
    const fake = new FakeSqs();
    fake.failRequest('ReceiveMessage', queueDoesNotExistError(), Number.POSITIVE_INFINITY);
    open = openStream({ concurrentReceives: 3, maxInFlight: 30 }, fake);

    const first = await settledAfter(open.iterator.next(), 1_000);
    expect(first).toMatchObject({ state: 'rejected', error: expect.any(ReceiveError) });
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(fake.sent('ReceiveMessage').length).toBeLessThanOrEqual(3);
  });

  it('delivers what was received before a fatal error, then throws', async () => {
    const fake = new FakeSqs();
    fake.enqueue(sqsMessage('before'));
    open = openStream({ concurrentReceives: 1, maxInFlight: 2, batchSize: 1 }, fake);
    const first = await open.iterator.next();
    expect(first.done ? undefined : first.value.messageId).toBe('before');
    fake.failRequest('ReceiveMessage', queueDoesNotExistError(), Number.POSITIVE_INFINITY);
    // The poller's long poll is still waiting; let it time out into the failing receive.
    const second = await settledAfter(open.iterator.next(), 25_000);
    expect(second).toMatchObject({ state: 'rejected', error: expect.any(ReceiveError) });
    // The message handed out before the error can still be settled.
    const ack = first.done ? undefined : first.value.ack();
    await vi.advanceTimersByTimeAsync(100);
    await ack;
    expect(fake.deleted).toHaveLength(1);
  });
});
