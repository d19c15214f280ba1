/**
 * Flow control: at most maxInFlight messages are leased and unsettled at once; no receive asks
 * for more than the free slots; when the stream is full no ReceiveMessage is sent at all.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sqsMessages } from '../support/fake-sqs.js';
import { type OpenStream, openStream, take, useFakeClock } from '../support/unit.js';

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

/** Messages the fake handed out that are neither deleted nor given back. */
function leasedCount(fake: OpenStream['fake'], total: number): number {
  return total - fake.queued - fake.deleted.length;
}

describe('receiving', () => {
  it('asks for the configured long poll, visibility and every attribute', async () => {
    open = openStream({ maxInFlight: 10, batchSize: 10, waitTime: 7, visibilitySecs: 45 });
    await vi.advanceTimersByTimeAsync(0);
    expect(open.fake.sent('ReceiveMessage')[0]!.input).toEqual({
      QueueUrl: open.stream.queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 7,
      VisibilityTimeout: 45,
      MessageSystemAttributeNames: ['All'],
      MessageAttributeNames: ['All'],
    });
  });

  it('sleeps up to idleSleepMax after an empty receive instead of polling in a loop', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    open = openStream({ maxInFlight: 10, batchSize: 10, waitTime: 0, idleSleepMax: 2 });

    await vi.advanceTimersByTimeAsync(60_000);

    expect(open.fake.hotLoopDetected).toBe(false);
    const receives = open.fake.sent('ReceiveMessage');
    // One poller, an empty answer at once, then 0.5 × 2 s of sleep: about 60 receives.
    expect(receives.length).toBeGreaterThanOrEqual(55);
    expect(receives.length).toBeLessThanOrEqual(65);
    const gaps = receives.slice(1).map((r, i) => r.at - receives[i]!.at);
    for (const gap of gaps) expect(gap).toBe(1_000);
  });
});

describe('maxInFlight', () => {
  it('leases no more than maxInFlight messages while the consumer takes none', async () => {
    open = openStream({ maxInFlight: 15, batchSize: 10 });
    const { fake } = open;
    fake.enqueue(...sqsMessages(100));

    await vi.advanceTimersByTimeAsync(5 * 60_000);

    // A partial batch is only fetched for a consumer that waits, so 10 here; never above 15.
    expect(leasedCount(fake, 100)).toBeGreaterThan(0);
    expect(leasedCount(fake, 100)).toBeLessThanOrEqual(15);
    const receives = fake.sent('ReceiveMessage');
    for (const r of receives) {
      expect(r.input.MaxNumberOfMessages as number).toBeLessThanOrEqual(10);
    }
    const requested = receives.reduce((n, r) => n + (r.input.MaxNumberOfMessages as number), 0);
    expect(requested).toBeLessThanOrEqual(15);
  });

  it('sends no ReceiveMessage while full, and asks only for the slots that free up', async () => {
    open = openStream({ maxInFlight: 5, batchSize: 10 });
    const { fake, iterator } = open;
    fake.enqueue(...sqsMessages(50));
    const held = await take(iterator, 5);
    const receivesWhenFull = fake.sent('ReceiveMessage').length;
    for (const r of fake.sent('ReceiveMessage')) {
      expect(r.input.MaxNumberOfMessages as number).toBeLessThanOrEqual(5);
    }

    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(fake.sent('ReceiveMessage')).toHaveLength(receivesWhenFull);

    const acks = held.slice(0, 2).map((m) => m.ack());
    const next = take(iterator, 2);
    await vi.advanceTimersByTimeAsync(1_000);
    await Promise.all(acks);
    const more = await next;
    expect(more).toHaveLength(2);

    const later = fake.sent('ReceiveMessage').slice(receivesWhenFull);
    expect(later.length).toBeGreaterThan(0);
    for (const r of later) expect(r.input.MaxNumberOfMessages as number).toBeLessThanOrEqual(2);
    expect(leasedCount(fake, 50)).toBe(5);
  });

  it('passes the abort signal to every receive, so abort ends a long poll at once', async () => {
    open = openStream({ maxInFlight: 20, batchSize: 10, waitTime: 20 });
    const { fake, iterator, controller } = open;
    const next = iterator.next();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fake.pollsWaiting).toBeGreaterThan(0);

    controller.abort();
    // No clock advance: the long polls end because their requests were aborted.
    expect(await next).toEqual({ value: undefined, done: true });
    expect(fake.pollsWaiting).toBe(0);
  });
});
