/**
 * Leases run on a monotonic clock: a step of the wall clock changes nothing, and an ack whose
 * lease ran out while the process could not run (a pause the heartbeat timer has not noticed
 * yet) sends nothing and rejects.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LeaseLostError } from '../../src/shared/errors.js';
import { sqsMessage } from '../support/fake-sqs.js';
import { type OpenStream, openStream, outcome, take, useFakeClock } from '../support/unit.js';

const HOUR_MS = 3_600_000;

let open: OpenStream | undefined;

beforeEach(() => {
  useFakeClock();
});

afterEach(async () => {
  vi.restoreAllMocks();
  await open?.close();
  open = undefined;
  vi.useRealTimers();
});

/**
 * The process could not run for `ms`: the monotonic clock moved on, but no timer has fired yet
 * (what code that runs first after SIGCONT, or after a frozen container resumes, sees).
 */
function pauseWithoutTimers(ms: number): void {
  const now = performance.now.bind(performance);
  vi.spyOn(performance, 'now').mockImplementation(() => now() + ms);
}

describe('a wall-clock step', () => {
  it.each([
    ['back', -HOUR_MS],
    ['forward', HOUR_MS],
  ])('one hour %s neither stops heartbeats nor loses the lease', async (_, stepMs) => {
    open = openStream({ maxInFlight: 1, visibilitySecs: 60 });
    const { fake, iterator, stream } = open;
    fake.enqueue(sqsMessage('steady'));
    const [m] = await take(iterator, 1);
    await vi.advanceTimersByTimeAsync(10_000);

    // Date only: the fake clock leaves performance.now() alone, as a step by NTP or date(1) does.
    vi.setSystemTime(Date.now() + stepMs);
    await vi.advanceTimersByTimeAsync(300_000);

    // One extension every half visibility (30 s) over the 310 s since receive.
    const extensions = fake.entriesOf('ChangeMessageVisibilityBatch').flat();
    expect(extensions.length).toBeGreaterThanOrEqual(9);
    expect(m!.signal.aborted).toBe(false);
    expect(stream.stats().lost).toBe(0);

    const acked = m!.ack();
    await vi.advanceTimersByTimeAsync(100);
    await acked;
    expect(fake.deleted).toEqual([m!.receiptHandle]);
  });
});

describe('ack after a pause', () => {
  it('rejects with LeaseLostError(expired) and sends nothing once the deadline passed', async () => {
    open = openStream({ maxInFlight: 2, visibilitySecs: 60 });
    const { fake, iterator, stream } = open;
    fake.enqueue(sqsMessage('paused'), sqsMessage('other'));
    const [m, other] = await take(iterator, 2);

    pauseWithoutTimers(90_000);
    const acked = outcome(m!.ack());
    await vi.advanceTimersByTimeAsync(100);
    const result = await acked;

    expect(result.ok).toBe(false);
    const error = (result as { error: unknown }).error;
    expect(error).toBeInstanceOf(LeaseLostError);
    expect(error).toMatchObject({ reason: 'expired', messageId: 'paused' });
    // The usual bookkeeping of a lost lease: its signal aborted, counted, its slot freed.
    expect(m!.signal.aborted).toBe(true);
    expect(m!.signal.reason).toBe(error);
    expect(stream.stats()).toMatchObject({ lost: 1, acked: 0 });
    // Idempotent: the second call gets the same answer.
    await expect(m!.ack()).rejects.toBe(error);

    // Up to the heartbeat timer (armed for 30 s after receive, before the pause), which then
    // finds the other lease past saving too.
    await vi.advanceTimersByTimeAsync(30_000);
    expect(fake.sent('DeleteMessageBatch')).toHaveLength(0);
    expect(fake.deleted).toEqual([]);
    expect(other!.signal.reason).toMatchObject({ reason: 'expired', messageId: 'other' });
    expect(stream.stats()).toMatchObject({ lost: 2, inFlight: 0 });
  });

  it.each([
    // visibility 60 s: the lease manager's safety margin is 1 s.
    { pausedMs: 59_500, lost: true },
    { pausedMs: 58_000, lost: false },
  ])(
    'with $pausedMs ms of a 60 s visibility gone, the lease is lost: $lost',
    async ({ pausedMs, lost }) => {
      open = openStream({ maxInFlight: 1, visibilitySecs: 60 });
      const { fake, iterator } = open;
      fake.enqueue(sqsMessage('margin'));
      const [m] = await take(iterator, 1);

      pauseWithoutTimers(pausedMs);
      const acked = outcome(m!.ack());
      vi.restoreAllMocks();
      await vi.advanceTimersByTimeAsync(100);

      expect((await acked).ok).toBe(!lost);
      expect(fake.deleted).toEqual(lost ? [] : [m!.receiptHandle]);
    },
  );
});
