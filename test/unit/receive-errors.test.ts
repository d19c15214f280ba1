/**
 * Receive errors: transient ones back off exponentially (capped) and the stream recovers; a
 * missing queue, refused credentials or a client the SDK cannot use (no region, a bad endpoint)
 * end the iteration with a typed ReceiveError, at once, without retrying in a loop; credentials
 * that cannot be loaded end it once a few attempts in a row failed.
 */
import { setTimeout as realSleep } from 'node:timers/promises';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sqsMessages } from '../../src/core/sqs-messages.js';
import { ReceiveError } from '../../src/shared/errors.js';
import type { LogFields, Logger } from '../../src/shared/logger.js';
import {
  awsError,
  credentialsError,
  FakeSqs,
  queueDoesNotExistError,
  sqsMessage,
  throttlingError,
} from '../support/fake-sqs.js';
import { type OpenStream, openStream, QUEUE_URL, useFakeClock } from '../support/unit.js';

let open: OpenStream | undefined;

type Settled<T> =
  | { state: 'pending' }
  | { state: 'resolved'; value: T }
  | { state: 'rejected'; error: unknown };

/**
 * Runs the fake clock for `ms`, then reports how `promise` settled by then, so that a
 * regression shows up as a failed assertion instead of a hang until the test timeout.
 */
async function settledAfter<T>(promise: Promise<T>, ms: number): Promise<Settled<T>> {
  let result: Settled<T> = { state: 'pending' };
  promise.then(
    (value) => {
      result = { state: 'resolved', value };
    },
    (error: unknown) => {
      result = { state: 'rejected', error };
    },
  );
  await vi.advanceTimersByTimeAsync(ms);
  return result;
}

beforeEach(() => {
  useFakeClock();
});

afterEach(async () => {
  await open?.close();
  open = undefined;
  vi.useRealTimers();
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('transient receive errors', () => {
  it('retries a throttled receive with growing, capped delays, then delivers messages', async () => {
    // Take the top of each jittered range, so the delays are the backoff ceilings themselves.
    vi.spyOn(Math, 'random').mockReturnValue(0.999_999);
    const fake = new FakeSqs();
    const failures = 10;
    fake.failRequest('ReceiveMessage', throttlingError(), failures);
    fake.enqueue(sqsMessage('after-throttling'));
    open = openStream({ concurrentReceives: 1, maxInFlight: 1 }, fake);

    // Far more than the sum of capped delays: the stream must have recovered by then.
    const first = await settledAfter(open.iterator.next(), 10 * 60_000);

    expect(first).toMatchObject({ state: 'resolved', value: { done: false } });
    expect(first.state === 'resolved' && first.value.value.messageId).toBe('after-throttling');
    const receives = fake.sent('ReceiveMessage');
    expect(receives).toHaveLength(failures + 1);
    const gaps = receives.slice(1).map((r, i) => r.at - receives[i]!.at);
    // Exponential: every delay at least the one before, and the early ones at least double.
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]).toBeGreaterThanOrEqual(gaps[i - 1]!);
    for (let i = 1; i < 4; i++) expect(gaps[i]).toBeGreaterThanOrEqual(gaps[i - 1]! * 2 - 1);
    expect(gaps[0]).toBeGreaterThan(0);
    // Capped: the last delays are equal and not absurd.
    expect(gaps.at(-1)).toBe(gaps.at(-2));
    expect(Math.max(...gaps)).toBeLessThanOrEqual(30_000);
    expect(open.stream.stats().receiveErrors).toBe(failures);
  });

  it('keeps the delays within the cap with real jitter, and never retries without a pause', async () => {
    const fake = new FakeSqs();
    fake.failRequest('ReceiveMessage', throttlingError(), 30);
    open = openStream({ concurrentReceives: 1, maxInFlight: 1 }, fake);
    fake.enqueue(sqsMessage('eventually'));

    const first = await settledAfter(open.iterator.next(), 30 * 30_000);
    expect(first).toMatchObject({ state: 'resolved', value: { done: false } });

    const receives = fake.sent('ReceiveMessage');
    expect(receives).toHaveLength(31);
    const gaps = receives.slice(1).map((r, i) => r.at - receives[i]!.at);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(30_000);
  });

  it('retries a server error (5xx) the same way', async () => {
    const fake = new FakeSqs();
    fake.failRequest(
      'ReceiveMessage',
      awsError('InternalFailure', { fault: 'server', retryable: true }),
      2,
    );
    fake.enqueue(sqsMessage('after-5xx'));
    open = openStream({ concurrentReceives: 1, maxInFlight: 1 }, fake);

    const first = await settledAfter(open.iterator.next(), 60_000);
    expect(first.state === 'resolved' && first.value.value.messageId).toBe('after-5xx');
    expect(fake.sent('ReceiveMessage')).toHaveLength(3);
  });
});

