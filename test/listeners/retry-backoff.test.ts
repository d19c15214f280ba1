/** Retry backoff from the receive count: grows, stays under the cap, and is what SQS is asked for. */
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConfigError,
  perMessageListener,
  resolveRetryPolicy,
  retryDelaySeconds,
} from '../../src/index.js';
import { silentLogger } from '../../src/shared/logger.js';
import { startListener, stopAllListeners } from '../support/listen.js';
import {
  countingClient,
  createQueue,
  entriesOf,
  eventually,
  queueCounts,
  requestsOf,
  sendMessages,
} from '../support/sqs.js';

afterEach(stopAllListeners);

describe('retryDelaySeconds', () => {
  const policy = resolveRetryPolicy({ baseSeconds: 2, maxSeconds: 100, jitter: false })!;

  it('doubles with each receive and stops at the cap', () => {
    const delays = Array.from({ length: 12 }, (_, i) => retryDelaySeconds(policy, i + 1));
    expect(delays).toEqual([2, 4, 8, 16, 32, 64, 100, 100, 100, 100, 100, 100]);
  });

  it('with jitter stays between half and all of the delay, never above the cap', () => {
    const jittered = resolveRetryPolicy({ baseSeconds: 2, maxSeconds: 100 })!;
    for (let count = 1; count <= 30; count++) {
      const full = Math.min(100, 2 * 2 ** (count - 1));
      for (const r of [0, 0.5, 0.999]) {
        const d = retryDelaySeconds(jittered, count, () => r);
        expect(d).toBeGreaterThanOrEqual(Math.floor(full / 2));
        expect(d).toBeLessThanOrEqual(100);
      }
    }
  });

  it('never exceeds what SQS accepts, even for huge receive counts', () => {
    const big = resolveRetryPolicy({ baseSeconds: 43_200, maxSeconds: 43_200, jitter: false })!;
    expect(retryDelaySeconds(big, 1_000_000)).toBe(43_200);
  });

  it('rejects a bad policy with a ConfigError naming the option', () => {
    expect(() => resolveRetryPolicy({ baseSeconds: -1 })).toThrow(/retry\.baseSeconds.*-1/);
    expect(() => resolveRetryPolicy({ baseSeconds: 10, maxSeconds: 5 })).toThrow(ConfigError);
    expect(() => resolveRetryPolicy({ maxSeconds: 50_000 })).toThrow(
      /retry\.maxSeconds.*50000.*43200/,
    );
  });
});

describe('retry option of a listener (fauxqs)', () => {
  it('a failing message is made invisible for growing delays under the cap, then succeeds', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    await sendMessages(queueUrl, ['flaky']);
    const { client, log } = countingClient();
    const receiveCounts: number[] = [];
    const listener = perMessageListener(
      (m) => {
        receiveCounts.push(m.receiveCount);
        return m.receiveCount >= 3; // fails on the first two deliveries
      },
      { retry: { baseSeconds: 1, maxSeconds: 2, jitter: false }, logger: silentLogger, env: {} },
    );
    const run = startListener(listener, queueUrl, { client, visibilitySecs: 30 });
    // With the default nack it would come back only after 30 s; with the policy after 1 s, then 2 s.
    expect(await eventually(async () => receiveCounts.length === 3, 15_000)).toBe(true);
    const result = await run.stop();
    const delays = requestsOf(log, 'ChangeMessageVisibilityBatchCommand')
      .flatMap(entriesOf)
      .map((e) => e.VisibilityTimeout);
    expect(delays).toEqual([1, 2]);
    expect(receiveCounts).toEqual([1, 2, 3]);
    expect(result).toMatchObject({ processed: 3, succeeded: 1, failed: 2 });
    expect(await queueCounts(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });
});
