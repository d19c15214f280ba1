/**
 * `createListener()` handles on fauxqs: start, handle and delete, drain on stop({ timeout }),
 * abandoned handlers, idempotent start/stop, events (and none left subscribed after the stop),
 * a fatal receive error ending `drained`, both modes.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SqsMessageStream } from '../../src/core/sqs-messages.js';
import {
  ConfigError,
  createListener,
  type LeasedMessage,
  type ListenerHandle,
  ReceiveError,
} from '../../src/index.js';
import { silentLogger } from '../../src/shared/logger.js';
import { awsError } from '../support/fake-sqs.js';
import { recordUnhandledRejections } from '../support/leaks.js';
import {
  countingClient,
  createQueue,
  eventually,
  numbered,
  queueCounts,
  receiveNow,
  sendMessages,
} from '../support/sqs.js';

const handles: ListenerHandle[] = [];

/** Options every handle here uses: fauxqs, short polls, quiet, no environment. */
function base(queueUrl: string, client: SQSClient = countingClient().client) {
  return { queueUrl, client, waitTime: 1, idleSleepMax: 0, logger: silentLogger, env: {} };
}

function track(handle: ListenerHandle): ListenerHandle {
  handles.push(handle);
  return handle;
}

afterEach(async () => {
  await Promise.all(handles.splice(0).map((h) => h.stop({ timeout: 0 })));
});

/** The number of listeners subscribed to the handle's stream (white box: no leak after stop). */
function streamListenerCount(handle: ListenerHandle): number {
  const { prepared } = handle as unknown as { prepared: { stream: SqsMessageStream } };
  const hub = (prepared.stream as unknown as { events: { listeners: object } }).events;
  return Object.values(hub.listeners).reduce<number>(
    (n, list) => n + ((list as unknown[] | undefined)?.length ?? 0),
    0,
  );
}

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

