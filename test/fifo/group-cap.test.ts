/**
 * `maxConcurrentPerGroup` on fair queues (group ids on a standard queue), against the in-memory
 * SQS, which keeps MessageGroupId on standard queues as SQS does (fauxqs 1.9.2 does not; the
 * end-to-end test on fauxqs is group-cap-fauxqs.test.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sqsMessages } from '../../src/core/sqs-messages.js';
import {
  batchListener,
  ConfigError,
  type LeasedMessage,
  type Listener,
  perMessageListener,
} from '../../src/index.js';
import { resolveListenerPolicy } from '../../src/listeners/listener-config.js';
import { silentLogger } from '../../src/shared/logger.js';
import { createInMemorySqs, type InMemorySqs } from '../../src/testing/index.js';
import { eventually, sleep } from '../support/sqs.js';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

/** Runs `listener` over a stream on the in-memory queue; `stop()` aborts and drains. */
function run(sqs: InMemorySqs, queueUrl: string, listener: Listener) {
  const controller = new AbortController();
  const stream = sqsMessages(queueUrl, {
    client: sqs.client,
    signal: controller.signal,
    waitTime: 1,
    idleSleepMax: 0,
    visibilitySecs: 30,
    logger: silentLogger,
    env: {},
  });
  const done = listener(stream);
  const stop = async () => {
    controller.abort();
    const result = await done;
    await stream.drained();
    return result;
  };
  stops.push(stop);
  return { stop };
}

/** Noisy first (as a backlog), then two messages for each of nine quiet groups. */
function fill(sqs: InMemorySqs, queueUrl: string, noisy: number): number {
  for (let n = 0; n < noisy; n++)
    sqs.sendMessage(queueUrl, { g: 'noisy', n }, { groupId: 'noisy' });
  for (let q = 1; q <= 9; q++) {
    for (let n = 0; n < 2; n++) sqs.sendMessage(queueUrl, { g: `q${q}`, n }, { groupId: `q${q}` });
  }
  return noisy + 18;
}

/** Records what runs: the most of one group at once, each id handled, and progress. */
class Recorder {
  readonly running = new Map<string, number>();
  readonly most = new Map<string, number>();
  readonly handled: string[] = [];
  noisyDone = 0;
  quietDone = 0;
  /** How many noisy messages had been handled when the last quiet one finished. */
  noisyWhenQuietFinished = -1;

  async handle(m: LeasedMessage, ms: number): Promise<void> {
    const group = m.groupId ?? '';
    const now = (this.running.get(group) ?? 0) + 1;
    this.running.set(group, now);
    this.most.set(group, Math.max(this.most.get(group) ?? 0, now));
    await sleep(group === 'noisy' ? ms : 1);
    this.running.set(group, (this.running.get(group) ?? 1) - 1);
    this.handled.push(m.messageId);
    if (group === 'noisy') this.noisyDone++;
    else if (++this.quietDone === 18) this.noisyWhenQuietFinished = this.noisyDone;
  }
}

