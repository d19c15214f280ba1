/**
 * Two SIGINTs close together (as Ctrl-C under tsx delivers them, ~30 ms apart) are one stop
 * request: the runner drains. A second SIGINT well after the first still exits at once with 130.
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

describe('runner: a repeated SIGINT', () => {
  it('two SIGINTs 30 ms apart drain: running handlers finish, their messages are deleted, exit 0', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    const sent = await sendMessages(queueUrl, numbered(6));
    const child = runFixture('runner.ts', {
      QUEUE_URL: queueUrl,
      HANDLER_MS: '1500',
      WORKER_THREADS: '2',
    });
    await child.waitForLines((l) => l.startsWith('start '), 2);
    child.proc.kill('SIGINT');
    await sleep(30);
    child.proc.kill('SIGINT');
    const exit = await child.exited(15_000);
    expect(exit, child.stderr()).toEqual({ code: 0, signal: null });
    expect(child.stderr()).toMatch(/SIGINT repeated within 500 ms/);
    expect(child.stderr()).not.toMatch(/Second SIGINT/);

    const started = idsOf(child.lines, 'start');
    expect(started).toHaveLength(2);
    expect([...idsOf(child.lines, 'finish')].sort()).toEqual([...started].sort());
    const report = child.lines.find((l) => l.startsWith('report '));
    expect(JSON.parse(report!.slice('report '.length))).toMatchObject([
      { processed: 2, succeeded: 2, failed: 0, timedOut: false },
    ]);
    // The handled two are deleted; the other four are visible again (released on the stop).
    await eventually(async () => (await queueCounts(queueUrl)).visible === 4, 5_000);
    expect(await queueCounts(queueUrl)).toEqual({ visible: 4, inFlight: 0, delayed: 0 });
    const visible = (await receiveNow(queueUrl)).map((m) => m.MessageId!);
    expect([...visible].sort()).toEqual(sent.filter((id) => !started.includes(id)).sort());
  });

  it('two SIGINTs 1 s apart: the second exits at once with 130, without waiting for handlers', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    const sent = await sendMessages(queueUrl, numbered(6));
    const child = runFixture('runner.ts', {
      QUEUE_URL: queueUrl,
      HANDLER_MS: '20000',
      WORKER_THREADS: '2',
    });
    await child.waitForLines((l) => l.startsWith('start '), 2);
    child.proc.kill('SIGINT');
    expect(await eventually(() => /draining/.test(child.stderr()), 10_000)).toBe(true);
    await sleep(1_000);
    const secondAt = child.elapsedMs();
    child.proc.kill('SIGINT');
    const exit = await child.exited(10_000);
    expect(exit, child.stderr()).toEqual({ code: 130, signal: null });
    expect(child.elapsedMs() - secondAt).toBeLessThan(5_000);
    expect(child.stderr()).toMatch(/Second SIGINT received/);
    expect(idsOf(child.lines, 'finish')).toEqual([]);
    // Nothing deleted: the two running messages come back when their visibility ends.
    const counts = await queueCounts(queueUrl);
    expect(counts.visible + counts.inFlight + counts.delayed).toBe(sent.length);
  });
});
