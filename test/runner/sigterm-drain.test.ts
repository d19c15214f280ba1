/**
 * The runner in its own process, stopped by SIGTERM while handlers run: it exits 0, every
 * handler that had started finishes and its message is deleted, messages no handler got are
 * visible again at once (the queue's visibility is 30 s), and nothing is lost.
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

/**
 * The queue's counts once `visible` messages are visible, or after 5 s. Released messages are
 * visible at once, or — when a long poll the stream aborted may still be open on the server
 * (WAIT_TIME is 1 here) — just after it ends; either way far sooner than the 30 s visibility.
 */
async function visibleSoon(queueUrl: string, visible: number) {
  let counts = await queueCounts(queueUrl);
  await eventually(async () => {
    counts = await queueCounts(queueUrl);
    return counts.visible === visible;
  }, 5_000);
  return counts;
}

const idsOf = (lines: string[], kind: string) =>
  lines.filter((l) => l.startsWith(`${kind} `)).map((l) => l.split(' ')[1]!);

describe('runner: SIGTERM drains', () => {
  it('finishes running handlers, deletes their messages, releases the rest at once, exits 0', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    const sent = await sendMessages(queueUrl, numbered(20));
    const child = runFixture('runner.ts', {
      QUEUE_URL: queueUrl,
      HANDLER_MS: '1500',
      WORKER_THREADS: '4',
    });
    await child.waitForLines((l) => l.startsWith('start '), 4);
    const signalledAt = child.elapsedMs();
    child.proc.kill('SIGTERM');
    const exit = await child.exited(15_000);
    const stderr = child.stderr();
    expect(exit, stderr).toEqual({ code: 0, signal: null });
    // Drained within the handlers' time plus a margin, not after a visibility timeout.
    expect(child.elapsedMs() - signalledAt).toBeLessThan(10_000);

    const started = idsOf(child.lines, 'start');
    const finished = idsOf(child.lines, 'finish');
    // No handler started after the stop: the 4 running ones, and only those.
    expect(started).toHaveLength(4);
    expect([...finished].sort()).toEqual([...started].sort());
    expect(idsOf(child.lines, 'aborted')).toEqual([]);
    const report = child.lines.find((l) => l.startsWith('report '));
    expect(JSON.parse(report!.slice('report '.length))).toEqual([
      {
        processed: 4,
        succeeded: 4,
        failed: 0,
        gaveUp: 0,
        filtered: 0,
        released: 0,
        timedOut: false,
      },
    ]);

    // Right after exit: nothing in flight (released, not waiting out 30 s), the handled ones gone.
    expect(await visibleSoon(queueUrl, 16)).toEqual({ visible: 16, inFlight: 0, delayed: 0 });
    const visible = (await receiveNow(queueUrl)).map((m) => m.MessageId!);
    expect([...visible].sort()).toEqual(sent.filter((id) => !started.includes(id)).sort());
    // Nothing lost: handled (deleted) + visible = sent.
    expect(started.length + visible.length).toBe(sent.length);
  });

  it('a second SIGTERM exits at once with 143, without waiting for handlers', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    const sent = await sendMessages(queueUrl, numbered(6));
    const child = runFixture('runner.ts', {
      QUEUE_URL: queueUrl,
      HANDLER_MS: '20000',
      WORKER_THREADS: '2',
    });
    await child.waitForLines((l) => l.startsWith('start '), 2);
    child.proc.kill('SIGTERM');
    const firstAt = child.elapsedMs();
    // The first one was taken as a drain request.
    expect(await eventually(() => /draining/.test(child.stderr()), 10_000)).toBe(true);
    // A signal within 500 ms of the first is the same request (see repeated-signal.test.ts).
    await sleep(Math.max(0, firstAt + 700 - child.elapsedMs()));
    const secondAt = child.elapsedMs();
    child.proc.kill('SIGTERM');
    const exit = await child.exited(10_000);
    expect(exit).toEqual({ code: 143, signal: null });
    expect(child.elapsedMs() - secondAt).toBeLessThan(5_000);
    expect(idsOf(child.lines, 'finish')).toEqual([]);
    expect(child.stderr()).toMatch(/Second SIGTERM received/);
    // Nothing deleted: the two running messages will come back when their visibility ends.
    const counts = await queueCounts(queueUrl);
    expect(counts.visible + counts.inFlight + counts.delayed).toBe(sent.length);
  });

  it('past shutdownTimeout, a handler ignoring its signal is abandoned: signal aborted, message released, process exits', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    const sent = await sendMessages(queueUrl, numbered(3));
    const child = runFixture('runner.ts', {
      QUEUE_URL: queueUrl,
      HANDLER_MS: '60000',
      IGNORE_SIGNAL: '1',
      WORKER_THREADS: '1',
      SHUTDOWN_TIMEOUT: '1',
    });
    const [startLine] = await child.waitForLines((l) => l.startsWith('start '), 1);
    const stuck = startLine!.split(' ')[1]!;
    const signalledAt = child.elapsedMs();
    child.proc.kill('SIGTERM');
    const [aborted] = await child.waitForLines((l) => l.startsWith('aborted '), 1, 10_000);
    expect(aborted).toMatch(new RegExp(`^aborted ${stuck} LeaseLostError: .*shutdown deadline`));
    const exit = await child.exited(15_000);
    expect(exit.code, child.stderr()).toBe(0);
    expect(child.elapsedMs() - signalledAt).toBeLessThan(12_000);
    expect(idsOf(child.lines, 'finish')).toEqual([]);
    const report = child.lines.find((l) => l.startsWith('report '));
    expect(JSON.parse(report!.slice('report '.length))).toEqual([
      {
        processed: 0,
        succeeded: 0,
        failed: 0,
        gaveUp: 0,
        filtered: 0,
        released: 0,
        timedOut: true,
      },
    ]);
    // Everything visible again at once, the abandoned message included (visibility is 30 s).
    expect(await visibleSoon(queueUrl, 3)).toEqual({ visible: 3, inFlight: 0, delayed: 0 });
    const visible = (await receiveNow(queueUrl)).map((m) => m.MessageId!);
    expect([...visible].sort()).toEqual([...sent].sort());
  });
});