describe('maxConcurrentPerGroup (per-message)', () => {
  it('caps a noisy group; the quiet groups are handled while it is backlogged; nothing twice', async () => {
    const sqs = createInMemorySqs();
    const queueUrl = sqs.createQueue('fair');
    const total = fill(sqs, queueUrl, 40);
    const rec = new Recorder();
    const listener = perMessageListener((m) => rec.handle(m, 30), {
      workerThreads: 10,
      maxConcurrentPerGroup: 2,
      logger: silentLogger,
      env: {},
    });
    const { stop } = run(sqs, queueUrl, listener);
    expect(await eventually(() => rec.handled.length === total, 20_000)).toBe(true);
    const result = await stop();
    expect(rec.most.get('noisy')).toBe(2);
    // 40 noisy at 2 × 30 ms take ≥ 600 ms; the quiet ones need a few ms each beside them.
    expect(rec.noisyWhenQuietFinished).toBeGreaterThanOrEqual(0);
    expect(rec.noisyWhenQuietFinished).toBeLessThan(20);
    expect(new Set(rec.handled).size).toBe(total);
    expect(result.deferred).toBeGreaterThan(0);
    expect(result).toMatchObject({ processed: total, succeeded: total, failed: 0 });
    expect(sqs.counts(queueUrl)).toMatchObject({
      visible: 0,
      inFlight: 0,
      delayed: 0,
      deleted: total,
    });
  });

  it('messages without a group id are not capped', async () => {
    const sqs = createInMemorySqs();
    const queueUrl = sqs.createQueue('plain');
    sqs.sendMessages(
      queueUrl,
      Array.from({ length: 8 }, (_, n) => ({ n })),
    );
    let running = 0;
    let most = 0;
    let handled = 0;
    const listener = perMessageListener(
      async () => {
        most = Math.max(most, ++running);
        await sleep(30);
        running--;
        handled++;
      },
      { workerThreads: 4, maxConcurrentPerGroup: 1, logger: silentLogger, env: {} },
    );
    const { stop } = run(sqs, queueUrl, listener);
    expect(await eventually(() => handled === 8, 10_000)).toBe(true);
    const result = await stop();
    expect(most).toBe(4);
    expect(result.deferred ?? 0).toBe(0);
  });

  it('a FIFO queue ignores the cap: one group still runs one at a time, in order', async () => {
    const sqs = createInMemorySqs();
    const queueUrl = sqs.createQueue('orders', { fifo: true });
    sqs.sendMessages(
      queueUrl,
      Array.from({ length: 5 }, (_, n) => ({ n })),
      { groupId: 'g' },
    );
    const order: number[] = [];
    let running = 0;
    let most = 0;
    const notes: string[] = [];
    const logger = { ...silentLogger, debug: (message: string) => notes.push(message) };
    const listener = perMessageListener(
      async (m) => {
        most = Math.max(most, ++running);
        await sleep(10);
        order.push((m.json as { n: number }).n);
        running--;
      },
      { workerThreads: 4, maxConcurrentPerGroup: 3, logger, env: {} },
    );
    const { stop } = run(sqs, queueUrl, listener);
    expect(await eventually(() => order.length === 5, 10_000)).toBe(true);
    const result = await stop();
    expect(most).toBe(1);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(result.deferred ?? 0).toBe(0);
    expect(notes.filter((n) => n.includes('does not apply to a FIFO queue'))).toHaveLength(1);
  });

  it('a stop gives back the messages waiting for their group: nothing lost, nothing in flight', async () => {
    const sqs = createInMemorySqs();
    const queueUrl = sqs.createQueue('stopping');
    for (let n = 0; n < 20; n++) sqs.sendMessage(queueUrl, { n }, { groupId: 'noisy' });
    let started = 0;
    const listener = perMessageListener(
      async () => {
        started++;
        // Longer than the open 1 s poll a stop waits for: the listener sees the end while the
        // parked messages still wait.
        await sleep(1_500);
      },
      { workerThreads: 4, maxConcurrentPerGroup: 2, logger: silentLogger, env: {} },
    );
    const { stop } = run(sqs, queueUrl, listener);
    expect(await eventually(() => started === 2, 5_000)).toBe(true);
    const result = await stop();
    // The two parked ones were given back unhandled at the stop; the 16 deferred before any
    // handler finished (no pace yet: 1 s) are back too. Only the two that ran were deleted.
    expect(started).toBe(2);
    expect(result.deferred).toBe(18);
    expect(sqs.counts(queueUrl)).toMatchObject({
      visible: 18,
      inFlight: 0,
      delayed: 0,
      deleted: 2,
    });
  });

  it('never defers a message into the dead-letter queue: with maxReceiveCount 2 it is parked instead', async () => {
    const sqs = createInMemorySqs();
    // A deferral would leave no retry: every message over the cap is parked, none deferred.
    const queueUrl = sqs.createQueue('redriven', { deadLetterQueue: { maxReceiveCount: 2 } });
    const total = fill(sqs, queueUrl, 40);
    const rec = new Recorder();
    const listener = perMessageListener((m) => rec.handle(m, 20), {
      workerThreads: 4,
      maxConcurrentPerGroup: 1,
      logger: silentLogger,
      env: {},
    });
    const { stop } = run(sqs, queueUrl, listener);
    expect(await eventually(() => rec.handled.length === total, 20_000)).toBe(true);
    const result = await stop();
    expect(result.deferred ?? 0).toBe(0);
    expect(rec.most.get('noisy')).toBe(1);
    expect(new Set(rec.handled).size).toBe(total);
    expect(sqs.counts(queueUrl)).toMatchObject({ deleted: total, deadLettered: 0, inFlight: 0 });
  });
});

