/**
 * ECS task scale-in protection end to end: runListeners() with a real listener on fauxqs and a
 * local HTTP server standing in for the ECS agent. The agent sees protect while messages are
 * handled, unprotect after the idle time, protect again, and unprotect as soon as the drain
 * starts (while a handler still runs); the queue ends empty.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConfigError,
  clearListeners,
  type LeasedMessage,
  runListeners,
  silentLogger,
  sqsListener,
} from '../../src/index.js';
import { killAllFixtures, runFixture } from '../support/child.js';
import { type FakeAgent, startFakeAgent } from '../support/ecs-agent.js';
import { trackTimers } from '../support/leaks.js';
import {
  countingClient,
  createQueue,
  eventually,
  numbered,
  queueCounts,
  sendMessages,
} from '../support/sqs.js';

const ON = { ProtectionEnabled: true, ExpiresInMinutes: 60 };
const OFF = { ProtectionEnabled: false };

let agent: FakeAgent | undefined;
afterEach(async () => {
  killAllFixtures();
  clearListeners();
  await agent?.close();
  agent = undefined;
});

describe('runListeners({ taskProtection }) on fauxqs', () => {
  it('busy → idle → busy → stop: protect, unprotect after idleMs, protect, unprotect when the drain starts', async () => {
    const timers = trackTimers();
    try {
      const fake = await startFakeAgent();
      agent = fake;
      const { queueUrl } = await createQueue({ visibilitySecs: 30 });
      const { client } = countingClient();
      const handled = new Set<number>();
      let openGate: () => void = () => {};
      const gate = new Promise<void>((resolve) => {
        openGate = resolve;
      });
      let slowStarted = false;
      sqsListener(
        { client, queueUrl, waitTime: 1, idleSleepMax: 0, env: {} },
        async (m: LeasedMessage) => {
          const { n } = m.json as { n: number };
          if (n >= 100) {
            slowStarted = true;
            await gate;
          }
          handled.add(n);
        },
      );
      const controller = new AbortController();
      const run = runListeners({
        signal: controller.signal,
        handleSignals: false,
        logger: silentLogger,
        env: { ECS_AGENT_URI: fake.url },
        taskProtection: { idleMs: 1500 },
      });

      await sendMessages(queueUrl, numbered(3));
      expect(await eventually(() => handled.size === 3, 10_000)).toBe(true);
      // Idle for idleMs: unprotected.
      expect(await eventually(() => fake.bodies().length === 2, 10_000)).toBe(true);
      expect(fake.bodies()).toEqual([ON, OFF]);

      await sendMessages(queueUrl, [{ n: 100 }]);
      expect(await eventually(() => slowStarted && fake.bodies().length === 3, 10_000)).toBe(true);
      controller.abort();
      // Unprotected at once, while the handler is still running.
      expect(await eventually(() => fake.bodies().length === 4, 10_000)).toBe(true);
      expect(handled.has(100)).toBe(false);
      openGate();
      const reports = await run;

      expect(fake.bodies()).toEqual([ON, OFF, ON, OFF]);
      expect(fake.calls.every((c) => c.path === '/api/container-id/task-protection/v1/state')).toBe(
        true,
      );
      expect(fake.maxConcurrent).toBe(1);
      expect(reports[0]?.result.succeeded).toBe(4);
      expect(await queueCounts(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
      // Nothing of the protector outlives the run.
      const left = timers.pending().filter((t) => t.stack.includes('task-protection'));
      expect(left).toEqual([]);
    } finally {
      timers.restore();
    }
  });

  it('SIGTERM to a runner process (enabled by TASK_PROTECTION=true): unprotected before the running handlers finish', async () => {
    const fake = await startFakeAgent();
    agent = fake;
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    await sendMessages(queueUrl, numbered(20));
    const child = runFixture('runner.ts', {
      QUEUE_URL: queueUrl,
      HANDLER_MS: '1500',
      WORKER_THREADS: '4',
      TASK_PROTECTION: 'true',
      ECS_AGENT_URI: fake.url,
      TASK_PROTECTION_EXPIRES_MINUTES: '15',
    });
    let finishedWhenUnprotected: number | undefined;
    fake.onCall = (call) => {
      if ((call.body as { ProtectionEnabled?: boolean }).ProtectionEnabled === false) {
        finishedWhenUnprotected = child.lines.filter((l) => l.startsWith('finish ')).length;
      }
    };
    await child.waitForLines((l) => l.startsWith('start '), 4);
    expect(await eventually(() => fake.bodies().length === 1, 10_000)).toBe(true);
    child.proc.kill('SIGTERM');
    const exit = await child.exited(15_000);
    expect(exit, child.stderr()).toEqual({ code: 0, signal: null });
    expect(fake.bodies()).toEqual([{ ProtectionEnabled: true, ExpiresInMinutes: 15 }, OFF]);
    expect(finishedWhenUnprotected).toBe(0);
    expect(child.lines.filter((l) => l.startsWith('finish '))).toHaveLength(4);
    // The 4 handled messages are deleted, the 16 never handed to a handler released.
    expect(await eventually(async () => (await queueCounts(queueUrl)).visible === 16, 5_000)).toBe(
      true,
    );
    expect(await queueCounts(queueUrl)).toEqual({ visible: 16, inFlight: 0, delayed: 0 });
  });

  it('off (the default) with ECS_AGENT_URI set: no call to the agent', async () => {
    const fake = await startFakeAgent();
    agent = fake;
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    await sendMessages(queueUrl, numbered(3));
    const { client } = countingClient();
    let handled = 0;
    sqsListener({ client, queueUrl, waitTime: 1, idleSleepMax: 0, env: {} }, () => {
      handled++;
    });
    const controller = new AbortController();
    const run = runListeners({
      signal: controller.signal,
      handleSignals: false,
      logger: silentLogger,
      env: { ECS_AGENT_URI: fake.url },
    });
    expect(await eventually(() => handled === 3, 10_000)).toBe(true);
    controller.abort();
    await run;
    expect(await queueCounts(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    expect(fake.calls).toEqual([]);
  });

  it('an invalid setting rejects with ConfigError before anything is received', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    await sendMessages(queueUrl, numbered(1));
    const { client, counts } = countingClient();
    sqsListener({ client, queueUrl, waitTime: 1, env: {} }, () => {});
    await expect(
      runListeners({
        handleSignals: false,
        logger: silentLogger,
        env: { ECS_AGENT_URI: 'http://127.0.0.1:9/api/x' },
        taskProtection: { expiresInMinutes: 4000 },
      }),
    ).rejects.toThrow(ConfigError);
    expect(counts.ReceiveMessageCommand ?? 0).toBe(0);
    expect(await queueCounts(queueUrl)).toEqual({ visible: 1, inFlight: 0, delayed: 0 });
  });
});
