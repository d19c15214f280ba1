/**
 * Many consumer processes on one queue, as ECS tasks scaled out: three `runListeners` processes
 * (test/fixtures/scale-consumer.ts) drain one fauxqs queue. Each prints the messages its handlers
 * start and finish; the test counts losses and duplicates from those lines and checks what the
 * queue holds afterwards. One process is killed mid-run with SIGTERM (drains: its unstarted
 * messages are released to the others at once) or SIGKILL (what it held comes back after the
 * visibility timeout and the survivors handle it). Bounds are generous; nothing is timed tightly.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type FixtureProcess, killAllFixtures, runFixture } from '../support/child.js';
import {
  createQueue,
  eventually,
  numbered,
  queueCounts,
  receiveNow,
  sendMessages,
} from '../support/sqs.js';

afterEach(killAllFixtures);

interface Handled {
  id: string;
  receiveCount: number;
  at: number;
}

/** The `start` or `done` lines of a consumer, parsed. */
function handled(child: FixtureProcess, kind: 'start' | 'done'): Handled[] {
  return child.lines
    .filter((l) => l.startsWith(`${kind} `))
    .map((l) => {
      const [, id, receiveCount, at] = l.split(' ');
      return { id: id!, receiveCount: Number(receiveCount), at: Number(at) };
    });
}

/** How many times each id appears. */
function tally(entries: Handled[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { id } of entries) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}

const ids = (entries: Handled[]) => new Set(entries.map((e) => e.id));

/** Starts `n` consumers and waits until each has registered its listener. */
async function startConsumers(
  n: number,
  queueUrl: string,
  env: Record<string, string>,
): Promise<FixtureProcess[]> {
  const children = Array.from({ length: n }, () =>
    runFixture('scale-consumer.ts', { QUEUE_URL: queueUrl, ...env }),
  );
  // tsx start-up on a loaded 2-core machine takes seconds; send only once all of them poll, so
  // the first one up does not drain the queue alone.
  await Promise.all(children.map((c) => c.waitForLines((l) => l === 'ready', 1, 20_000)));
  return children;
}

/** Waits until every id in `sent` was handled to the end by one of `children`. */
async function allDone(children: FixtureProcess[], sent: string[], timeoutMs: number) {
  const doneAll = await eventually(() => {
    const done = new Set(children.flatMap((c) => handled(c, 'done').map((e) => e.id)));
    return sent.every((id) => done.has(id));
  }, timeoutMs);
  const missing = sent.filter(
    (id) => !children.some((c) => handled(c, 'done').some((e) => e.id === id)),
  );
  expect(doneAll, `not handled: ${missing.join(', ')}`).toBe(true);
}

