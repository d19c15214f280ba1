/** Shared set-up for unit tests: a stream over a FakeSqs, a fake clock, and taking messages. */
import { vi } from 'vitest';
import type { LeasedMessage } from '../../src/core/leased-message.js';
import { type SqsMessageStream, sqsMessages } from '../../src/core/sqs-messages.js';
import type { SqsMessagesOptions } from '../../src/core/stream-config.js';
import { perMessageListener } from '../../src/listeners/per-message.js';
import { silentLogger } from '../../src/shared/logger.js';
import { FakeSqs, sqsMessages as fakeMessages } from './fake-sqs.js';

export const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/unit-queue';

/**
 * Fake timers, Date and `performance` (the library's deadlines use `performance.now()`),
 * starting at a fixed time. Leaves queueMicrotask/nextTick/setImmediate real.
 */
export function useFakeClock(): void {
  vi.useFakeTimers({
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'],
    now: new Date('2025-01-01T00:00:00Z'),
  });
}

export interface OpenStream {
  fake: FakeSqs;
  stream: SqsMessageStream;
  iterator: AsyncIterableIterator<LeasedMessage>;
  controller: AbortController;
  /** Ends the iteration (advancing the fake clock if it is installed) and waits for it. */
  close(): Promise<void>;
}

/**
 * Opens one iteration of `sqsMessages()` over a FakeSqs. Defaults suit unit tests: 20 s long
 * polls on the fake clock, no idle sleep, a silent logger, no environment.
 */
export function openStream(
  options: SqsMessagesOptions = {},
  fake: FakeSqs = new FakeSqs(),
): OpenStream {
  const controller = new AbortController();
  const stream = sqsMessages(QUEUE_URL, {
    client: fake.client,
    signal: controller.signal,
    idleSleepMax: 0,
    logger: silentLogger,
    env: {},
    ...options,
  });
  const iterator = stream[Symbol.asyncIterator]();
  return {
    fake,
    stream,
    iterator,
    controller,
    close: async () => {
      controller.abort();
      const done = iterator.return?.();
      if (vi.isFakeTimers()) await vi.advanceTimersByTimeAsync(60_000);
      await done;
    },
  };
}

/** Takes `count` messages from the iterator, failing if it ends first. */
export async function take(
  iterator: AsyncIterator<LeasedMessage>,
  count: number,
): Promise<LeasedMessage[]> {
  const out: LeasedMessage[] = [];
  for (let i = 0; i < count; i++) {
    const next = await iterator.next();
    if (next.done) throw new Error(`stream ended after ${out.length} of ${count} messages`);
    out.push(next.value);
  }
  return out;
}

/** The outcome of a settle promise, without letting it reject. */
export async function outcome(
  promise: Promise<unknown>,
): Promise<{ ok: true } | { ok: false; error: unknown }> {
  try {
    await promise;
    return { ok: true };
  } catch (error) {
    return { ok: false, error };
  }
}

/**
 * A per-message listener whose handlers never finish on their own, over a stream of `count`
 * messages: what "every slot busy" looks like. `stop()` aborts, lets the handlers finish and
 * waits for the listener (on the fake clock).
 */
export async function busyListener(count: number, workerThreads: number) {
  const fake = new FakeSqs().enqueue(...fakeMessages(count));
  const controller = new AbortController();
  const stream = sqsMessages(QUEUE_URL, {
    client: fake.client,
    signal: controller.signal,
    waitTime: 20,
    idleSleepMax: 0,
    logger: silentLogger,
    env: {},
  });
  const running: Array<() => void> = [];
  const listening = perMessageListener(
    () => new Promise<void>((resolve) => running.push(resolve)),
    { workerThreads, logger: silentLogger, env: {} },
  )(stream);
  // The listener starts after real I/O (it loads its optional parts lazily).
  await vi.waitFor(
    () => {
      if (fake.queued >= count) throw new Error('nothing received yet');
    },
    { timeout: 5_000 },
  );
  const stop = async () => {
    controller.abort();
    for (const finish of running.splice(0)) finish();
    await vi.advanceTimersByTimeAsync(60_000);
    await listening;
  };
  return { fake, stream, stop };
}