describe('fatal receive errors', () => {
  it.each([
    ['QueueDoesNotExist', queueDoesNotExistError],
    ['AccessDenied', () => awsError('AccessDenied', { fault: 'client' })],
    ['InvalidClientTokenId', () => awsError('InvalidClientTokenId', { fault: 'client' })],
  ])('%s ends the iteration with a ReceiveError after one attempt', async (code, makeError) => {
    const fake = new FakeSqs();
    fake.failRequest('ReceiveMessage', makeError(), Number.POSITIVE_INFINITY);
    open = openStream({ concurrentReceives: 1 }, fake);

    const first = await settledAfter(open.iterator.next(), 1_000);
    expect(first.state).toBe('rejected');
    const error = first.state === 'rejected' ? first.error : undefined;

    expect(error).toBeInstanceOf(ReceiveError);
    expect(error).toMatchObject({ code, queueUrl: QUEUE_URL, retryable: false });
    expect((error as Error).message).toContain(QUEUE_URL);
    expect((error as Error).cause).toBeInstanceOf(Error);
    // No hot loop and no retry later either.
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(fake.sent('ReceiveMessage')).toHaveLength(1);
    // The error is reported once; the iteration is then simply over.
    expect(await open.iterator.next()).toEqual({ value: undefined, done: true });
  });

  it('with several parallel receives, stops every poller at the first fatal error', async () => {
    const fake = new FakeSqs();
    fake.failRequest('ReceiveMessage', queueDoesNotExistError(), Number.POSITIVE_INFINITY);
    open = openStream({ concurrentReceives: 3, maxInFlight: 30 }, fake);

    const first = await settledAfter(open.iterator.next(), 1_000);
    expect(first).toMatchObject({ state: 'rejected', error: expect.any(ReceiveError) });
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(fake.sent('ReceiveMessage').length).toBeLessThanOrEqual(3);
  });

  it('delivers what was received before a fatal error, then throws', async () => {
    const fake = new FakeSqs();
    fake.enqueue(sqsMessage('before'));
    open = openStream({ concurrentReceives: 1, maxInFlight: 2, batchSize: 1 }, fake);
    const first = await open.iterator.next();
    expect(first.done ? undefined : first.value.messageId).toBe('before');
    fake.failRequest('ReceiveMessage', queueDoesNotExistError(), Number.POSITIVE_INFINITY);
    // The poller's long poll is still waiting; let it time out into the failing receive.
    const second = await settledAfter(open.iterator.next(), 25_000);
    expect(second).toMatchObject({ state: 'rejected', error: expect.any(ReceiveError) });
    // The message handed out before the error can still be settled.
    const ack = first.done ? undefined : first.value.ack();
    await vi.advanceTimersByTimeAsync(100);
    await ack;
    expect(fake.deleted).toHaveLength(1);
  });
});

