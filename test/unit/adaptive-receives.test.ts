/**
 * Adaptive receive concurrency (issue 14): one long poll while the queue is idle; while receives
 * come back full and slots are free, more receives in parallel, up to ceil(free / batchSize) and
 * maxConcurrentReceives; back to one on empty answers; never a receive without a free slot.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LeasedMessage } from '../../src/core/leased-message.js';
import { sqsMessages } from '../../src/core/sqs-messages.js';
import { perMessageListener } from '../../src/listeners/per-message.js';
import { silentLogger } from '../../src/shared/logger.js';
import { FakeSqs, sqsMessages as fakeMessages, sqsMessage } from '../support/fake-sqs.js';
import {
  busyListener,
  type OpenStream,
  openStream,
  QUEUE_URL,
  useFakeClock,
} from '../support/unit.js';

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
 * The fake behind a 25 ms round trip (on the fake clock), recording how many receives were in
 * flight at most and, at each receive sent, the messages received and not settled by the
 * consumer plus those asked for.
 */
function distantFake(fake: FakeSqs, onReceive?: (asked: number) => void) {
  const seen = {
    receiving: 0,
    maxReceiving: 0,
    asked: 0,
    maxPromised: 0,
    received: 0,
    settled: 0,
  };
  const client = {
    send: async (command: { input: Record<string, unknown> }, options?: object) => {
      const receive = command.constructor.name === 'ReceiveMessageCommand';
      const asked = receive ? (command.input.MaxNumberOfMessages as number) : 0;
      if (receive) {
        seen.receiving++;
        seen.maxReceiving = Math.max(seen.maxReceiving, seen.receiving);
        seen.asked += asked;
        const leased = seen.received - seen.settled;
        seen.maxPromised = Math.max(seen.maxPromised, leased + seen.asked);
        onReceive?.(asked);
      }
      try {
        await new Promise((resolve) => setTimeout(resolve, 25));
        const answer = (await fake.send(command, options)) as { Messages?: unknown[] };
        if (receive) seen.received += answer.Messages?.length ?? 0;
        return answer;
      } finally {
        if (receive) {
          seen.receiving--;
          seen.asked -= asked;
        }
      }
    },
    destroy: () => {},
  };
  return { client: client as unknown as SQSClient, seen };
}

/** Takes every message and acks it, until the iterator ends. */
async function consume(
  iterator: AsyncIterator<LeasedMessage>,
  seen: { settled: number },
): Promise<number> {
  let count = 0;
  for (;;) {
    const next = await iterator.next();
    if (next.done) return count;
    count++;
    seen.settled++;
    void next.value.ack();
  }
}

