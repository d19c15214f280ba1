/**
 * Leases against a real server, in child processes whose clock misbehaves: the wall clock steps
 * by an hour while a message is held, or the whole process is stopped (SIGSTOP) past the
 * visibility timeout and acks as soon as it continues.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { killAllFixtures, runFixture } from '../support/child.js';
import {
  createQueue,
  eventually,
  queueCounts,
  receiveNow,
  sendMessages,
  sleep,
} from '../support/sqs.js';

afterEach(() => {
  killAllFixtures();
});

/** `T` in /proc/<pid>/stat: stopped by a signal. */
function isStopped(pid: number): boolean {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).startsWith('T');
}

describe('a wall-clock step while a message is held', () => {
  it.each([
    ['back', -3_600_000],
    ['forward', 3_600_000],
  ])('of one hour %s: heartbeats go on, the lease holds, the ack deletes', async (_, stepMs) => {
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    const [id] = await sendMessages(queueUrl, ['steady']);
    const child = runFixture('clock-step.ts', {
      QUEUE_URL: queueUrl,
      VISIBILITY_SECS: '2',
      STEP_MS: String(stepMs),
      HOLD_MS: '6000',
    });
    await child.waitForLines((l) => l === 'stepped', 1);

    // Three visibility timeouts of 2 s: a second consumer must never see the message.
    const stolen: string[] = [];
    const until = Date.now() + 20_000;
    while (!child.lines.some((l) => l.startsWith('lease ')) && Date.now() < until) {
      for (const m of await receiveNow(queueUrl, { visibilitySecs: 30 })) stolen.push(m.MessageId!);
      await sleep(250);
    }
    await child.exited();

    expect(child.stderr()).toBe('');
    expect(child.lines).toContain(`held ${id}`);
    expect(stolen).toEqual([]);
    const lease = child.lines.find((l) => l.startsWith('lease '));
    expect(lease).toMatch(/^lease lost=0 aborted=false extended=\d+$/);
    // About one extension a second over the 6 s hold.
    expect(Number(lease!.split('extended=')[1])).toBeGreaterThanOrEqual(3);
    expect(child.lines).toContain('acked');
    expect(await queueCounts(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });
});

describe('an ack right after the process was stopped past the visibility timeout', () => {
  it('rejects with LeaseLostError(expired), sends no delete, and the rival keeps the message', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    const [id] = await sendMessages(queueUrl, ['paused']);
    const child = runFixture('paused-ack.ts', { QUEUE_URL: queueUrl, VISIBILITY_SECS: '2' });
    await child.waitForLines((l) => l.startsWith('held '), 1);
    const pid = child.proc.pid!;
    expect(await eventually(() => isStopped(pid), 5_000, 20)).toBe(true);

    // Frozen, the child cannot extend: after its 2 s visibility a rival receives the message.
    const rival: string[] = [];
    await eventually(async () => {
      for (const m of await receiveNow(queueUrl, { visibilitySecs: 30 })) rival.push(m.MessageId!);
      return rival.length > 0;
    }, 10_000);
    expect(rival).toEqual([id]);
    child.proc.kill('SIGCONT');
    await child.exited();

    expect(child.stderr()).toBe('');
    expect(child.lines).toContain(`held ${id}`);
    expect(child.lines).toContain('ack failed LeaseLostError expired');
    expect(child.lines).toContain('deletes 0');
    // Still there, held by the rival: the stale receipt handle did not delete it.
    expect(await queueCounts(queueUrl)).toEqual({ visible: 0, inFlight: 1, delayed: 0 });
  });
});