/** Stops the survivors by SIGTERM (they drain and exit 0); the queue is then empty. */
async function stopAndExpectEmpty(children: FixtureProcess[], queueUrl: string) {
  for (const c of children) c.proc.kill('SIGTERM');
  for (const c of children)
    expect(await c.exited(15_000), c.stderr()).toEqual({ code: 0, signal: null });
  expect(await queueCounts(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  expect(await receiveNow(queueUrl)).toEqual([]);
}

const ENV = {
  WORKER_THREADS: '2',
  MAX_IN_FLIGHT: '20',
  HANDLER_MS: '50',
  // The visibility each receive asks for; a message the victim kept would hide for a minute.
  VISIBILITY_SECS: '60',
};

describe('many consumers on one queue', () => {
  it('three processes drain it: every message handled once, none lost, all take part', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 60 });
    const children = await startConsumers(3, queueUrl, ENV);
    const sent = await sendMessages(queueUrl, numbered(240));
    await allDone(children, sent, 25_000);
    await stopAndExpectEmpty(children, queueUrl);

    const starts = children.flatMap((c) => handled(c, 'start'));
    const dones = children.flatMap((c) => handled(c, 'done'));
    // 0 duplicates while leases hold: each message started once and never redelivered.
    expect(starts).toHaveLength(sent.length);
    expect([...tally(dones).values()].every((n) => n === 1)).toBe(true);
    expect([...ids(dones)].sort()).toEqual([...sent].sort());
    expect(starts.filter((s) => s.receiveCount !== 1)).toEqual([]);
    // Each process took a share.
    for (const c of children) expect(handled(c, 'done').length).toBeGreaterThan(0);
  });

  it('SIGTERM to one: it drains, its unstarted messages go to the others at once, none lost or doubled', async () => {
    // 60 s visibility: a message the victim kept would come back only after a minute.
    const { queueUrl } = await createQueue({ visibilitySecs: 60 });
    const children = await startConsumers(3, queueUrl, ENV);
    const [victim, ...survivors] = children as [FixtureProcess, ...FixtureProcess[]];
    const sent = await sendMessages(queueUrl, numbered(240));
    await victim.waitForLines((l) => l.startsWith('start '), 6);
    victim.proc.kill('SIGTERM');
    expect(await victim.exited(15_000), victim.stderr()).toEqual({ code: 0, signal: null });
    const exitedAt = Date.now();
    // Well under the 60 s visibility: nothing waited for a lease to run out.
    await allDone(children, sent, 20_000);
    await stopAndExpectEmpty(survivors, queueUrl);

    // The victim finished what it started (acked before it exited) and started nothing else.
    expect(ids(handled(victim, 'done'))).toEqual(ids(handled(victim, 'start')));
    const dones = children.flatMap((c) => handled(c, 'done'));
    expect(dones).toHaveLength(sent.length);
    expect([...ids(dones)].sort()).toEqual([...sent].sort());
    // What it had received but not started was released: the survivors got it back (a second
    // receive), and long before its 60 s visibility would have ended.
    const released = survivors.flatMap((c) => handled(c, 'done')).filter((d) => d.receiveCount > 1);
    expect(released.length).toBeGreaterThan(0);
    for (const d of released) expect(d.at - exitedAt).toBeLessThan(30_000);
  });

  it('SIGKILL to one: what it held comes back after the visibility timeout and the survivors handle it', async () => {
    // 5 s visibility, so the killed process's leases run out within the test. The listener asks
    // for its own visibility on every receive (VISIBILITY_SECS), which overrides the queue's.
    const { queueUrl } = await createQueue({ visibilitySecs: 5 });
    const children = await startConsumers(3, queueUrl, { ...ENV, VISIBILITY_SECS: '5' });
    const [victim, ...survivors] = children as [FixtureProcess, ...FixtureProcess[]];
    const sent = await sendMessages(queueUrl, numbered(240));
    await victim.waitForLines((l) => l.startsWith('start '), 6);
    victim.proc.kill('SIGKILL');
    const killedAt = Date.now();
    expect(await victim.exited(10_000)).toEqual({ code: null, signal: 'SIGKILL' });
    await allDone(children, sent, 25_000);
    await stopAndExpectEmpty(survivors, queueUrl);

    // Nothing lost: every message was handled to the end by someone.
    const dones = children.flatMap((c) => handled(c, 'done'));
    expect([...ids(dones)].sort()).toEqual([...sent].sort());
    // The survivors never handled a message twice between them: leases held.
    const survivorStarts = survivors.flatMap((c) => handled(c, 'start'));
    expect([...tally(survivorStarts).values()].every((n) => n === 1)).toBe(true);
    // Duplicates only of what the victim had (at-least-once: it may have finished a message
    // whose delete was never sent).
    const victimStarts = handled(victim, 'start');
    const victimIds = ids(victimStarts);
    const doubled = [...tally(dones)].filter(([, n]) => n > 1).map(([id]) => id);
    for (const id of doubled) expect(victimIds.has(id)).toBe(true);

    // What it was running when killed came back (one more receive) and a survivor handled it,
    // only after the kill and not at once: its lease (extended while it lived) had to run out.
    const orphans = [...victimIds].filter((id) => !ids(handled(victim, 'done')).has(id));
    expect(orphans.length).toBeGreaterThan(0);
    const redelivered = new Map(survivorStarts.map((s) => [s.id, s]));
    for (const id of orphans) {
      const again = redelivered.get(id);
      expect(again, `orphan ${id} not handled by a survivor`).toBeDefined();
      expect(again!.receiveCount).toBeGreaterThan(1);
      expect(again!.at - killedAt).toBeGreaterThan(1_000);
    }
  });
});
