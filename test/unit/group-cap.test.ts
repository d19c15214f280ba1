/**
 * GroupCap on its own, with fake timers: who runs, who is parked, who is deferred and for how
 * long (the pacing), and the dead-letter guard. The listeners' behaviour on a queue is in
 * test/fifo/group-cap.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type LeasedMessage, messageOrigin } from '../../src/core/leased-message.js';
import { GroupCap } from '../../src/listeners/scheduling/group-cap.js';

interface FakeQueue {
  fifo: boolean;
  queueUrl: string;
  load: () => Promise<{ fifo: boolean; redrive: { maxReceiveCount: number } | null }>;
}

function queue(fifo = false, maxReceiveCount?: number): FakeQueue {
  const redrive =
    maxReceiveCount === undefined
      ? null
      : { deadLetterQueueUrl: 'http://sqs.local/1/dlq', maxReceiveCount };
  return { fifo, queueUrl: 'http://sqs.local/1/q', load: async () => ({ fifo, redrive }) };
}

let seq = 0;
function message(group: string | undefined, q: FakeQueue, receiveCount = 1): LeasedMessage {
  return {
    messageId: `m${++seq}`,
    groupId: group,
    receiveCount,
    [messageOrigin]: { queue: q, client: {}, receiveSentAtMs: 0 },
  } as unknown as LeasedMessage;
}

function capOf(limit: number, room: number) {
  const deferred: Array<{ id: string; delaySeconds: number }> = [];
  const cap = new GroupCap(limit, room, (m, delaySeconds) => {
    deferred.push({ id: m.messageId, delaySeconds });
  });
  return { cap, deferred };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['performance', 'setTimeout', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('GroupCap', () => {
  it('runs up to the limit, parks up to the room, defers the rest; a finished one hands over', async () => {
    const q = queue();
    const { cap, deferred } = capOf(2, 2);
    const ms = Array.from({ length: 6 }, () => message('noisy', q));
    cap.admit(message('warm-up', q)); // starts reading the redrive policy (none)
    await vi.advanceTimersByTimeAsync(0);
    expect(ms.map((m) => cap.admit(m))).toEqual([
      'run',
      'run',
      'parked',
      'parked',
      'deferred',
      'deferred',
    ]);
    // No pace yet (no handler finished): 1 s.
    expect(deferred.map((d) => d.delaySeconds)).toEqual([1, 1]);
    expect(cap.admit(message('quiet', q))).toBe('run');
    expect(cap.admit(message(undefined, q))).toBe('run');
    expect(cap.finished(ms[0] as LeasedMessage)).toBe(ms[2]);
    expect(cap.finished(ms[1] as LeasedMessage)).toBe(ms[3]);
    expect(cap.parkedCount).toBe(0);
    expect(cap.finished(ms[2] as LeasedMessage)).toBeUndefined();
    // The group has room again.
    expect(cap.admit(message('noisy', q))).toBe('run');
  });

  it('paces deferrals by the measured handler time and the room, up to 900 s', async () => {
    const q = queue();
    const { cap, deferred } = capOf(2, 4);
    cap.admit(message('warm-up', q));
    await vi.advanceTimersByTimeAsync(0);
    const first = [message('g', q), message('g', q)];
    for (const m of first) cap.admit(m);
    await vi.advanceTimersByTimeAsync(500);
    cap.finished(first[0] as LeasedMessage); // 500 ms handlers: 2 per 500 ms, pace 250 ms
    cap.admit(message('g', q)); // runs in the freed place
    for (let i = 0; i < 4; i++) expect(cap.admit(message('g', q))).toBe('parked');
    for (let i = 0; i < 4000; i++) cap.admit(message('g', q));
    const delays = deferred.map((d) => d.delaySeconds);
    // Ahead: 2 running + 4 parked at 250 ms = 1.5 s; then one every 250 ms (pace > 1 s / 6).
    expect(delays.slice(0, 6)).toEqual([2, 2, 3, 3, 3, 3]);
    expect(delays.every((d, i) => i === 0 || d >= (delays[i - 1] as number))).toBe(true);
    expect(Math.max(...delays)).toBe(900);
  });

  it('never defers into the dead-letter queue; parks while the policy is being read', async () => {
    const q = queue(false, 3);
    const { cap, deferred } = capOf(1, 1);
    cap.admit(message('g', q));
    cap.admit(message('g', q));
    // The policy is being read: parked, even over the room.
    expect(cap.admit(message('g', q))).toBe('parked');
    await vi.advanceTimersByTimeAsync(0);
    expect(cap.admit(message('g', q, 1))).toBe('deferred'); // back at 2: one retry left
    expect(cap.admit(message('g', q, 2))).toBe('parked'); // back at 3 would be its last
    expect(deferred).toHaveLength(1);
  });

  it('leaves FIFO groups and messages from elsewhere alone', () => {
    const { cap } = capOf(1, 1);
    const fifo = queue(true);
    for (let i = 0; i < 5; i++) expect(cap.admit(message('g', fifo))).toBe('run');
    const elsewhere = { messageId: 'x', groupId: 'g', receiveCount: 1 } as unknown as LeasedMessage;
    expect(cap.groupOf(elsewhere)).toBeUndefined();
    expect(cap.parkedCount).toBe(0);
  });

  it('a stop gives back every parked message at once', async () => {
    const q = queue();
    const { cap, deferred } = capOf(1, 5);
    cap.admit(message('g', q));
    await vi.advanceTimersByTimeAsync(0);
    for (let i = 0; i < 3; i++) cap.admit(message('g', q));
    expect(cap.parkedCount).toBe(1);
    cap.releaseParked();
    expect(cap.parkedCount).toBe(0);
    expect(deferred.at(-1)?.delaySeconds).toBe(0);
  });
});
