/**
 * ECS task scale-in protection, unit level: the protector fed by stand-in streams (an in-flight
 * gauge and their events), fake timers for the idle, renewal and retry timers, and a local HTTP
 * server standing in for the agent's endpoint. The exact PUT bodies are asserted.
 */
import { setTimeout as realSleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StreamEventName } from '../../src/core/events.js';
import { ConfigError } from '../../src/index.js';
import {
  type ProtectedSource,
  resolveTaskProtection,
  startTaskProtection,
  type TaskProtectionSettings,
} from '../../src/runner/task-protection.js';
import type { Logger } from '../../src/shared/logger.js';
import { type FakeAgent, startFakeAgent } from '../support/ecs-agent.js';
import { abortListenerCount } from '../support/leaks.js';

/** A stream as the protector sees it: an in-flight gauge and events that say it may have changed. */
class FakeStream implements ProtectedSource {
  inFlight = 0;
  readonly listeners = new Map<StreamEventName, Set<() => void>>();
  on(event: StreamEventName, listener: () => void) {
    const set = this.listeners.get(event) ?? new Set();
    set.add(listener);
    this.listeners.set(event, set);
    return () => void set.delete(listener);
  }
  stats() {
    return { inFlight: this.inFlight };
  }
  /**
   * Sets the gauge and emits the event that goes with it (as the core does); resolves once the
   * protector's microtask has read the gauge.
   */
  async set(n: number, event: StreamEventName = n > this.inFlight ? 'handedOut' : 'acked') {
    this.inFlight = n;
    for (const l of this.listeners.get(event) ?? []) l();
    for (let i = 0; i < 3; i++) await Promise.resolve();
  }
  subscriptions(): number {
    let n = 0;
    for (const s of this.listeners.values()) n += s.size;
    return n;
  }
}

function recordingLogger() {
  const lines: Array<{ level: string; message: string; fields?: Record<string, unknown> }> = [];
  const at =
    (level: string) =>
    (message: string, fields?: Record<string, unknown>): void => {
      lines.push({ level, message, fields });
    };
  const logger: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  };
  return { logger, lines };
}

/** Waits in real time (the agent's I/O is real) until `check` holds. */
async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await realSleep(5);
  }
}

/** Lets real I/O play out, for assertions that nothing (more) was sent. */
const quietPeriod = () => realSleep(100);

const ON = { ProtectionEnabled: true, ExpiresInMinutes: 60 };
const OFF = { ProtectionEnabled: false };

let agent: FakeAgent;
let settings: TaskProtectionSettings;
beforeEach(async () => {
  agent = await startFakeAgent();
  settings = { agentUri: agent.url, expiresInMinutes: 60, idleMs: 30_000, requestTimeoutMs: 2000 };
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
});
afterEach(async () => {
  vi.useRealTimers();
  await agent.close();
});

function start(streams: FakeStream[], overrides: Partial<TaskProtectionSettings> = {}) {
  const { logger, lines } = recordingLogger();
  const stop = new AbortController();
  const handle = startTaskProtection({ ...settings, ...overrides }, streams, logger, stop.signal);
  return { handle, stop, lines };
}

