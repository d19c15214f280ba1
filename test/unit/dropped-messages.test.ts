/**
 * A handed-out message that is garbage-collected unsettled (dropped without ack() or nack()) is
 * released: visibility 0, its maxInFlight slot freed, one WARN per stream then DEBUG. Settled
 * messages leave nothing registered, and a stream that ended is not touched by late finalizers.
 * In-process: `gc` from V8's flag (test/integration/dropped-messages.test.ts runs the review's
 * case under `node --expose-gc`).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LeasedMessage } from '../../src/core/leased-message.js';
import { type SqsMessageStream, sqsMessages } from '../../src/core/sqs-messages.js';
import type { SqsMessagesOptions } from '../../src/core/stream-config.js';
import type { Logger } from '../../src/shared/logger.js';
import { silentLogger } from '../../src/shared/logger.js';
import { FakeSqs, sqsMessage } from '../support/fake-sqs.js';
import {
  nextMacrotask,
  type RejectionRecorder,
  recordUnhandledRejections,
  settle,
  type TimerTracker,
  trackTimers,
} from '../support/leaks.js';
import { QUEUE_URL } from '../support/unit.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let tracker: TimerTracker;
let recorder: RejectionRecorder;

beforeEach(() => {
  tracker = trackTimers();
  recorder = recordUnhandledRejections();
});

afterEach(() => {
  tracker.restore();
  recorder.stop();
});

function streamOver(fake: FakeSqs, options: SqsMessagesOptions = {}): SqsMessageStream {
  return sqsMessages(QUEUE_URL, {
    client: fake.client,
    idleSleepMax: 0,
    logger: silentLogger,
    env: {},
    ...options,
  });
}

/** Takes one message and forgets it: only its id and receipt handle stay reachable. */
async function takeAndDrop(
  iterator: AsyncIterator<LeasedMessage>,
): Promise<{ messageId: string; receiptHandle: string }> {
  const { value } = await iterator.next();
  return { messageId: value.messageId, receiptHandle: value.receiptHandle };
}

/** Collects garbage and lets finalizers and what they started run, until `check` holds. */
async function collectUntil(check: () => boolean, timeoutMs = 2_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not reached in time');
    gc();
    await settle();
  }
}

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (message: string, fields?: object) => {
    lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

describe('a handed-out message collected unsettled', () => {
  it('is released at once and frees its maxInFlight slot', async () => {
    const fake = new FakeSqs().enqueue(sqsMessage('dropped'), sqsMessage('next'));
    const controller = new AbortController();
    const stream = streamOver(fake, { signal: controller.signal, maxInFlight: 1 });
    const iterator = stream[Symbol.asyncIterator]();

    const dropped = await takeAndDrop(iterator);
    await collectUntil(() => fake.visibilityChanges.length > 0);

    expect(fake.visibilityChanges).toEqual([
      expect.objectContaining({ receiptHandle: dropped.receiptHandle, timeoutSecs: 0 }),
    ]);
    expect(stream.stats()).toMatchObject({ dropped: 1, released: 1 });
    // The slot is free again: the next message is received and handed out.
    const { value: next } = await iterator.next();
    expect(next.messageId).toBe('next');
    await next.ack();
    controller.abort();
    await iterator.return?.();
    await stream.drained();
    expect(recorder.reasons).toEqual([]);
  });

  it('warns once per stream, naming the message and the likely cause; later ones at DEBUG', async () => {
    const fake = new FakeSqs().enqueue(sqsMessage('a'), sqsMessage('b'), sqsMessage('c'));
    const logger = recordingLogger();
    const controller = new AbortController();
    const stream = streamOver(fake, { signal: controller.signal, maxInFlight: 3, logger });
    const iterator = stream[Symbol.asyncIterator]();

    for (let i = 0; i < 3; i++) await takeAndDrop(iterator);
    await collectUntil(() => stream.stats().dropped === 3);

    const about = logger.lines.filter((l) => l.includes('dropped without ack() or nack()'));
    expect(about.filter((l) => l.startsWith('warn '))).toHaveLength(1);
    expect(about.filter((l) => l.startsWith('debug '))).toHaveLength(2);
    const warning = about.find((l) => l.startsWith('warn '))!;
    expect(warning).toMatch(/"messageId":"[abc]"/);
    expect(warning).toContain('filter()');
    controller.abort();
    await iterator.return?.();
    await stream.drained();
  });

  it('lets a stream ended with break drain, with no shutdownTimeout, and leaves no timer', async () => {
    const fake = new FakeSqs().enqueue(sqsMessage('forgotten'));
    const controller = new AbortController();
    const stream = streamOver(fake, { signal: controller.signal, maxInFlight: 1 });
    const iterator = stream[Symbol.asyncIterator]();

    const dropped = await takeAndDrop(iterator);
    await iterator.return?.();
    let drained = false;
    void stream.drained().then(() => {
      drained = true;
    });
    await collectUntil(() => drained);

    expect(fake.visibilityChanges).toEqual([
      expect.objectContaining({ receiptHandle: dropped.receiptHandle, timeoutSecs: 0 }),
    ]);
    await settle();
    expect(tracker.pending()).toEqual([]);
    expect(recorder.reasons).toEqual([]);
  });
});

describe('finalizers that have nothing to do', () => {
  it('a settled message collected later, after the stream ended, sends nothing', async () => {
    const fake = new FakeSqs().enqueue(sqsMessage('acked'), sqsMessage('nacked'));
    const controller = new AbortController();
    const stream = streamOver(fake, { signal: controller.signal, maxInFlight: 2 });
    const iterator = stream[Symbol.asyncIterator]();

    await (async () => {
      const { value: acked } = await iterator.next();
      const { value: nacked } = await iterator.next();
      await acked.ack();
      await nacked.nack();
    })();
    controller.abort();
    await iterator.return?.();
    await stream.drained();
    const sent = fake.commands.length;
    // Enough rounds for any finalizer to have run.
    for (let i = 0; i < 5; i++) {
      gc();
      await nextMacrotask();
    }
    await settle();

    expect(fake.commands.length).toBe(sent);
    expect(fake.visibilityChanges).toEqual([]);
    expect(stream.stats()).toMatchObject({ dropped: 0, released: 0, acked: 1, nacked: 1 });
    expect(tracker.pending()).toEqual([]);
  });
});
