/**
 * Logging end to end on fauxqs, through runListeners(): a handler fails with an error that has
 * a cause, and the line about it — from LOG_FORMAT=json, and from a real pino logger — names the
 * message, the listener and the queue, with the error's stack and cause. INFO carries the
 * lifecycle and the summary, not a line per batch; DEBUG shows receives, extensions and deletes.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type LeasedMessage,
  type Logger,
  type RegisteredListener,
  runListeners,
} from '../../src/index.js';
import {
  countingClient,
  createQueue,
  eventually,
  queueCounts,
  sendMessages,
} from '../support/sqs.js';

// biome-ignore lint/suspicious/noExplicitAny: parsed JSON lines, read by path in assertions
type Line = Record<string, any>;

const dbDown = () =>
  new Error('db down', {
    cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
    }),
  });

/** A queue with one message that fails (`{ fail: true }`) and one that succeeds. */
async function twoMessages(name: string) {
  const { queueUrl } = await createQueue({ name, visibilitySecs: 30 });
  const [failId, okId] = await sendMessages(queueUrl, [{ fail: true }, { ok: true }]);
  const listener: RegisteredListener = {
    options: {
      queueUrl,
      name: `${name}-listener`,
      client: countingClient().client,
      waitTime: 1,
      idleSleepMax: 0,
      visibilitySecs: 30,
    },
    handler: (m: LeasedMessage) => {
      if ((m.json as { fail?: boolean }).fail) throw dbDown();
    },
  };
  return { queueUrl, queue: queueUrl.split('/').pop(), failId, okId, listener };
}

/** Runs until `done(lines)` holds, then stops; returns the run's reports. */
async function runUntil(
  options: Parameters<typeof runListeners>[0],
  done: () => boolean,
): Promise<void> {
  const controller = new AbortController();
  const run = runListeners({ ...options, signal: controller.signal, handleSignals: false });
  const seen = await eventually(done, 15_000);
  controller.abort();
  await run;
  expect(seen).toBe(true);
}