/** A logger that keeps what it is given, to assert on the fields. */
function recordingLogger(): Logger & {
  lines: Array<{ level: string; message: string; fields?: LogFields }>;
} {
  const lines: Array<{ level: string; message: string; fields?: LogFields }> = [];
  const at =
    (level: string) =>
    (message: string, fields?: LogFields): void =>
      void lines.push({ level, message, fields });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** The environment with no AWS configuration at all: no region, no profile, no credentials. */
function stubEmptyAwsEnvironment(): void {
  for (const name of [
    'AWS_REGION',
    'AWS_DEFAULT_REGION',
    'AWS_PROFILE',
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
    'AWS_CONTAINER_CREDENTIALS_FULL_URI',
    'AWS_WEB_IDENTITY_TOKEN_FILE',
  ]) {
    vi.stubEnv(name, undefined);
  }
  vi.stubEnv('AWS_CONFIG_FILE', '/nonexistent/aws-config');
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', '/nonexistent/aws-credentials');
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
}

const KEYS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

/** Opens a stream over a real SQSClient; every send is counted. No request reaches the network. */
function openRealClient(client: SQSClient, logger: Logger = recordingLogger()) {
  const send = vi.spyOn(client, 'send');
  const controller = new AbortController();
  const stream = sqsMessages(QUEUE_URL, {
    client,
    signal: controller.signal,
    concurrentReceives: 1,
    idleSleepMax: 0,
    logger,
    env: {},
  });
  const iterator = stream[Symbol.asyncIterator]();
  open = {
    fake: new FakeSqs(),
    stream,
    iterator,
    controller,
    close: async () => {
      controller.abort();
      const done = iterator.return?.();
      await vi.advanceTimersByTimeAsync(60_000);
      await done;
    },
  };
  return { iterator, send };
}

/**
 * Like settledAfter, for a real SQSClient: it also does real I/O (reading the AWS config files),
 * which fake time does not hurry, so real time passes too, up to a generous bound.
 */
async function settledEventually<T>(promise: Promise<T>): Promise<Settled<T>> {
  let result: Settled<T> = { state: 'pending' };
  promise.then(
    (value) => {
      result = { state: 'resolved', value };
    },
    (error: unknown) => {
      result = { state: 'rejected', error };
    },
  );
  for (let i = 0; i < 1_000 && result.state === 'pending'; i++) {
    await vi.advanceTimersByTimeAsync(1_000);
    await realSleep(10);
  }
  return result;
}

async function expectReceiveError(
  iterator: AsyncIterator<unknown>,
  expected: { code: string; message: string },
): Promise<ReceiveError> {
  const first = await settledEventually(iterator.next());
  expect(first.state).toBe('rejected');
  const error = first.state === 'rejected' ? first.error : undefined;
  expect(error).toBeInstanceOf(ReceiveError);
  expect(error).toMatchObject({ code: expected.code, queueUrl: QUEUE_URL, retryable: false });
  expect((error as Error).message).toContain(QUEUE_URL);
  expect((error as Error).message).toContain(expected.message);
  return error as ReceiveError;
}

describe('SDK configuration errors (a real SQSClient, nothing sent)', () => {
  it('no region anywhere: the SDK default client ends the stream with "Region is missing"', async () => {
    stubEmptyAwsEnvironment();
    const logger = recordingLogger();
    // No client option: the stream builds the default client from this empty environment.
    const controller = new AbortController();
    const stream = sqsMessages(QUEUE_URL, {
      signal: controller.signal,
      concurrentReceives: 1,
      idleSleepMax: 0,
      logger,
      env: {},
    });
    const iterator = stream[Symbol.asyncIterator]();
    open = {
      fake: new FakeSqs(),
      stream,
      iterator,
      controller,
      close: async () => {
        controller.abort();
        await iterator.return?.();
      },
    };
    const error = await expectReceiveError(iterator, {
      code: 'InvalidClientConfig',
      message: 'Region is missing',
    });
    expect((error.cause as Error).message).toBe('Region is missing');
    // One receive, then nothing: no retry loop hiding the reason behind code=Unknown.
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(stream.stats().receives).toBe(1);
    expect(stream.stats().receiveErrors).toBe(0);
    expect(logger.lines.filter((l) => l.level === 'warn')).toEqual([]);
    const fatal = logger.lines.find((l) => l.level === 'error');
    expect(fatal?.fields?.code).toBe('InvalidClientConfig');
    expect(String(fatal?.fields?.error)).toContain('Region is missing');
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
  });

  it("a region that is not a hostname label ends the stream with the SDK's message", async () => {
    const { iterator, send } = openRealClient(
      new SQSClient({ region: 'us east 1', credentials: KEYS }),
    );
    await expectReceiveError(iterator, {
      code: 'InvalidClientConfig',
      message: 'Region not accepted',
    });
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(send).toHaveBeenCalledTimes(1);
  });

  it.each(['not a url', 'http://'])(
    'endpoint %j ends the stream with the SDK\'s "Invalid URL", naming the endpoint',
    async (endpoint) => {
      const { iterator, send } = openRealClient(
        new SQSClient({ region: 'us-east-1', endpoint, credentials: KEYS }),
      );
      await expectReceiveError(iterator, {
        code: 'InvalidClientConfig',
        message: `Invalid URL: endpoint ${JSON.stringify(endpoint)}`,
      });
      await vi.advanceTimersByTimeAsync(5 * 60_000);
      expect(send).toHaveBeenCalledTimes(1);
    },
  );

  it('a credentials provider that keeps failing: retried, then the stream ends with its message', async () => {
    let calls = 0;
    const client = new SQSClient({
      region: 'us-east-1',
      credentials: async () => {
        calls++;
        throw Object.assign(new Error('Could not load credentials from any providers'), {
          name: 'CredentialsProviderError',
          tryNextLink: false,
        });
      },
    });
    const logger = recordingLogger();
    const { iterator, send } = openRealClient(client, logger);
    await expectReceiveError(iterator, {
      code: 'CredentialsProviderError',
      message: 'Could not load credentials from any providers',
    });
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    // The SDK asks the provider again on every send: three receives, three loads, then no more.
    expect(send).toHaveBeenCalledTimes(3);
    expect(calls).toBe(3);
    const retries = logger.lines.filter((l) => l.message === 'receive failed; retrying');
    expect(retries).toHaveLength(2);
    expect(String(retries[0]?.fields?.error)).toContain('Could not load credentials');
  });

  it('a provider that resolves without keys (unset variables) is a credentials error too', async () => {
    const unset = { accessKeyId: undefined, secretAccessKey: undefined } as unknown as typeof KEYS;
    const { iterator, send } = openRealClient(
      new SQSClient({ region: 'us-east-1', credentials: unset }),
    );
    await expectReceiveError(iterator, {
      code: 'CredentialsProviderError',
      message: 'Resolved credential object is not valid',
    });
    expect(send).toHaveBeenCalledTimes(3);
  });
});

describe('credentials errors', () => {
  it('recover when the credentials load on a later attempt', async () => {
    const fake = new FakeSqs();
    fake.failRequest('ReceiveMessage', credentialsError(), 2);
    fake.enqueue(sqsMessage('after-credentials'));
    open = openStream({ concurrentReceives: 1, maxInFlight: 1 }, fake);
    const first = await settledAfter(open.iterator.next(), 60_000);
    expect(first.state === 'resolved' && first.value.value.messageId).toBe('after-credentials');
    expect(fake.sent('ReceiveMessage')).toHaveLength(3);
  });

  it('end the stream after three failed attempts in a row, and no more', async () => {
    const fake = new FakeSqs();
    fake.failRequest('ReceiveMessage', credentialsError(), Number.POSITIVE_INFINITY);
    open = openStream({ concurrentReceives: 1 }, fake);
    const first = await settledAfter(open.iterator.next(), 60_000);
    expect(first).toMatchObject({
      state: 'rejected',
      error: { name: 'ReceiveError', code: 'CredentialsProviderError', retryable: false },
    });
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(fake.sent('ReceiveMessage')).toHaveLength(3);
    expect(await open.iterator.next()).toEqual({ value: undefined, done: true });
  });
});

describe('retried receive errors', () => {
  it('are logged with their message, not only a code', async () => {
    const fake = new FakeSqs();
    fake.failRequest('ReceiveMessage', new Error('socket hang up'), 1);
    fake.enqueue(sqsMessage('after'));
    const logger = recordingLogger();
    open = openStream({ concurrentReceives: 1, maxInFlight: 1, logger }, fake);
    const first = await settledAfter(open.iterator.next(), 60_000);
    expect(first.state).toBe('resolved');
    const retry = logger.lines.find((l) => l.message === 'receive failed; retrying');
    expect(retry?.fields).toMatchObject({ code: 'Unknown', attempt: 1 });
    expect(String(retry?.fields?.error)).toContain('socket hang up');
  });
});
