/**
 * Crashes, with the runner in its own process (test/fixtures/runner.ts):
 * - SIGKILL in the middle of batches, then a restart: every message is handled at least once
 *   and the queue ends empty (at-least-once: what the killed process had not deleted comes back
 *   when its visibility ends);
 * - SIGTERM under load (hundreds of handlers in flight): exit 0 within shutdownTimeout, every
 *   message whose handler finished is deleted, every other one is back in the queue.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { killAllFixtures, runFixture } from '../support/child.js';
import {
  createQueue,
  eventually,
  numbered,
  queueCounts,
  receiveNow,
  sendMessages,
  sleep,
} from '../support/sqs.js';

afterEach(killAllFixtures);

const idsOf = (lines: string[], kind: string) =>
  lines.filter((l) => l.startsWith(`${kind} `)).map((l) => l.split(' ')[1]!);

const total = async (queueUrl: string) => {
  const c = await queueCounts(queueUrl);
  return c.visible + c.inFlight + c.delayed;
};

describe('crashes', () => {
  it('SIGKILL mid-batch, then a restart: every message handled at least once, the queue ends empty', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 3 });
    const sent = await sendMessages(queueUrl, numbered(60));
    const env = {
      QUEUE_URL: queueUrl,
      MODE: 'batch',
      BATCH_SIZE: '5',
      WORKER_THREADS: '3',
      VISIBILITY_SECS: '3',
    };
    const victim = runFixture('runner.ts', { ...env, HANDLER_MS: '400' });
    await victim.waitForLines((l) => l.startsWith('finish '), 10, 20_000);
    victim.proc.kill('SIGKILL');
    const killed = await victim.exited(10_000);
    expect(killed.signal).toBe('SIGKILL');
    const startedBefore = idsOf(victim.lines, 'start');
    const finishedBefore = idsOf(victim.lines, 'finish');
    // It really died mid-batch: handlers had started and not finished.
    const cut = startedBefore.filter((id) => !finishedBefore.includes(id));
    expect(cut.length).toBeGreaterThan(0);
    expect(finishedBefore.length).toBeLessThan(sent.length);

    const restarted = runFixture('runner.ts', { ...env, HANDLER_MS: '20' });
    // What the killed process held comes back after its visibility (3 s); then all is deleted.
    expect(await eventually(async () => (await total(queueUrl)) === 0, 30_000, 250)).toBe(true);
    restarted.proc.kill('SIGTERM');
    expect((await restarted.exited(15_000)).code, restarted.stderr()).toBe(0);
    const finishedAfter = idsOf(restarted.lines, 'finish');
    const handled = new Set([...finishedBefore, ...finishedAfter]);
    expect(sent.filter((id) => !handled.has(id))).toEqual([]);
    // The ones cut off mid-handler were handled again by the restarted process.
    for (const id of cut) expect(finishedAfter).toContain(id);
    // Still empty once any visibility the killed process left has run out.
    await sleep(3_500);
    expect(await queueCounts(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    const twice = finishedBefore.filter((id) => finishedAfter.includes(id));
    console.log(
      `crash: SIGKILL after ${finishedBefore.length}/${sent.length} handled, ${cut.length} cut mid-batch; ` +
        `restart handled ${finishedAfter.length} (${twice.length} of them a second time: finished but not yet deleted at the kill); lost 0`,
    );
  }, 60_000);

  it('SIGTERM with hundreds in flight: exit 0 within shutdownTimeout, finished ones deleted, the rest back', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    const sent = await sendMessages(queueUrl, numbered(500));
    const child = runFixture('runner.ts', {
      QUEUE_URL: queueUrl,
      HANDLER_MS: '2000',
      WORKER_THREADS: '200',
      SHUTDOWN_TIMEOUT: '10',
    });
    await child.waitForLines((l) => l.startsWith('start '), 150, 20_000);
    const signalledAt = child.elapsedMs();
    child.proc.kill('SIGTERM');
    const exit = await child.exited(20_000);
    const tookMs = child.elapsedMs() - signalledAt;
    expect(exit, child.stderr()).toEqual({ code: 0, signal: null });
    expect(tookMs).toBeLessThan(10_000);
    const started = idsOf(child.lines, 'start');
    const finished = new Set(idsOf(child.lines, 'finish'));
    expect(started.length).toBeGreaterThanOrEqual(150);
    // Every handler that started finished (2 s < shutdownTimeout), none aborted.
    expect(started.filter((id) => !finished.has(id))).toEqual([]);
    expect(idsOf(child.lines, 'aborted')).toEqual([]);
    // Finished ones are deleted; the others are visible again at once (released, not 30 s).
    const rest = sent.filter((id) => !finished.has(id));
    expect(
      await eventually(async () => (await queueCounts(queueUrl)).visible === rest.length, 5_000),
      JSON.stringify({
        counts: await queueCounts(queueUrl),
        rest: rest.length,
        started: started.length,
        finished: finished.size,
      }),
    ).toBe(true);
    expect(await queueCounts(queueUrl)).toEqual({ visible: rest.length, inFlight: 0, delayed: 0 });
    const visible = (await receiveNow(queueUrl, { max: 600 })).map((m) => m.MessageId!);
    expect([...visible].sort()).toEqual([...rest].sort());
    expect(finished.size + visible.length).toBe(sent.length);
    console.log(
      `crash: SIGTERM with ${started.length} in flight: exit 0 after ${tookMs} ms (shutdownTimeout 10 s), ` +
        `${finished.size} finished and deleted, ${visible.length} back in the queue, lost 0`,
    );
  }, 60_000);
});
