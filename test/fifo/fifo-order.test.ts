/**
 * FIFO against fauxqs: per group strictly in send order and one at a time, groups in parallel,
 * and a failure holding back only its own group, which is then redelivered in order.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { perMessageListener } from '../../src/index.js';
import { silentLogger } from '../../src/shared/logger.js';
import { startListener, stopAllListeners } from '../support/listen.js';
import {
  countingClient,
  createQueue,
  eventually,
  queueCounts,
  sendMessages,
  sleep,
} from '../support/sqs.js';

afterEach(stopAllListeners);

interface Handling {
  group: string;
  seq: number;
  receiveCount: number;
  start: number;
  end: number;
  ok: boolean;
}

describe('FIFO groups, per-message mode', () => {
  it('3 groups × 20: order kept per group, groups overlap, a failure redelivers its group in order', async () => {
    const { queueUrl } = await createQueue({ fifo: true, visibilitySecs: 1 });
    const groups = ['A', 'B', 'C'];
    const bodies = groups.flatMap((group) =>
      Array.from({ length: 20 }, (_, seq) => ({ group, seq })),
    );
    // Interleave the sends so that no group is simply "first".
    bodies.sort((x, y) => x.seq - y.seq || x.group.localeCompare(y.group));
    await sendMessages(queueUrl, bodies, (i) => ({
      MessageGroupId: bodies[i]!.group,
      MessageDeduplicationId: `${bodies[i]!.group}-${bodies[i]!.seq}`,
    }));

    const handled: Handling[] = [];
    const runningByGroup = new Map<string, number>();
    let maxPerGroup = 0;
    const { client } = countingClient();
    const listener = perMessageListener(
      async (message) => {
        const { group, seq } = message.json as { group: string; seq: number };
        expect(message.groupId).toBe(group);
        runningByGroup.set(group, (runningByGroup.get(group) ?? 0) + 1);
        maxPerGroup = Math.max(maxPerGroup, runningByGroup.get(group)!);
        const start = Date.now();
        await sleep(15);
        // Message 5 of group A fails on its first delivery only.
        const ok = !(group === 'A' && seq === 5 && message.receiveCount === 1);
        handled.push({
          group,
          seq,
          receiveCount: message.receiveCount,
          start,
          end: Date.now(),
          ok,
        });
        runningByGroup.set(group, runningByGroup.get(group)! - 1);
        return ok;
      },
      { workerThreads: 3, logger: silentLogger, env: {} },
    );
    const run = startListener(listener, queueUrl, { client, visibilitySecs: 1 });
    expect(await eventually(() => handled.filter((h) => h.ok).length === 60, 25_000)).toBe(true);
    const result = await run.stop();

    for (const group of groups) {
      const order = handled.filter((h) => h.group === group).map((h) => h.seq);
      const expected = Array.from({ length: 20 }, (_, i) => i);
      if (group === 'A') expected.splice(6, 0, 5); // 0..5 (fails), 5 again, 6..19
      expect(order, `group ${group}`).toEqual(expected);
    }
    expect(maxPerGroup).toBe(1);
    // Different groups ran at the same time.
    const overlaps = handled.some((x) =>
      handled.some((y) => x.group !== y.group && x.start < y.end && y.start < x.end),
    );
    expect(overlaps).toBe(true);
    // While A waited out its failed message's visibility, B and C went on.
    const failedAt = handled.find((h) => !h.ok)!.end;
    const retriedAt = handled.find((h) => h.group === 'A' && h.seq === 5 && h.ok)!.start;
    const othersMeanwhile = handled.filter(
      (h) => h.group !== 'A' && h.start > failedAt && h.end < retriedAt,
    );
    expect(othersMeanwhile.length).toBeGreaterThan(0);
    expect(result).toMatchObject({ processed: 61, succeeded: 60, failed: 1 });
    expect(await queueCounts(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  }, 40_000);
});