/** The failed message is back in the queue (not deleted), the other one is gone. */
async function expectOnlyTheFailedOneLeft(queueUrl: string) {
  const c = await queueCounts(queueUrl);
  expect(c.visible + c.inFlight + c.delayed).toBe(1);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('logs of a failing handler, end to end', () => {
  it('LOG_FORMAT=json: one object per line on stderr with message id, listener, queue, stack and cause', async () => {
    const q = await twoMessages('json-log');
    const written: string[] = [];
    const original = process.stderr.write.bind(process.stderr);
    vi.spyOn(process.stderr, 'write').mockImplementation(((chunk: string | Uint8Array) => {
      const text = String(chunk);
      if (text.includes(q.listener.options.name ?? '')) written.push(text);
      // The runner's own lines (no listener) are dropped; anything else passes through.
      else if (!text.startsWith('{"time"')) original(chunk);
      return true;
    }) as typeof process.stderr.write);
    const lines = (): Line[] =>
      written.flatMap((w) => w.split('\n').filter(Boolean)).map((l) => JSON.parse(l));
    await runUntil(
      {
        listeners: [q.listener],
        env: { LOG_FORMAT: 'json', LOG_LEVEL: 'debug', LOG_SUMMARY_SECS: '1' },
      },
      () =>
        lines().some((l) => l.msg === 'handler failed') &&
        lines().some((l) => l.msg === 'deleted') &&
        lines().some((l) => l.msg === 'summary'),
    );
    const all = lines();
    for (const line of all) {
      expect(line).toMatchObject({ listener: 'json-log-listener', queue: q.queue });
      expect(Number.isNaN(Date.parse(line.time))).toBe(false);
    }
    const failed = all.find((l) => l.msg === 'handler failed') as Line;
    expect(failed).toMatchObject({ level: 'ERROR', messageId: q.failId });
    expect(failed.error.stack).toMatch(/^Error: db down\n {4}at /);
    expect(failed.error.cause).toMatchObject({
      message: 'connect ECONNREFUSED 127.0.0.1:5432',
      code: 'ECONNREFUSED',
      stack: expect.stringContaining('ECONNREFUSED'),
    });
    const deleted = all.find((l) => l.msg === 'deleted') as Line;
    expect(deleted).toMatchObject({ level: 'DEBUG', count: 1, messageIds: q.okId });
    expect(all.find((l) => l.msg === 'received')).toMatchObject({ level: 'DEBUG' });
    expect(all.find((l) => l.msg === 'summary')).toMatchObject({ level: 'INFO', everySecs: 1 });
    expect(all.find((l) => l.msg === 'listener started')).toMatchObject({ level: 'INFO' });
    await expectOnlyTheFailedOneLeft(q.queueUrl);
  });

  it('pino as it is: the line keeps message id, listener, queue, error stack and cause', async () => {
    const q = await twoMessages('pino-log');
    const lines: Line[] = [];
    const stream = new Writable({
      write(chunk, _encoding, callback) {
        for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l));
        callback();
      },
    });
    await runUntil({ listeners: [q.listener], logger: pino(stream), env: {} }, () =>
      lines.some((l) => l.msg === 'handler failed'),
    );
    const failed = lines.find((l) => l.msg === 'handler failed') as Line;
    expect(failed).toMatchObject({
      level: 50,
      messageId: q.failId,
      listener: 'pino-log-listener',
      queue: q.queue,
    });
    expect(failed.error.stack).toMatch(/^Error: db down\n/);
    expect(failed.error.cause.message).toBe('connect ECONNREFUSED 127.0.0.1:5432');
    expect(lines.find((l) => l.msg === 'listener started')).toMatchObject({
      level: 30,
      listener: 'pino-log-listener',
    });
    await expectOnlyTheFailedOneLeft(q.queueUrl);
  });
});

describe('levels, end to end', () => {
  it('a batch handled is DEBUG, not INFO; DEBUG shows the lease extension and the delete', async () => {
    const { queueUrl } = await createQueue({ name: 'levels', visibilitySecs: 2 });
    const [id] = await sendMessages(queueUrl, [{ slow: true }]);
    const calls: Array<[string, string, Record<string, unknown> | undefined]> = [];
    const at = (level: string) => (message: string, fields?: Record<string, unknown>) =>
      void calls.push([level, message, fields]);
    const logger: Logger = {
      debug: at('debug'),
      info: at('info'),
      warn: at('warn'),
      error: at('error'),
    };
    const listener: RegisteredListener = {
      options: {
        queueUrl,
        mode: 'batch',
        client: countingClient().client,
        waitTime: 1,
        idleSleepMax: 0,
        visibilitySecs: 2,
      },
      // Longer than the visibility: the lease must be extended for the delete to count.
      handler: async () => new Promise<void>((resolve) => setTimeout(resolve, 3_000)),
    };
    await runUntil({ listeners: [listener], logger, env: {} }, () =>
      calls.some(([, m]) => m === 'deleted'),
    );
    const messages = (level: string) => calls.filter(([l]) => l === level).map(([, m]) => m);
    expect(messages('info')).not.toContain('batch handled');
    expect(messages('debug')).toContain('batch handled');
    expect(calls).toContainEqual([
      'debug',
      'lease extended',
      expect.objectContaining({ messageId: id, queue: expect.any(String) }),
    ]);
    expect(calls).toContainEqual(['debug', 'deleted', expect.objectContaining({ messageIds: id })]);
    // INFO is the lifecycle only.
    for (const m of messages('info')) {
      expect(m).toMatch(
        /^(listener started|listener stopped|summary|Stop requested; draining…|all listeners drained)$/,
      );
    }
    const c = await queueCounts(queueUrl);
    expect(c.visible + c.inFlight + c.delayed).toBe(0);
  });
});