describe('createListener', () => {
  it('handles and deletes; stop({ timeout }) lets a slow handler finish and gives back the rest at once', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    const first = await sendMessages(queueUrl, numbered(3));
    const slow = gate();
    const started: string[] = [];
    let slowStarted = false;
    const handle = track(
      createListener({ ...base(queueUrl), workerThreads: 1 }, async (message) => {
        started.push(message.messageId);
        if ((message.json as { n: number }).n === 100) {
          slowStarted = true;
          await slow.opened;
        }
      }),
    );
    expect(handle.running).toBe(false);
    await handle.start();
    expect(handle.running).toBe(true);

    // Handled and deleted while it runs.
    expect(await eventually(() => handle.stats().stream.acked === 3)).toBe(true);
    expect(await queueCounts(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    expect([...started].sort()).toEqual([...first].sort());

    // One slow message, then more that the single worker cannot take yet.
    const [slowId] = await sendMessages(queueUrl, [{ n: 100 }]);
    expect(await eventually(() => slowStarted)).toBe(true);
    const waiting = await sendMessages(queueUrl, numbered(4));
    expect(await eventually(() => handle.stats().stream.buffered > 0)).toBe(true);

    const stopped = handle.stop({ timeout: 30 });
    expect(handle.running).toBe(false);
    // What no handler got is visible again at once (not after the 30 s visibility), while the
    // slow handler still runs.
    expect(
      await eventually(async () => (await queueCounts(queueUrl)).visible === waiting.length),
    ).toBe(true);
    expect(slowStarted && started.length).toBe(4);
    slow.open();
    const report = await stopped;
    expect(report.timedOut).toBe(false);
    expect(report.error).toBeUndefined();
    expect(report.abandoned).toEqual([]);
    expect(report.result.succeeded).toBe(started.length);
    expect(started).toContain(slowId);
    // The slow one was deleted; the messages no handler got are back in the queue.
    expect(await queueCounts(queueUrl)).toEqual({
      visible: waiting.length,
      inFlight: 0,
      delayed: 0,
    });
    const left = (await receiveNow(queueUrl)).map((m) => m.MessageId!);
    expect([...left].sort()).toEqual([...waiting].sort());
    expect(await handle.drained).toBe(report);
  });

  it('stop({ timeout }) with a handler that never returns resolves with its message id and releases it', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    const [stuck] = await sendMessages(queueUrl, [{ n: 1 }]);
    let running = false;
    // shutdownTimeout 60: only stop()'s own timeout can release the message in time.
    const handle = track(
      createListener({ ...base(queueUrl), shutdownTimeout: 60 }, (message) => {
        running = true;
        return new Promise(() => {
          void message;
        });
      }),
    );
    await handle.start();
    expect(await eventually(() => running)).toBe(true);
    const report = await handle.stop({ timeout: 1 });
    expect(report.timedOut).toBe(true);
    expect(report.abandoned.map((c) => c.messageIds)).toEqual([[stuck]]);
    // Released at the deadline: visible again long before its 30 s visibility would end.
    expect(await eventually(async () => (await queueCounts(queueUrl)).visible === 1, 5_000)).toBe(
      true,
    );
  });

  it('start and stop are idempotent; a stop before start makes the handle stopped', async () => {
    const { queueUrl } = await createQueue();
    // Every interval and timer the handle makes must be cleared by its stop.
    const intervals = vi.spyOn(globalThis, 'setInterval');
    const cleared = vi.spyOn(globalThis, 'clearInterval');
    const handle = track(createListener(base(queueUrl), () => {}));
    const a = handle.start();
    expect(handle.start()).toBe(a);
    await a;
    const s1 = handle.stop({ timeout: 5 });
    expect(handle.stop()).toBe(s1);
    expect((await s1).error).toBeUndefined();
    // Nothing left behind: the keep-alive interval and the deadline timer are cleared.
    const made = intervals.mock.results.map((r) => r.value as unknown);
    expect(made.length).toBeGreaterThan(0);
    for (const interval of made) expect(cleared).toHaveBeenCalledWith(interval);
    intervals.mockRestore();
    cleared.mockRestore();

    const never = createListener(base(queueUrl), () => {});
    const report = await never.stop();
    expect(report).toMatchObject({ queueUrl, timedOut: false, error: undefined });
    expect(report.stats.received).toBe(0);
    expect(await never.drained).toBe(report);
    await expect(never.start()).rejects.toThrow(/stopped and cannot start again/);
    expect(never.running).toBe(false);
  });

  it('emits the stream events with their payloads, then removes every subscription', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    const handle = track(
      createListener(base(queueUrl), (message) => (message.json as { n: number }).n !== 1),
    );
    const received: string[] = [];
    const acked: string[] = [];
    const nacked: Array<{ messageId: string; delaySeconds: number | undefined }> = [];
    const stoppedEvents: unknown[] = [];
    const onAcked = ({ messageId }: { messageId: string }) => acked.push(messageId);
    // Subscribed before start: the stream does not exist yet.
    handle.on('received', (e) => received.push(...e.messageIds));
    handle.on('acked', onAcked);
    handle.on('nacked', ({ messageId, delaySeconds }) => nacked.push({ messageId, delaySeconds }));
    handle.on('stopped', (report) => stoppedEvents.push(report));
    await handle.start();
    // Subscribed after start, and removed again with off().
    const late: string[] = [];
    const onLate = ({ messageId }: { messageId: string }) => late.push(messageId);
    handle.on('handedOut', onLate);
    handle.off('handedOut', onLate);

    const [one, two, three] = await sendMessages(queueUrl, numbered(3));
    expect(await eventually(() => acked.length === 2 && nacked.length === 1)).toBe(true);
    expect([...received].sort()).toEqual([one, two, three].sort());
    expect([...acked].sort()).toEqual([one, three].sort());
    expect(nacked).toEqual([{ messageId: two, delaySeconds: undefined }]);
    expect(late).toEqual([]);
    expect(streamListenerCount(handle)).toBe(3);

    const report = await handle.stop({ timeout: 5 });
    expect(stoppedEvents).toEqual([report]);
    expect(streamListenerCount(handle)).toBe(0);
    // After the stop, on() keeps nothing.
    handle.on('acked', onAcked);
    expect((handle as unknown as { events: { size: number } }).events.size).toBe(0);
  });

  it('drained resolves with the error after a fatal receive error; start had resolved', async () => {
    const rejections = recordUnhandledRejections();
    try {
      const refused = awsError('InvalidClientTokenId', {
        message: 'The security token included in the request is invalid.',
        fault: 'client',
      });
      const client = {
        send: () => Promise.reject(refused),
        destroy: () => {},
        config: {},
      } as unknown as SQSClient;
      const errors: Error[] = [];
      const handle = track(
        createListener(base('http://localhost:1/000000000000/nowhere', client), () => {}),
      );
      handle.on('error', (e) => errors.push(e));
      await handle.start();
      const report = await handle.drained;
      expect(report.error).toBeInstanceOf(ReceiveError);
      expect(report.error?.message).toMatch(/security token/);
      expect(errors).toEqual([report.error]);
      expect(handle.running).toBe(false);
      expect(await handle.stop()).toBe(report);
      expect(rejections.reasons).toEqual([]);
    } finally {
      rejections.stop();
    }
  });

  it('batch mode: partial batch failures come back, the rest is deleted', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    const seen: string[] = [];
    const handle = track(
      createListener({ ...base(queueUrl), mode: 'batch' }, (messages: LeasedMessage[]) => {
        seen.push(...messages.map((m) => m.messageId));
        const failed = messages.filter((m) => (m.json as { n: number }).n === 1);
        return { batchItemFailures: failed.map((m) => ({ itemIdentifier: m.messageId })) };
      }),
    );
    await handle.start();
    const [, two] = await sendMessages(queueUrl, numbered(3));
    expect(await eventually(() => handle.stats().stream.acked === 2)).toBe(true);
    const report = await handle.stop({ timeout: 5 });
    expect(report.result).toMatchObject({ processed: 3, succeeded: 2, failed: 1 });
    expect(report.handler.duration.count).toBeGreaterThan(0);
    // Only the failed one is left (in flight until its visibility ends).
    expect(await queueCounts(queueUrl)).toEqual({ visible: 0, inFlight: 1, delayed: 0 });
    expect(seen).toContain(two);
  });

  it('queueName: the URL is looked up at start; a missing queue rejects start()', async () => {
    const { queueUrl } = await createQueue();
    const queueName = queueUrl.slice(queueUrl.lastIndexOf('/') + 1);
    const handled: string[] = [];
    const { queueUrl: _, ...named } = base('');
    const handle = track(
      createListener({ ...named, queueName }, (m) => {
        handled.push(m.messageId);
      }),
    );
    await handle.start();
    const sent = await sendMessages(queueUrl, numbered(2));
    expect(await eventually(() => handle.stats().stream.acked === 2)).toBe(true);
    const report = await handle.stop({ timeout: 5 });
    expect(report.queueUrl).toBe(queueUrl);
    expect([...handled].sort()).toEqual([...sent].sort());
    expect(await queueCounts(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });

    const missing = track(createListener({ ...named, queueName: `${queueName}-gone` }, () => {}));
    await expect(missing.start()).rejects.toThrow(ConfigError);
    expect((await missing.drained).error).toBeInstanceOf(ConfigError);
  });

  it('a misspelt option rejects start() with a suggestion', async () => {
    const { queueUrl } = await createQueue();
    const handle = track(
      createListener({ ...base(queueUrl), workerthreads: 2 } as { queueUrl: string }, () => {}),
    );
    await expect(handle.start()).rejects.toThrow(/workerthreads.*workerThreads/s);
  });

  it('bad options reject start() with a ConfigError, and nothing is received', async () => {
    const { client, counts } = countingClient();
    const handle = track(createListener({ ...base('', client), queueUrl: 'not a url' }, () => {}));
    const errors: Error[] = [];
    handle.on('error', (e) => errors.push(e));
    const failure = await handle.start().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as ConfigError).option).toBe('queueUrl');
    expect(errors).toEqual([failure]);
    expect((await handle.drained).error).toBe(failure);
    expect(counts).toEqual({});

    const { queueUrl } = await createQueue();
    const other = track(createListener(base(queueUrl), () => {}));
    await expect(other.stop({ timeout: -1 })).rejects.toThrow(ConfigError);
    await expect(other.stop({ timeout: -1 })).rejects.toThrow(/stop\(\{ timeout \}\).*-1/);
    // The bad stop changed nothing: the handle still starts and stops.
    await other.start();
    expect(other.running).toBe(true);
    expect((await other.stop({ timeout: 5 })).error).toBeUndefined();
  });
});
