/**
 * A handler, batch handler, filter or hook that throws something odd — a null-prototype object,
 * an object whose toString throws, a Symbol, undefined, a revoked Proxy, an Error whose message
 * cannot be read — is a failure like any other: logged, the message given back (not deleted) so
 * that it comes back, and the listener keeps running and ends cleanly. Against the in-memory SQS
 * on a fake clock, with the default logger (its line formatting is part of what must not throw).
 */
import createDebug from 'debug';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sqsMessages } from '../../src/core/sqs-messages.js';
import {
  batchListener,
  type LeasedMessage,
  type Listener,
  type ListenerBaseOptions,
  perMessageListener,
} from '../../src/index.js';
import { createDebugLogger } from '../../src/shared/logger.js';
import { createInMemorySqs } from '../../src/testing/index.js';
import { ODD_VALUES } from '../support/odd-values.js';
import { useFakeClock } from '../support/unit.js';

const VISIBILITY_SECS = 5;

type Mode = 'per-message' | 'batch';
type Site = 'handler' | 'filter' | 'onFailure' | 'onSuccess';

/** What a scenario records: each handler call as `body#receiveCount`. */
interface Seen {
  handled: string[];
}

/**
 * A listener whose `site` throws `odd()` the first time it meets the message `odd`. For
 * onFailure the handler fails that first delivery with a plain Error, so the hook runs.
 */
function listenerThrowingAt(mode: Mode, site: Site, odd: () => unknown, seen: Seen): Listener {
  const first = (m: LeasedMessage) => m.body === 'odd' && m.receiveCount === 1;
  const handleOne = (m: LeasedMessage) => {
    seen.handled.push(`${m.body}#${m.receiveCount}`);
    if (first(m) && site === 'handler') throw odd();
    if (first(m) && site === 'onFailure') throw new Error('first try fails');
  };
  const options: ListenerBaseOptions = {
    logger: createDebugLogger({ level: 'DEBUG', env: { LOG_USE_COLOR: '0' } }),
    env: {},
  };
  if (site === 'filter') {
    options.filter = (m) => {
      if (first(m)) throw odd();
      return true;
    };
  }
  if (site === 'onFailure') {
    options.onFailure = () => {
      throw odd();
    };
  }
  if (site === 'onSuccess') {
    options.onSuccess = (m) => {
      if (first(m)) throw odd();
    };
  }
  if (mode === 'per-message') return perMessageListener(handleOne, options);
  return batchListener((batch: LeasedMessage[]) => {
    // A throw from one message fails the whole batch, as the handler's own throw would.
    for (const m of batch) handleOne(m);
  }, options);
}

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);
const logLines: string[] = [];
const originalLog = createDebug.log;

beforeEach(() => {
  useFakeClock();
  unhandled.length = 0;
  logLines.length = 0;
  process.on('unhandledRejection', onUnhandled);
  createDebug.log = (...args: unknown[]) => void logLines.push(args.map(String).join(' '));
});

afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
  createDebug.log = originalLog;
  vi.useRealTimers();
});

/** Advances the fake clock in small steps until `done()` holds or `maxMs` passed. */
async function advanceUntil(done: () => boolean, maxMs: number): Promise<boolean> {
  for (let waited = 0; waited < maxMs && !done(); waited += 100) {
    await vi.advanceTimersByTimeAsync(100);
  }
  return done();
}

const SCENARIOS: Array<[Mode, Site]> = [
  ['per-message', 'handler'],
  ['batch', 'handler'],
  ['per-message', 'filter'],
  ['batch', 'filter'],
  ['per-message', 'onFailure'],
  ['batch', 'onFailure'],
  ['per-message', 'onSuccess'],
  ['batch', 'onSuccess'],
];

describe.each(SCENARIOS)('%s listener, %s throws', (mode, site) => {
  it.each(ODD_VALUES)('%s', async (_label, odd) => {
    const sqs = createInMemorySqs();
    const queueUrl = sqs.createQueue('odd-throws', { visibilityTimeout: 30 });
    sqs.sendMessage(queueUrl, 'odd');
    const seen: Seen = { handled: [] };
    const controller = new AbortController();
    const stream = sqsMessages(queueUrl, {
      client: sqs.client,
      signal: controller.signal,
      visibilitySecs: VISIBILITY_SECS,
      waitTime: 20,
      idleSleepMax: 0,
      logger: createDebugLogger({ level: 'ERROR', env: {} }),
      env: {},
    });
    let settled: 'running' | 'resolved' | 'rejected' = 'running';
    const done = listenerThrowingAt(mode, site, odd, seen)(stream);
    done.then(
      () => {
        settled = 'resolved';
      },
      () => {
        settled = 'rejected';
      },
    );

    const failsOnce = site !== 'onSuccess';
    // The first delivery has run into the throw (the filter's throw happens before the handler).
    const firstTryOver = () =>
      site === 'filter'
        ? logLines.some((l) => l.includes('filter threw'))
        : seen.handled.includes('odd#1');
    expect(await advanceUntil(firstTryOver, 10_000)).toBe(true);
    await vi.advanceTimersByTimeAsync(500);
    if (failsOnce) {
      // Given back, not deleted; it comes back after its visibility and then succeeds.
      expect(sqs.deleted(queueUrl)).toEqual([]);
      expect(await advanceUntil(() => sqs.deleted(queueUrl).length === 1, 30_000)).toBe(true);
      expect(seen.handled).toContain('odd#2');
    } else {
      // The hook's throw changes nothing: the message was handled and is deleted, once.
      expect(await advanceUntil(() => sqs.deleted(queueUrl).length === 1, 5_000)).toBe(true);
    }
    const reported = logLines.join('\n');
    expect(reported).toMatch(
      site === 'handler'
        ? /handler failed/
        : site === 'filter'
          ? /filter threw/
          : new RegExp(`${site} hook threw`),
    );

    // Still running: a message sent afterwards is handled and deleted too.
    expect(settled).toBe('running');
    sqs.sendMessage(queueUrl, 'later');
    expect(await advanceUntil(() => sqs.deleted(queueUrl).length === 2, 30_000)).toBe(true);
    expect(seen.handled).toContain('later#1');

    controller.abort();
    await advanceUntil(() => settled !== 'running', 5_000);
    expect(settled).toBe('resolved');
    const result = await done;
    await stream.drained();
    expect(result).toMatchObject({ failed: failsOnce ? 1 : 0, succeeded: 2 });
    expect(sqs.counts(queueUrl)).toMatchObject({ visible: 0, inFlight: 0, deleted: 2 });
    expect(
      sqs
        .deleted(queueUrl)
        .map((m) => m.body)
        .sort(),
    ).toEqual(['later', 'odd']);
    expect(unhandled).toEqual([]);
  });
});
