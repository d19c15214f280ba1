/** filter(), onSuccess/onFailure hooks, and giving up on non-retryable failures, against fauxqs. */
import { afterEach, describe, expect, it } from 'vitest';
import {
  batchListener,
  type LeasedMessage,
  NonRetryableError,
  perMessageListener,
} from '../../src/index.js';
import { silentLogger } from '../../src/shared/logger.js';
import { startListener, stopAllListeners } from '../support/listen.js';
import {
  adminClient,
  createQueue,
  eventually,
  queueCounts,
  receiveNow,
  sendMessages,
} from '../support/sqs.js';

afterEach(stopAllListeners);

describe('filter', () => {
  it('releases rejected messages at once, counts them, and handles the rest', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    await sendMessages(queueUrl, ['keep-1', 'skip', 'keep-2', 'keep-3']);
    const handled: string[] = [];
    const listener = perMessageListener((m) => void handled.push(m.body), {
      filter: (m) => m.body !== 'skip',
      logger: silentLogger,
      env: {},
    });
    const run = startListener(listener, queueUrl, { visibilitySecs: 30 });
    expect(await eventually(() => handled.length === 3, 10_000)).toBe(true);
    const result = await run.stop();
    expect(handled.sort()).toEqual(['keep-1', 'keep-2', 'keep-3']);
    expect(result.filtered).toBeGreaterThanOrEqual(1);
    expect(result).toMatchObject({ processed: 3, succeeded: 3, failed: 0 });
    // Released, not waiting out the 30 s visibility: another consumer gets it now.
    const again = await receiveNow(queueUrl, { waitTime: 2 });
    expect(again.map((m) => m.Body)).toEqual(['skip']);
  });

  it('in batch mode the handler never sees rejected messages', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    await sendMessages(queueUrl, ['a', 'skip', 'b']);
    const seen: string[] = [];
    const listener = batchListener(
      (batch: LeasedMessage[]) => void seen.push(...batch.map((m) => m.body)),
      {
        filter: async (m) => m.body !== 'skip',
        logger: silentLogger,
        env: {},
      },
    );
    const run = startListener(listener, queueUrl, { visibilitySecs: 30 });
    expect(await eventually(() => seen.length === 2, 10_000)).toBe(true);
    await run.stop();
    expect(seen.sort()).toEqual(['a', 'b']);
    expect((await receiveNow(queueUrl, { waitTime: 2 })).map((m) => m.Body)).toEqual(['skip']);
  });
});

describe('hooks', () => {
  it('onSuccess/onFailure see each outcome; a throwing hook is logged and changes nothing', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 1 });
    await sendMessages(queueUrl, ['ok-1', 'ok-2', 'bad']);
    const successes: string[] = [];
    const failures: Array<[string, unknown]> = [];
    const errors: string[] = [];
    const listener = perMessageListener(
      (m) => {
        if (m.body === 'bad' && m.receiveCount === 1) throw new Error('boom');
      },
      {
        onSuccess: (m) => {
          successes.push(m.body);
          throw new Error('hook bug'); // must not turn a success into a failure
        },
        onFailure: async (m, error) => {
          failures.push([m.body, error]);
          throw new Error('hook bug');
        },
        logger: { ...silentLogger, error: (msg) => void errors.push(msg) },
        env: {},
      },
    );
    const run = startListener(listener, queueUrl, { visibilitySecs: 1 });
    expect(await eventually(() => successes.length === 3, 10_000)).toBe(true);
    const result = await run.stop();
    expect(successes.sort()).toEqual(['bad', 'ok-1', 'ok-2']);
    expect(failures).toHaveLength(1);
    expect(failures[0]![0]).toBe('bad');
    expect((failures[0]![1] as Error).message).toBe('boom');
    expect(errors.filter((e) => e.includes('hook threw'))).toHaveLength(4);
    expect(result).toMatchObject({ processed: 4, succeeded: 3, failed: 1 });
    expect(await queueCounts(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });
});

