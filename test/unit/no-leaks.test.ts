/**
 * However a stream ends (drained then aborted, aborted mid-poll, `break`, a fatal error), it
 * leaves nothing behind: no timer (ref'd or unref'd), no abort listener on the caller's signals,
 * no unhandled rejection. Real timers throughout; the detectors are checked first.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LeasedMessage } from '../../src/core/leased-message.js';
import { sqsMessages } from '../../src/core/sqs-messages.js';
import type { SqsMessagesOptions } from '../../src/core/stream-config.js';
import { LeaseLostError, ReceiveError } from '../../src/shared/errors.js';
import { silentLogger } from '../../src/shared/logger.js';
import {
  FakeSqs,
  queueDoesNotExistError,
  sqsMessages as scriptedMessages,
  sqsMessage,
} from '../support/fake-sqs.js';
import {
  abortListenerCount,
  activeTimeoutCount,
  nextMacrotask,
  type RejectionRecorder,
  recordUnhandledRejections,
  settle,
  type TimerTracker,
  trackTimers,
} from '../support/leaks.js';
import { QUEUE_URL } from '../support/unit.js';

let tracker: TimerTracker;
let recorder: RejectionRecorder;
let baselineTimeouts: number;

beforeEach(() => {
  baselineTimeouts = activeTimeoutCount();
  tracker = trackTimers();
  recorder = recordUnhandledRejections();
});

afterEach(() => {
  tracker.restore();
  recorder.stop();
});

/** The leak checks every scenario ends with. */
async function expectNoLeaks(...signals: AbortSignal[]): Promise<void> {
  await settle();
  expect(tracker.pending().map((t) => `${t.delayMs} ms${t.unref ? ' (unref)' : ''}`)).toEqual([]);
  // vitest's own timers come and go (one may end during the test), so "no more than before".
  expect(activeTimeoutCount()).toBeLessThanOrEqual(baselineTimeouts);
  for (const signal of signals) expect(abortListenerCount(signal)).toBe(0);
  expect(recorder.reasons).toEqual([]);
}

function streamOver(fake: FakeSqs, options: SqsMessagesOptions = {}) {
  return sqsMessages(QUEUE_URL, {
    client: fake.client,
    idleSleepMax: 0,
    logger: silentLogger,
    env: {},
    ...options,
  });
}

async function until(check: () => boolean, timeoutMs = 2_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not reached in time');
    await nextMacrotask();
  }
}

describe('the leak detectors themselves', () => {
  it('see a leaked timer, ref’d or unref’d, and stop seeing it once cleared', async () => {
    const before = activeTimeoutCount();
    const refd = setTimeout(() => {}, 60_000);
    const unrefd = setTimeout(() => {}, 60_000).unref();
    expect(tracker.pending()).toHaveLength(2);
    expect(tracker.pending().filter((t) => t.unref)).toHaveLength(1);
    // Node lists only the ref'd one; the tracker is what catches unref'd timers.
    expect(activeTimeoutCount()).toBe(before + 1);
    clearTimeout(refd);
    clearTimeout(unrefd);
    await expectNoLeaks();
  });

  it('see a timer that fires as gone', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1));
    expect(tracker.pending()).toEqual([]);
  });

  it('see an abort listener left on a signal', () => {
    const controller = new AbortController();
    const listener = () => {};
    controller.signal.addEventListener('abort', listener);
    expect(abortListenerCount(controller.signal)).toBe(1);
    controller.signal.removeEventListener('abort', listener);
    expect(abortListenerCount(controller.signal)).toBe(0);
  });

  it('see an unhandled rejection', async () => {
    // Exclusive, so that vitest does not fail the run on the deliberate rejection.
    recorder.stop();
    const exclusive = recordUnhandledRejections({ exclusive: true });
    try {
      void Promise.reject(new Error('deliberately unhandled'));
      await settle();
      expect(exclusive.reasons).toHaveLength(1);
    } finally {
      exclusive.stop();
      recorder = recordUnhandledRejections();
    }
  });

  it('see the stream’s own (unref’d) lease timer while a message is held', async () => {
    const fake = new FakeSqs().enqueue(sqsMessage('held'));
    const controller = new AbortController();
    const iterator = streamOver(fake, { signal: controller.signal, maxInFlight: 1 })[
      Symbol.asyncIterator
    ]();
    const first = await iterator.next();
    expect(first.done).toBe(false);
    expect(tracker.pending().some((t) => t.unref)).toBe(true);
    expect(abortListenerCount(controller.signal)).toBe(1);

    await iterator.return?.();
    if (!first.done) await first.value.ack();
    await expectNoLeaks(controller.signal);
  });
});

