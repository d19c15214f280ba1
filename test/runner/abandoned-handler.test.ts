/**
 * A handler that never resolves, stopped by SIGTERM: at the shutdown deadline its message is
 * released and `runListeners()` resolves with a report naming it, so the code after it runs and
 * the process exits 0. Node must not exit first with code 13 (an unsettled top-level await) once
 * the never-resolving promise is all that is left, before the stop or during the drain. Also as PID 1 of a PID namespace, where a
 * signal with no handler is ignored, so only the runner's handler can stop the process.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { type FixtureProcess, killAllFixtures, runFixture } from '../support/child.js';
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

interface Report {
  timedOut: boolean;
  abandoned?: Array<{ messageIds: string[]; runningForMs: number }>;
}

const SHUTDOWN_TIMEOUT_SECS = 1;

/** Sends 3 messages, runs the fixture until one handler is stuck, SIGTERMs it and waits for its exit. */
async function stopStuckHandler(
  env: Record<string, string>,
  options: { prefix?: string[]; target?: (child: FixtureProcess) => number } = {},
) {
  const { queueUrl } = await createQueue({ visibilitySecs: 30 });
  const sent = await sendMessages(queueUrl, numbered(3));
  const child = runFixture(
    'never-resolving.ts',
    {
      QUEUE_URL: queueUrl,
      WORKER_THREADS: '1',
      SHUTDOWN_TIMEOUT: String(SHUTDOWN_TIMEOUT_SECS),
      ...env,
    },
    options.prefix ? { prefix: options.prefix } : {},
  );
  const [startLine] = await child.waitForLines((l) => l.startsWith('start '), 1);
  const stuck = startLine!.slice('start '.length).split(',');
  // Still running with nothing to receive: the run, not a handle of the handler, holds it.
  await sleep(1_500);
  expect(child.proc.exitCode, child.stderr()).toBeNull();
  const signalledAt = child.elapsedMs();
  process.kill(options.target ? options.target(child) : child.proc.pid!, 'SIGTERM');
  const exit = await child.exited(20_000);
  const reportLine = child.lines.find((l) => l.startsWith('report '));
  const reports = reportLine ? (JSON.parse(reportLine.slice('report '.length)) as Report[]) : [];
  return {
    queueUrl,
    sent,
    child,
    stuck,
    exit,
    reports,
    stoppedAfterMs: child.elapsedMs() - signalledAt,
  };
}

/** Every sent message is visible again at once (released, not waiting out the 30 s visibility). */
async function expectAllVisibleAgain(queueUrl: string, sent: string[]) {
  await eventually(async () => (await queueCounts(queueUrl)).visible === sent.length, 5_000);
  expect(await queueCounts(queueUrl)).toEqual({ visible: sent.length, inFlight: 0, delayed: 0 });
  const visible = (await receiveNow(queueUrl)).map((m) => m.MessageId!);
  expect([...visible].sort()).toEqual([...sent].sort());
}

function expectAbandonedReport(reports: Report[], stuck: string[]) {
  expect(reports).toHaveLength(1);
  const [report] = reports;
  expect(report!.timedOut).toBe(true);
  const abandoned = report!.abandoned?.map((a) => ({ ...a, messageIds: [...a.messageIds].sort() }));
  expect(abandoned).toEqual([{ messageIds: [...stuck].sort(), runningForMs: expect.any(Number) }]);
  // It ran from before the stop to past the shutdown deadline.
  expect(report!.abandoned![0]!.runningForMs).toBeGreaterThanOrEqual(SHUTDOWN_TIMEOUT_SECS * 1000);
}

describe('runner: a handler that never resolves, then SIGTERM', () => {
  it.each(['per_message', 'batch'])(
    '%s: runListeners() resolves with a report naming it, the code after it runs, exit 0, message released',
    async (mode) => {
      const r = await stopStuckHandler({ MODE: mode });
      expect(r.exit, r.child.stderr()).toEqual({ code: 0, signal: null });
      expect(r.child.lines).toContain('cleanup');
      expectAbandonedReport(r.reports, r.stuck);
      expect(r.stoppedAfterMs).toBeLessThan(15_000);
      await expectAllVisibleAgain(r.queueUrl, r.sent);
    },
  );

  it('when the abandoned handler keeps a handle alive, the runner exits the process after a short grace', async () => {
    const r = await stopStuckHandler({ KEEP_ALIVE: '1' });
    expect(r.exit, r.child.stderr()).toEqual({ code: 0, signal: null });
    expect(r.child.lines).toContain('cleanup');
    expectAbandonedReport(r.reports, r.stuck);
    expect(r.child.stderr()).toMatch(/keep the process alive after the shutdown timeout; exiting/);
    expect(r.stoppedAfterMs).toBeLessThan(15_000);
    await expectAllVisibleAgain(r.queueUrl, r.sent);
  });
});

/** Why PID-namespace tests cannot run here, or undefined when they can. */
function pidNamespaceUnavailable(): string | undefined {
  const probe = spawnSync('unshare', ['--pid', '--fork', '--kill-child', 'sh', '-c', 'echo $$'], {
    encoding: 'utf8',
  });
  if (probe.error) return `unshare could not run: ${probe.error.message}`;
  if (probe.status !== 0 || probe.stdout.trim() !== '1') {
    return `unshare --pid --fork failed (status ${probe.status}): ${probe.stderr.trim()}`;
  }
  return undefined;
}

const unavailable = pidNamespaceUnavailable();
if (unavailable) console.warn(`skipping the PID 1 tests: ${unavailable}`);

/** The pid, in our namespace, of the process `unshare --fork` started (node, PID 1 inside). */
function forkedChildPid(child: FixtureProcess): number {
  const pid = child.proc.pid!;
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/);
  expect(children).toHaveLength(1);
  return Number(children[0]);
}

describe.skipIf(unavailable !== undefined)('runner as PID 1 of a PID namespace', () => {
  // unshare ignores SIGTERM itself, and `--kill-child` kills node if the test kills unshare.
  const prefix = ['unshare', '--pid', '--fork', '--kill-child'];

  it.each([{ KEEP_ALIVE: '0' }, { KEEP_ALIVE: '1' }])(
    'a never-resolving handler (%o): SIGTERM still ends the run with a report, exit 0',
    async (env) => {
      const r = await stopStuckHandler(env, { prefix, target: forkedChildPid });
      expect(r.child.lines).toContain('pid 1');
      expect(r.exit, r.child.stderr()).toEqual({ code: 0, signal: null });
      expect(r.child.lines).toContain('cleanup');
      expectAbandonedReport(r.reports, r.stuck);
      expect(r.stoppedAfterMs).toBeLessThan(15_000);
      await expectAllVisibleAgain(r.queueUrl, r.sent);
    },
  );
});