describe('non-retryable failures', () => {
  it.each([
    ['per-message', 'per_message'],
    ['batch', 'batch'],
  ] as const)(
    "%s: move to the DLQ of the queue's redrive policy at once, not after maxReceiveCount",
    async (_name, mode) => {
      const { queueUrl, dlqUrl } = await createQueue({ visibilitySecs: 1, maxReceiveCount: 5 });
      await sendMessages(queueUrl, ['poison', 'fine']);
      const deliveries: string[] = [];
      const fail = (m: LeasedMessage) => {
        deliveries.push(m.body);
        if (m.body === 'poison') throw new NonRetryableError('malformed order');
      };
      const options = { logger: silentLogger, env: {} };
      const listener =
        mode === 'batch'
          ? batchListener((batch) => batch.forEach(fail), { ...options, batchSize: 1 })
          : perMessageListener(fail, options);
      const run = startListener(listener, queueUrl, { visibilitySecs: 1 });
      expect(await eventually(async () => (await queueCounts(dlqUrl!)).visible === 1, 10_000)).toBe(
        true,
      );
      const result = await run.stop();
      expect(deliveries.sort()).toEqual(['fine', 'poison']);
      expect(result).toMatchObject({ processed: 2, succeeded: 1, failed: 1, gaveUp: 1 });
      expect(await queueCounts(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
      const parked = await receiveNow(dlqUrl!);
      expect(parked.map((m) => [m.Body, m.Attributes?.ApproximateReceiveCount])).toEqual([
        ['poison', '1'],
      ]);
    },
  );

  it('without a redrive policy: deleted, logged at ERROR with the id and the start of the body', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 1 });
    const body = `poison ${'x'.repeat(300)}`;
    const [poisonId] = await sendMessages(queueUrl, [body, 'fine']);
    const errors: Array<[string, Record<string, unknown> | undefined]> = [];
    const listener = perMessageListener(
      (m) => {
        if (m.body.startsWith('poison')) throw new NonRetryableError('malformed order');
      },
      {
        logger: { ...silentLogger, error: (msg, fields) => void errors.push([msg, fields]) },
        env: {},
      },
    );
    const run = startListener(listener, queueUrl, { visibilitySecs: 1 });
    const emptied = async () => {
      const { visible, inFlight } = await queueCounts(queueUrl);
      return visible + inFlight === 0;
    };
    expect(await eventually(emptied, 10_000)).toBe(true);
    const result = await run.stop();
    expect(result).toMatchObject({ processed: 2, succeeded: 1, failed: 1, gaveUp: 1 });
    const deleted = errors.filter(([msg]) => msg.includes('no dead-letter queue'));
    expect(deleted).toHaveLength(1);
    expect(deleted[0]![1]).toMatchObject({ messageId: poisonId, body: body.slice(0, 200) });
  });

  it('move to deadLetterQueueUrl when one is given (isNonRetryable decides)', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 1 });
    const { queueUrl: parkingUrl } = await createQueue({ name: 'parking' });
    await sendMessages(queueUrl, ['{"version": 1}', '{"version": 99}']);
    const listener = perMessageListener(
      (m) => {
        if ((m.json as { version: number }).version > 1) throw new RangeError('unknown version');
      },
      {
        isNonRetryable: (error) => error instanceof RangeError,
        deadLetterQueueUrl: parkingUrl,
        client: adminClient(),
        logger: silentLogger,
        env: {},
      },
    );
    const run = startListener(listener, queueUrl, { visibilitySecs: 1 });
    expect(
      await eventually(async () => (await queueCounts(parkingUrl)).visible === 1, 10_000),
    ).toBe(true);
    const result = await run.stop();
    expect(result).toMatchObject({ succeeded: 1, gaveUp: 1 });
    expect(await queueCounts(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    const parked = await receiveNow(parkingUrl);
    expect(parked.map((m) => m.Body)).toEqual(['{"version": 99}']);
  });
});