describe('after a stream ends', () => {
  it('consumed to the end, then aborted', async () => {
    const fake = new FakeSqs().enqueue(...scriptedMessages(5));
    const controller = new AbortController();
    const stream = streamOver(fake, { signal: controller.signal, maxInFlight: 5 });

    let count = 0;
    for await (const message of stream) {
      await message.ack();
      count++;
      if (count === 5) {
        // Wait until the stream is long-polling an empty queue, then abort it.
        await until(() => fake.pollsWaiting > 0);
        controller.abort();
      }
    }

    expect(count).toBe(5);
    expect(fake.deleted).toHaveLength(5);
    await expectNoLeaks(controller.signal);
    await stream.drained();
  });

  it('aborted in the middle of a 20 s long poll, ending at once', async () => {
    const fake = new FakeSqs();
    const controller = new AbortController();
    const iterator = streamOver(fake, { signal: controller.signal, waitTime: 20 })[
      Symbol.asyncIterator
    ]();
    const next = iterator.next();
    await until(() => fake.pollsWaiting > 0);

    const abortedAt = Date.now();
    controller.abort();
    expect(await next).toEqual({ value: undefined, done: true });
    expect(Date.now() - abortedAt).toBeLessThan(1_000);
    expect(fake.pollsWaiting).toBe(0);
    await expectNoLeaks(controller.signal);
  });

  it('aborted during the idle sleep after an empty receive', async () => {
    const fake = new FakeSqs();
    const controller = new AbortController();
    const iterator = streamOver(fake, {
      signal: controller.signal,
      waitTime: 0,
      idleSleepMax: 30,
      concurrentReceives: 1,
    })[Symbol.asyncIterator]();
    const next = iterator.next();
    await until(() => fake.sent('ReceiveMessage').length > 0);
    await settle();
    // The poller now sleeps (up to 30 s) before polling again.
    expect(tracker.pending().length).toBeGreaterThan(0);

    const abortedAt = Date.now();
    controller.abort();
    expect((await next).done).toBe(true);
    expect(Date.now() - abortedAt).toBeLessThan(1_000);
    expect(fake.hotLoopDetected).toBe(false);
    await expectNoLeaks(controller.signal);
  });

  it('aborted through the signal IxJS passes to [Symbol.asyncIterator](signal)', async () => {
    const fake = new FakeSqs();
    const option = new AbortController();
    const passed = new AbortController();
    const iterator = streamOver(fake, { signal: option.signal })[Symbol.asyncIterator](
      passed.signal,
    );
    const next = iterator.next();
    await until(() => fake.pollsWaiting > 0);
    expect(abortListenerCount(option.signal)).toBe(1);
    expect(abortListenerCount(passed.signal)).toBe(1);

    passed.abort();
    expect((await next).done).toBe(true);
    await expectNoLeaks(option.signal, passed.signal);
  });

  it('left with break: the messages never handed out are released at once', async () => {
    const fake = new FakeSqs().enqueue(...scriptedMessages(3));
    const controller = new AbortController();
    const stream = streamOver(fake, { signal: controller.signal, maxInFlight: 3 });

    let handled: LeasedMessage | undefined;
    for await (const message of stream) {
      handled = message;
      await message.ack();
      break;
    }

    expect(fake.deleted).toEqual([handled!.receiptHandle]);
    const released = fake.visibilityChanges.filter((c) => c.timeoutSecs === 0);
    expect(released.map((c) => c.receiptHandle).sort()).not.toContain(handled!.receiptHandle);
    expect(released).toHaveLength(2);
    // The signal was never aborted, yet the stream's listener on it is gone.
    expect(controller.signal.aborted).toBe(false);
    await expectNoLeaks(controller.signal);
    await stream.drained();
  });

  it('left with break while a message is unsettled: cleaned up once it is acked', async () => {
    const fake = new FakeSqs().enqueue(sqsMessage('kept'));
    const controller = new AbortController();
    const stream = streamOver(fake, { signal: controller.signal, maxInFlight: 1 });

    let kept: LeasedMessage | undefined;
    for await (const message of stream) {
      kept = message;
      break;
    }
    expect(kept!.signal.aborted).toBe(false);
    await kept!.ack();
    await stream.drained();

    expect(fake.deleted).toEqual([kept!.receiptHandle]);
    await expectNoLeaks(controller.signal);
  });

  it('left with break while a message is unsettled: released at shutdownTimeout', async () => {
    const fake = new FakeSqs().enqueue(sqsMessage('slow'));
    const controller = new AbortController();
    const stream = streamOver(fake, {
      signal: controller.signal,
      maxInFlight: 1,
      shutdownTimeout: 0.05,
    });

    let slow: LeasedMessage | undefined;
    for await (const message of stream) {
      slow = message;
      break;
    }
    await stream.drained();

    expect(slow!.signal.aborted).toBe(true);
    expect(slow!.signal.reason).toBeInstanceOf(LeaseLostError);
    expect(slow!.signal.reason).toMatchObject({ reason: 'shutdown' });
    expect(fake.visibilityChanges).toEqual([
      expect.objectContaining({ receiptHandle: slow!.receiptHandle, timeoutSecs: 0 }),
    ]);
    await expectNoLeaks(controller.signal);
  });

  it('ended by a handler that throws inside for await', async () => {
    const fake = new FakeSqs().enqueue(...scriptedMessages(2));
    const controller = new AbortController();
    const stream = streamOver(fake, { signal: controller.signal, maxInFlight: 2 });

    await expect(
      (async () => {
        for await (const message of stream) {
          message.nack();
          throw new Error('handler failed');
        }
      })(),
    ).rejects.toThrow('handler failed');
    await stream.drained();

    await expectNoLeaks(controller.signal);
  });

  it('ended by a fatal receive error', async () => {
    const fake = new FakeSqs();
    fake.failRequest('ReceiveMessage', queueDoesNotExistError(), Number.POSITIVE_INFINITY);
    const controller = new AbortController();
    const stream = streamOver(fake, { signal: controller.signal });

    await expect(
      (async () => {
        for await (const _ of stream) {
          // never reached
        }
      })(),
    ).rejects.toBeInstanceOf(ReceiveError);

    await expectNoLeaks(controller.signal);
  });

  it('ended by a signal that was aborted before the iteration started', async () => {
    const fake = new FakeSqs().enqueue(sqsMessage('untouched'));
    const controller = new AbortController();
    controller.abort();
    const stream = streamOver(fake, { signal: controller.signal });

    const seen: string[] = [];
    for await (const message of stream) seen.push(message.messageId);

    expect(seen).toEqual([]);
    expect(fake.sent('ReceiveMessage')).toHaveLength(0);
    await expectNoLeaks(controller.signal);
  });
});