describe('task protection: the calls', () => {
  it('busy → short gap → busy → idle → busy → stop: protect, unprotect after idleMs, protect, unprotect at once', async () => {
    const a = new FakeStream();
    const b = new FakeStream();
    const { handle, stop } = start([a, b]);

    await a.set(1);
    await until(() => agent.bodies().length === 1);
    expect(agent.bodies()).toEqual([ON]);
    expect(agent.calls[0]).toMatchObject({
      method: 'PUT',
      path: '/api/container-id/task-protection/v1/state',
    });

    // A gap shorter than idleMs costs no call (hysteresis); a second stream busy neither.
    await a.set(0);
    vi.advanceTimersByTime(10_000);
    await b.set(3);
    await a.set(0, 'nacked');
    vi.advanceTimersByTime(60_000);
    await quietPeriod();
    expect(agent.bodies()).toEqual([ON]);

    // Idle: unprotected only once idleMs has passed with nothing in flight anywhere.
    await b.set(0, 'released');
    vi.advanceTimersByTime(29_999);
    await quietPeriod();
    expect(agent.bodies()).toEqual([ON]);
    vi.advanceTimersByTime(1);
    await until(() => agent.bodies().length === 2);

    await b.set(1, 'received');
    await until(() => agent.bodies().length === 3);

    // Draining: unprotected at once, though a message is still in flight.
    stop.abort();
    await until(() => agent.bodies().length === 4);
    await handle.close();
    expect(agent.bodies()).toEqual([ON, OFF, ON, OFF]);
    // Nothing watches the streams or wakes up after close.
    expect(a.subscriptions() + b.subscriptions()).toBe(0);
    await a.set(5);
    vi.advanceTimersByTime(24 * 3_600_000);
    await quietPeriod();
    expect(agent.bodies()).toHaveLength(4);
  });

  it('a stop while idle and unprotected sends nothing; a run that never got work sends nothing', async () => {
    const a = new FakeStream();
    const first = start([a]);
    first.stop.abort();
    await first.handle.close();

    const b = new FakeStream();
    const second = start([b], { idleMs: 0 });
    await b.set(1);
    await until(() => agent.bodies().length === 1);
    await b.set(0);
    vi.advanceTimersByTime(0);
    await until(() => agent.bodies().length === 2);
    second.stop.abort();
    await second.handle.close();
    await quietPeriod();
    expect(agent.bodies()).toEqual([ON, OFF]);
  });

  it('renews at 80 % of ExpiresInMinutes while a job runs, and stops renewing once idle', async () => {
    const a = new FakeStream();
    const { handle, stop, lines } = start([a], { expiresInMinutes: 10 });
    const on10 = { ProtectionEnabled: true, ExpiresInMinutes: 10 };
    // Every call logs one line once answered; the renewal timer is armed right after.
    await a.set(1);
    await until(() => lines.length === 1);
    vi.advanceTimersByTime(8 * 60_000 - 1);
    await quietPeriod();
    expect(agent.bodies()).toHaveLength(1);
    vi.advanceTimersByTime(1);
    await until(() => lines.length === 2);
    vi.advanceTimersByTime(8 * 60_000);
    await until(() => lines.length === 3);
    expect(lines.map((l) => l.message)).toEqual([
      'task protected from scale-in',
      'task protection renewed',
      'task protection renewed',
    ]);
    await a.set(0);
    vi.advanceTimersByTime(30_000);
    await until(() => lines.length === 4);
    vi.advanceTimersByTime(60 * 60_000);
    await quietPeriod();
    expect(agent.bodies()).toEqual([on10, on10, on10, OFF]);
    stop.abort();
    await handle.close();
  });

  it('agent errors (refused, 5xx, 4xx, garbage, ECS failure, timeout) are logged once and retried with backoff', async () => {
    const never = new Promise<undefined>(() => {});
    agent.replies.push(
      { kind: 'destroy' },
      {
        status: 500,
        body: JSON.stringify({ error: { Code: 'ServerException', Message: 'boom' } }),
      },
      {
        status: 403,
        body: JSON.stringify({
          error: { Arn: 'arn:task', Code: 'AccessDeniedException', Message: 'no task role' },
        }),
      },
      { status: 200, body: '<html>not json' },
      {
        status: 200,
        body: JSON.stringify({ failure: { Arn: 'arn:task', Reason: 'TASK_NOT_VALID' } }),
      },
      { kind: 'hold', released: never },
    );
    const a = new FakeStream();
    const { handle, stop, lines } = start([a], { requestTimeoutMs: 200 });
    await a.set(1);
    // 1 s, 2 s, 4 s, 8 s, 16 s, 32 s between attempts.
    for (const [i, delay] of [1000, 2000, 4000, 8000, 16_000, 32_000].entries()) {
      // Every call logs one line when it is over (here: a failure), before its retry is armed.
      await until(() => lines.length === i + 1);
      vi.advanceTimersByTime(delay - 1);
      await quietPeriod();
      expect(agent.bodies()).toHaveLength(i + 1);
      vi.advanceTimersByTime(1);
    }
    await until(() => lines.some((l) => l.message === 'task protected from scale-in'));
    expect(agent.bodies()).toEqual([ON, ON, ON, ON, ON, ON, ON]);
    const warnings = lines.filter((l) => l.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(lines.find((l) => l.message === 'task protected from scale-in')?.fields).toMatchObject({
      afterFailures: 6,
    });
    const errors = lines
      .filter((l) => l.message.includes('failed'))
      .map((l) => String(l.fields?.error));
    expect(errors.join('\n')).toMatch(/500: ServerException: boom/);
    expect(errors.join('\n')).toMatch(/403: AccessDeniedException/);
    expect(errors.join('\n')).toMatch(/not JSON/);
    expect(errors.join('\n')).toMatch(/TASK_NOT_VALID/);
    expect(errors.join('\n')).toMatch(/abort|timeout/i);
    stop.abort();
    await handle.close();
    expect(agent.bodies().at(-1)).toEqual(OFF);
  });

  it('never two calls at once: while one hangs, the wishes that follow collapse into the last one', async () => {
    let release: (v: { status: number; body: string }) => void = () => {};
    agent.replies.push({
      kind: 'hold',
      released: new Promise((resolve) => {
        release = resolve;
      }),
    });
    const a = new FakeStream();
    const { handle, stop } = start([a], { idleMs: 0 });
    await a.set(1);
    await until(() => agent.calls.length === 1);
    for (let i = 0; i < 5; i++) {
      await a.set(0);
      vi.advanceTimersByTime(0);
      await a.set(1);
    }
    await a.set(0);
    vi.advanceTimersByTime(0);
    await quietPeriod();
    expect(agent.calls).toHaveLength(1);
    release({ status: 200, body: JSON.stringify({ protection: { ProtectionEnabled: true } }) });
    await until(() => agent.bodies().length === 2);
    await quietPeriod();
    expect(agent.bodies()).toEqual([ON, OFF]);
    expect(agent.maxConcurrent).toBe(1);
    stop.abort();
    await handle.close();
  });

  it('close() without a stop: no call, no abort listener left on the signal, no subscription', async () => {
    const a = new FakeStream();
    const { handle, stop } = start([a]);
    expect(abortListenerCount(stop.signal)).toBe(1);
    expect(a.subscriptions()).toBeGreaterThan(0);
    await handle.close();
    expect(abortListenerCount(stop.signal)).toBe(0);
    expect(a.subscriptions()).toBe(0);
    await quietPeriod();
    expect(agent.calls).toEqual([]);
  });

  it('close() retries an unprotect that failed during the drain once, and never rejects', async () => {
    agent.replies.push(confirmOn(), { status: 503, body: '{}' });
    const a = new FakeStream();
    const { handle, stop } = start([a]);
    await a.set(1);
    await until(() => agent.bodies().length === 1);
    stop.abort();
    await until(() => agent.bodies().length === 2);
    await expect(handle.close()).resolves.toBeUndefined();
    expect(agent.bodies()).toEqual([ON, OFF, OFF]);
  });
});

function confirmOn() {
  return { status: 200, body: JSON.stringify({ protection: { ProtectionEnabled: true } }) };
}

describe('task protection: configuration', () => {
  const env = { ECS_AGENT_URI: 'http://169.254.170.2/api/abc' };
  const quiet = recordingLogger().logger;

  it('off by default and with false; true gives the defaults', () => {
    expect(resolveTaskProtection(undefined, env, quiet)).toBeUndefined();
    expect(resolveTaskProtection(false, env, quiet)).toBeUndefined();
    expect(resolveTaskProtection(true, env, quiet)).toEqual({
      agentUri: 'http://169.254.170.2/api/abc',
      expiresInMinutes: 60,
      idleMs: 30_000,
      requestTimeoutMs: 5000,
    });
    expect(
      resolveTaskProtection(undefined, { ...env, TASK_PROTECTION: 'true' }, quiet)?.idleMs,
    ).toBe(30_000);
    expect(
      resolveTaskProtection(
        { idleMs: 0 },
        { ...env, TASK_PROTECTION_EXPIRES_MINUTES: '2880', TASK_PROTECTION_IDLE_MS: '5' },
        quiet,
      ),
    ).toMatchObject({ expiresInMinutes: 2880, idleMs: 0 });
  });

  it('on without ECS_AGENT_URI: off, said once at INFO, not fatal', () => {
    const { logger, lines } = recordingLogger();
    expect(resolveTaskProtection(true, {}, logger)).toBeUndefined();
    expect(lines).toEqual([
      expect.objectContaining({ level: 'info', message: expect.stringMatching(/ECS_AGENT_URI/) }),
    ]);
  });

  it.each([
    [{ expiresInMinutes: 0 }, {}, /taskProtection\.expiresInMinutes.*got 0.*1 to 2880/],
    [{ expiresInMinutes: 2881 }, {}, /expiresInMinutes.*2881/],
    [{ expiresInMinutes: 1.5 }, {}, /expiresInMinutes.*1\.5.*integer/],
    [{ expiresInMinutes: '60' }, {}, /expiresInMinutes.*"60"/],
    [{ idleMs: -1 }, {}, /taskProtection\.idleMs.*-1/],
    [{ idleMs: Number.NaN }, {}, /idleMs.*NaN/],
    [{ requestTimeoutMs: 0 }, {}, /requestTimeoutMs.*got 0/],
    [{ idleMS: 5 }, {}, /taskProtection.*idleMS/],
    ['yes', {}, /option taskProtection.*"yes"/],
    [null, {}, /option taskProtection.*null/],
    [undefined, { TASK_PROTECTION: 'maybe' }, /environment variable TASK_PROTECTION.*"maybe"/],
    [undefined, { TASK_PROTECTION: '' }, /environment variable TASK_PROTECTION.*""/],
    [true, { TASK_PROTECTION_EXPIRES_MINUTES: '1e3' }, /TASK_PROTECTION_EXPIRES_MINUTES.*"1e3"/],
    [true, { TASK_PROTECTION_IDLE_MS: '' }, /TASK_PROTECTION_IDLE_MS/],
    [true, { ECS_AGENT_URI: 'file:///etc/passwd' }, /ECS_AGENT_URI.*file:/],
    [true, { ECS_AGENT_URI: 'not a url' }, /ECS_AGENT_URI.*"not a url"/],
  ] as const)('%j with env %j is a ConfigError', (option, extra, message) => {
    const call = () => resolveTaskProtection(option, { ...env, ...extra }, quiet);
    expect(call).toThrow(ConfigError);
    expect(call).toThrow(message);
  });

  it('invalid values fail even where no agent is there (a typo shows on a laptop)', () => {
    expect(() => resolveTaskProtection({ expiresInMinutes: 0 }, {}, quiet)).toThrow(ConfigError);
  });
});
