/**
 * A handed-out message dropped without ack()/nack() (garbage-collected) is released by the
 * stream instead of holding its lease and a maxInFlight slot until maxExtend. Runs the review's
 * case, an ix `filter` that does not nack, in a child process with `--expose-gc`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { killAllFixtures, runFixture } from '../support/child.js';
import { createQueue, eventually, queueCounts, sendMessages } from '../support/sqs.js';

afterEach(killAllFixtures);

describe('messages dropped without ack() or nack()', () => {
  it('are released when collected: all 15 matching of 30 get through maxInFlight 10', async () => {
    // A 30 s visibility: a message seen visible within the test was released, not expired.
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    const kinds = Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? 'match' : 'other'));
    const ids = await sendMessages(
      queueUrl,
      kinds.map((kind, i) => ({ kind, i })),
      (i) => ({ MessageAttributes: { kind: { DataType: 'String', StringValue: kinds[i]! } } }),
    );
    const matching = ids.filter((_, i) => kinds[i] === 'match');
    const others = new Set(ids.filter((_, i) => kinds[i] !== 'match'));

    const child = runFixture('dropped-messages.ts', {
      QUEUE_URL: queueUrl,
      NODE_OPTIONS: '--expose-gc',
      WANT: '15',
    });
    // Today's code stalls at 10: the dropped messages keep every slot until maxExtend (900 s).
    const handled = await child.waitForLines((l) => l.startsWith('handled '), 15, 20_000);
    const exit = await child.exited(20_000);

    expect(exit).toEqual({ code: 0, signal: null });
    expect(new Set(handled.map((l) => l.split(' ')[1])).size).toBe(15);
    expect(handled.map((l) => l.split(' ')[1]).sort()).toEqual([...matching].sort());
    const stats = JSON.parse(child.lines.find((l) => l.startsWith('stats '))!.slice(6)) as {
      acked: number;
      dropped: number;
      released: number;
      inFlight: number;
    };
    expect(stats).toMatchObject({ acked: 15, inFlight: 0 });
    expect(stats.dropped).toBeGreaterThan(0);
    expect(stats.released).toBeGreaterThanOrEqual(stats.dropped);
    // One WARN per stream naming the message and the likely cause; later ones at DEBUG.
    const warnings = child.lines.filter((l) => l.startsWith('log warn '));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('dropped without ack() or nack()');
    expect(warnings[0]).toContain('filter()');
    const warned = /"messageId":"([^"]+)"/.exec(warnings[0]!)?.[1];
    expect(others.has(warned!)).toBe(true);
    const debugLines = child.lines.filter(
      (l) => l.startsWith('log debug ') && l.includes('dropped without ack() or nack()'),
    );
    expect(debugLines).toHaveLength(stats.dropped - 1);

    // The releases reached the queue: the 15 others are visible again well within their 30 s
    // visibility, and the 15 matching are deleted.
    const back = await eventually(async () => {
      const counts = await queueCounts(queueUrl);
      return counts.visible === 15 && counts.inFlight === 0;
    }, 8_000);
    expect(back).toBe(true);
  });
});