describe('adaptive receive concurrency', () => {
  it.each([20, 100, 1000])(
    'idle (maxInFlight %i): one long poll per waitTime',
    async (maxInFlight) => {
      open = openStream({ maxInFlight, waitTime: 20 });
      const next = open.iterator.next();
      await vi.advanceTimersByTimeAsync(60_000 - 1);
      // Three 20 s polls in 60 s: one at a time.
      expect(open.fake.sent('ReceiveMessage')).toHaveLength(3);
      expect(open.fake.pollsWaiting).toBe(1);
      open.controller.abort();
      await next;
    },
  );

  it('ramps up while answers are full, to maxConcurrentReceives, then collapses to one', async () => {
    const fake = new FakeSqs().enqueue(...fakeMessages(3_000));
    const { client, seen } = distantFake(fake);
    open = openStream({ client, maxInFlight: 1_000, maxConcurrentReceives: 6, waitTime: 20 }, fake);
    const consumed = consume(open.iterator, seen);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(fake.queued).toBe(0);
    expect(seen.maxReceiving).toBe(6);
    // Drained: every receive but one ended on its empty answer.
    const before = fake.sent('ReceiveMessage').length;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fake.pollsWaiting).toBe(1);
    expect(fake.sent('ReceiveMessage').length - before).toBeLessThanOrEqual(4);
    open.controller.abort();
    expect(await consumed).toBe(3_000);
  });

  it('grows no further than ceil(free slots / batchSize)', async () => {
    const fake = new FakeSqs().enqueue(...fakeMessages(500));
    const { client, seen } = distantFake(fake);
    open = openStream({ client, maxInFlight: 30, batchSize: 10, waitTime: 20 }, fake);
    const consumed = consume(open.iterator, seen);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(fake.queued).toBe(0);
    expect(seen.maxReceiving).toBeLessThanOrEqual(3);
    expect(seen.maxPromised).toBeLessThanOrEqual(30);
    open.controller.abort();
    expect(await consumed).toBe(500);
  });

  it('never sends a receive without a free slot (maxInFlight 5, batchSize 2)', async () => {
    const fake = new FakeSqs().enqueue(...fakeMessages(200));
    const { client, seen } = distantFake(fake);
    open = openStream({ client, maxInFlight: 5, batchSize: 2, waitTime: 20 }, fake);
    const consumed = consume(open.iterator, seen);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(fake.queued).toBe(0);
    expect(seen.maxPromised).toBeLessThanOrEqual(5);
    expect(seen.maxReceiving).toBeGreaterThan(1);
    open.controller.abort();
    expect(await consumed).toBe(200);
  });

  it('concurrentReceives fixes the count: that many polls even when idle', async () => {
    open = openStream({ maxInFlight: 100, concurrentReceives: 3, waitTime: 20 });
    const next = open.iterator.next();
    await vi.advanceTimersByTimeAsync(60_000 - 1);
    expect(open.fake.sent('ReceiveMessage')).toHaveLength(9);
    expect(open.fake.pollsWaiting).toBe(3);
    open.controller.abort();
    await next;
  });

  it('under a listener, slow handlers hold their demand plus a batch per loop, no poll open', async () => {
    const { fake, stream, stop } = await busyListener(100, 2);
    await vi.advanceTimersByTimeAsync(60_000);
    // Room for twenty receives in flight (2 + 20 × 10), but the handlers are busy: the demand plus
    // a batch per loop (the first answer found the consumer waiting: two loops), and no long
    // poll open for a stop to wait out.
    expect(stream.config.maxInFlight).toBe(202);
    expect(fake.queued).toBe(100 - 2 * 10);
    expect(fake.pollsWaiting).toBe(0);
    await stop();
  });

  it('counts small messages at their size: a 10 MiB budget still runs receives in parallel', async () => {
    const fake = new FakeSqs().enqueue(...fakeMessages(300));
    const { client, seen } = distantFake(fake);
    open = openStream(
      { client, maxInFlight: 200, maxInFlightBytes: 10_485_760, waitTime: 20 },
      fake,
    );
    const consumed = consume(open.iterator, seen);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(fake.queued).toBe(0);
    // Counted at 1 MiB each, ten messages would fill the budget: one receive at a time.
    expect(seen.maxReceiving).toBeGreaterThan(3);
    open.controller.abort();
    expect(await consumed).toBe(300);
  });

  it('receives ~1 MB messages one receive at a time under the default budget (an eighth of it)', async () => {
    const body = 'x'.repeat(1_000_000);
    const fake = new FakeSqs().enqueue(
      ...Array.from({ length: 60 }, (_, i) => sqsMessage(`big${i}`, { body })),
    );
    const { client, seen } = distantFake(fake);
    open = openStream({ client, maxInFlight: 200, waitTime: 20 }, fake);
    const consumed = consume(open.iterator, seen);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(fake.queued).toBe(0);
    // 16 MiB of receives in flight fit one answer of ten ~1 MB messages, not two.
    expect(seen.maxReceiving).toBe(1);
    expect(fake.sent('ReceiveMessage').length).toBeGreaterThanOrEqual(6);
    open.controller.abort();
    expect(await consumed).toBe(60);
  });

  it('under a listener, ~1 MB messages take one loop: the demand plus one batch, not one per loop', async () => {
    const body = 'x'.repeat(1_000_000);
    const fake = new FakeSqs().enqueue(
      ...Array.from({ length: 200 }, (_, i) => sqsMessage(`big${i}`, { body })),
    );
    // Leased and not settled, plus what receives in flight asked for: sampled at every receive.
    let maxPromised = 0;
    const { client, seen } = distantFake(fake, () => {
      maxPromised = Math.max(maxPromised, stream.stats().inFlight + seen.asked);
    });
    const controller = new AbortController();
    const stream = sqsMessages(QUEUE_URL, {
      client,
      signal: controller.signal,
      waitTime: 20,
      idleSleepMax: 0,
      logger: silentLogger,
      env: {},
    });
    let handled = 0;
    const listening = perMessageListener(
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 40));
        handled++;
      },
      { workerThreads: 10, logger: silentLogger, env: {} },
    )(stream);
    await vi.waitFor(() => expect(fake.sent('ReceiveMessage').length).toBeGreaterThan(0), {
      timeout: 5_000,
    });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(handled).toBe(200);
    // Full answers that find the workers waiting would add loops (each a batch more room), but
    // the receive cap lets one ~10 MB answer be in flight at a time: extra loops would only hold
    // an answer buffered ahead on top of the one being parsed.
    expect(seen.maxReceiving).toBe(1);
    expect(maxPromised).toBeLessThanOrEqual(10 + 10);
    controller.abort();
    await vi.advanceTimersByTimeAsync(60_000);
    await listening;
  });

  it('runs twenty receives at once without a MaxListenersExceededWarning', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      const fake = new FakeSqs().enqueue(...fakeMessages(2_000));
      const { client, seen } = distantFake(fake);
      const options = {
        client,
        maxInFlight: 1_000,
        maxConcurrentReceives: 20,
        maxInFlightBytes: 1_073_741_824,
        waitTime: 20,
      };
      open = openStream(options, fake);
      const consumed = consume(open.iterator, seen);
      await vi.advanceTimersByTimeAsync(10_000);
      expect(seen.maxReceiving).toBe(20);
      open.controller.abort();
      expect(await consumed).toBe(2_000);
      // Warnings are emitted on a later tick.
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });
});
