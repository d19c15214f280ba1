/**
 * perMessageListener against fauxqs: successes are deleted, `false` and throws are given back
 * and reappear once the visibility timeout ends, and the listener reports its counts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type LeasedMessage, perMessageListener, silentLogger } from '../../src/index.js';
import { startListener, stopAllListeners } from '../support/listen.js';
import {
  countingClient,
  createQueue,
  eventually,
  numbered,
  queueCounts,
  sendMessages,
} from '../support/sqs.js';

afterEach(stopAllListeners);

describe('perMessageListener outcomes', () => {
  it('deletes successes and redelivers `false` and throws after the visibility timeout', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 1 });
    const ids = await sendMessages(queueUrl, numbered(6));
    // n 0–1 succeed; 2–3 return false, 4–5 throw, on their first delivery only.
    const deliveries = new Map<string, number[]>();
    const failedAt = new Map<string, number>();
    const handler = async (m: LeasedMessage) => {
      const { n } = m.json as { n: number };
      deliveries.set(m.messageId, [...(deliveries.get(m.messageId) ?? []), Date.now()]);
      if (m.receiveCount === 1 && n >= 2) {
        failedAt.set(m.messageId, Date.now());
        if (n < 4) return false;
        throw new Error(`boom ${n}`);
      }
      return true;
    };
    const { client } = countingClient();
    const run = startListener(
      perMessageListener(handler, { logger: silentLogger, env: {} }),
      queueUrl,
      {
        client,
        visibilitySecs: 1,
      },
    );

    const allTwice = () => ids.slice(2).every((id) => (deliveries.get(id)?.length ?? 0) >= 2);
    expect(await eventually(allTwice, 15_000)).toBe(true);
    // Wait for the acks of the second deliveries to reach SQS.
    expect(
      await eventually(async () => {
        const c = await queueCounts(queueUrl);
        return c.visible + c.inFlight + c.delayed === 0;
      }, 10_000),
    ).toBe(true);
    const result = await run.stop();

    // Successes were delivered exactly once (deleted, never came back).
    expect(deliveries.get(ids[0]!)).toHaveLength(1);
    expect(deliveries.get(ids[1]!)).toHaveLength(1);
    // Failures came back exactly once more, and not before their visibility (1 s) ran out.
    for (const id of ids.slice(2)) {
      const times = deliveries.get(id)!;
      expect(times).toHaveLength(2);
      expect(times[1]! - failedAt.get(id)!).toBeGreaterThanOrEqual(700);
    }
    expect(result).toEqual({
      processed: 10,
      succeeded: 6,
      failed: 4,
      gaveUp: 0,
      filtered: 0,
      released: 0,
    });
    expect(await queueCounts(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('resolves with the counts when the source ends, and every success is deleted', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    await sendMessages(queueUrl, numbered(12));
    const seen = new Set<string>();
    const { client } = countingClient();
    const run = startListener(
      perMessageListener(
        (m) => {
          seen.add(m.messageId);
        },
        { logger: silentLogger, env: {} },
      ),
      queueUrl,
      { client },
    );
    expect(await eventually(() => seen.size === 12, 10_000)).toBe(true);
    const result = await run.stop();
    expect(result).toEqual({
      processed: 12,
      succeeded: 12,
      failed: 0,
      gaveUp: 0,
      filtered: 0,
      released: 0,
    });
    expect(await queueCounts(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });
});