describe('maxConcurrentPerGroup (batch)', () => {
  it('counts messages in running batches; the quiet groups are handled while the noisy one waits', async () => {
    const sqs = createInMemorySqs();
    const queueUrl = sqs.createQueue('fair-batch');
    const total = fill(sqs, queueUrl, 60);
    const running = new Map<string, number>();
    const most = new Map<string, number>();
    const handled: string[] = [];
    let noisyDone = 0;
    let quietDone = 0;
    let noisyWhenQuietFinished = -1;
    const listener = batchListener(
      async (messages: LeasedMessage[]) => {
        const groups = messages.map((m) => m.groupId ?? '');
        for (const g of groups) {
          running.set(g, (running.get(g) ?? 0) + 1);
          most.set(g, Math.max(most.get(g) ?? 0, running.get(g) ?? 0));
        }
        await sleep(groups.includes('noisy') ? 30 : 1);
        for (const g of groups) running.set(g, (running.get(g) ?? 1) - 1);
        for (const m of messages) handled.push(m.messageId);
        noisyDone += groups.filter((g) => g === 'noisy').length;
        quietDone += groups.filter((g) => g !== 'noisy').length;
        if (quietDone === 18 && noisyWhenQuietFinished < 0) noisyWhenQuietFinished = noisyDone;
      },
      { workerThreads: 4, batchSize: 10, maxConcurrentPerGroup: 2, logger: silentLogger, env: {} },
    );
    const { stop } = run(sqs, queueUrl, listener);
    expect(await eventually(() => handled.length === total, 20_000)).toBe(true);
    const result = await stop();
    expect(most.get('noisy')).toBe(2);
    expect(noisyWhenQuietFinished).toBeGreaterThanOrEqual(0);
    expect(noisyWhenQuietFinished).toBeLessThan(30);
    expect(new Set(handled).size).toBe(total);
    expect(result).toMatchObject({ processed: total, succeeded: total });
    expect(sqs.counts(queueUrl)).toMatchObject({ visible: 0, inFlight: 0, deleted: total });
  });
});

describe('maxConcurrentPerGroup configuration', () => {
  it('an explicit value or MAX_CONCURRENT_PER_GROUP; unset means no cap', () => {
    expect(resolveListenerPolicy({ env: {} }).maxConcurrentPerGroup).toBeUndefined();
    expect(resolveListenerPolicy({ env: {}, maxConcurrentPerGroup: 3 }).maxConcurrentPerGroup).toBe(
      3,
    );
    const fromEnv = resolveListenerPolicy({ env: { MAX_CONCURRENT_PER_GROUP: ' 2 ' } });
    expect(fromEnv.maxConcurrentPerGroup).toBe(2);
    const both = { env: { MAX_CONCURRENT_PER_GROUP: '2' }, maxConcurrentPerGroup: 5 };
    expect(resolveListenerPolicy(both).maxConcurrentPerGroup).toBe(5);
  });

  it.each([0, -1, 1.5, 10_001, Number.NaN, Number.POSITIVE_INFINITY, '2'])(
    'rejects the option %s with a ConfigError naming option, variable and range',
    (value) => {
      const make = () =>
        perMessageListener(() => {}, { env: {}, maxConcurrentPerGroup: value as number });
      expect(make).toThrow(ConfigError);
      expect(make).toThrow(/maxConcurrentPerGroup/);
      expect(make).toThrow(/MAX_CONCURRENT_PER_GROUP/);
      expect(make).toThrow(/an integer from 1 to 10000/);
    },
  );

  it.each(['0', '', 'abc', '2.5', '1e1', '10001'])('rejects MAX_CONCURRENT_PER_GROUP=%j', (raw) => {
    const make = () => batchListener(() => {}, { env: { MAX_CONCURRENT_PER_GROUP: raw } });
    expect(make).toThrow(ConfigError);
    expect(make).toThrow(/MAX_CONCURRENT_PER_GROUP/);
    expect(make).toThrow(JSON.stringify(raw));
  });
});
