/**
 * Composition keeps its promise: a listener declares what its workers can hold, and a stream
 * whose maxInFlight was left to its default fits itself to it. An explicit lower maxInFlight is
 * respected, with one warning naming both numbers.
 */
import { filter } from 'ix/Ix.asynciterable.operators';
import { afterEach, describe, expect, it } from 'vitest';
import {
  batchListener,
  type LeasedMessage,
  type Logger,
  perMessageListener,
  silentLogger,
  sqsMessages,
} from '../../src/index.js';
import { createInMemorySqs } from '../../src/testing/index.js';
import { startListener, stopAllListeners } from '../support/listen.js';
import {
  createQueue,
  eventually,
  numbered,
  queueCounts,
  sendMessages,
  sleep,
} from '../support/sqs.js';

afterEach(stopAllListeners);

/** A handler taking `ms`, recording how many run at once and when the first started and last ended. */
function timed(ms: number) {
  const seen = { running: 0, max: 0, done: 0, firstStart: 0, lastEnd: 0 };
  const handler = async (_m: LeasedMessage) => {
    if (seen.firstStart === 0) seen.firstStart = performance.now();
    seen.running++;
    seen.max = Math.max(seen.max, seen.running);
    await sleep(ms);
    seen.running--;
    seen.done++;
    seen.lastEnd = performance.now();
  };
  return { seen, handler };
}

function warnings(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: { ...silentLogger, warn: (message) => void lines.push(message) }, lines };
}

describe('a listener over a default sqsMessages() (fauxqs)', () => {
  it('workerThreads 30: 30 handlers of 2 s run at once and all finish in about one handler time', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 4 });
    await sendMessages(queueUrl, numbered(30));
    const { seen, handler } = timed(2_000);
    const listener = perMessageListener(handler, {
      workerThreads: 30,
      logger: silentLogger,
      env: {},
    });
    // No maxInFlight: the default (2 × batchSize = 20) would have run 20, then 10.
    const run = startListener(listener, queueUrl, { visibilitySecs: 4 });
    expect(await eventually(() => seen.done === 30, 15_000)).toBe(true);
    const result = await run.stop();
    expect(seen.max).toBe(30);
    expect(seen.lastEnd - seen.firstStart).toBeLessThan(3_500);
    // 30 handlers plus a batch for each of the 20 receives that may be in flight.
    expect(run.stream.config.maxInFlight).toBe(230);
    expect(result).toMatchObject({ processed: 30, succeeded: 30 });
    expect(await queueCounts(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('an explicit lower maxInFlight is respected, with one warning naming both numbers', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 10 });
    await sendMessages(queueUrl, numbered(20));
    const { seen, handler } = timed(300);
    const listener = perMessageListener(handler, {
      workerThreads: 30,
      logger: silentLogger,
      env: {},
    });
    const { logger, lines } = warnings();
    const run = startListener(listener, queueUrl, { maxInFlight: 10, logger });
    expect(await eventually(() => seen.done === 20, 15_000)).toBe(true);
    await run.stop();
    expect(seen.max).toBeLessThanOrEqual(10);
    expect(run.stream.config.maxInFlight).toBe(10);
    const demand = lines.filter((l) => l.includes('maxInFlight'));
    expect(demand).toHaveLength(1);
    expect(demand[0]).toContain('10');
    expect(demand[0]).toContain('40');
  });
});

describe('the declared demand (in-memory SQS)', () => {
  const sqs = createInMemorySqs();
  const queueUrl = sqs.createQueue('demand');
  const open = (
    options: { maxInFlight?: number; env?: Record<string, string> },
    logger = silentLogger,
  ) =>
    sqsMessages(queueUrl, {
      client: sqs.client,
      signal: AbortSignal.abort(),
      logger,
      env: {},
      ...options,
    });

  it.each([
    [
      'per-message, workerThreads 30',
      () => perMessageListener(() => {}, { workerThreads: 30, env: {} }),
      230,
      4,
    ],
    [
      'per-message, workerThreads 1',
      () => perMessageListener(() => {}, { workerThreads: 1, env: {} }),
      201,
      1,
    ],
    [
      'batch, 3 × batches of 10',
      () => batchListener(() => {}, { workerThreads: 3, env: {} }),
      230,
      4,
    ],
    [
      'batch, 2 × batches of 50 (window)',
      () =>
        batchListener(() => {}, { workerThreads: 2, batchSize: 50, batchWindowMs: 10, env: {} }),
      300,
      4,
    ],
  ])(
    '%s: a default stream takes the demand plus a batch per receive in flight',
    async (_name, make, maxInFlight, _receives) => {
      const stream = open({});
      await make()(stream);
      expect(stream.config.maxInFlight).toBe(maxInFlight);
      // Receives in flight adapt to the free slots (issue 14), up to maxConcurrentReceives.
      expect(stream.config.concurrentReceives).toBeUndefined();
      expect(stream.config.maxConcurrentReceives).toBe(20);
    },
  );

  it.each([
    ['the option', { maxInFlight: 12 }],
    ['MAX_IN_FLIGHT', { env: { MAX_IN_FLIGHT: '12' } }],
  ])(
    'set by %s, maxInFlight is kept, with one warning however often it is declared',
    async (_name, options) => {
      const { logger, lines } = warnings();
      const stream = open(options, logger);
      const listener = perMessageListener(() => {}, { workerThreads: 30, env: {} });
      await listener(stream);
      await listener(stream);
      expect(stream.config.maxInFlight).toBe(12);
      expect(lines).toEqual([expect.stringMatching(/maxInFlight 12 .*\b40\b/)]);
    },
  );

  it('through an ix operator the declaration cannot reach the stream: its default stays', async () => {
    const stream = open({});
    await perMessageListener(() => {}, { workerThreads: 30, env: {} })(
      stream.pipe(filter(() => true)),
    );
    expect(stream.config.maxInFlight).toBe(20);
  });
});
