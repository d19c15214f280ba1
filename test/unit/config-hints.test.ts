/**
 * Configuration errors that teach: each names the option, the environment variable, the value
 * and the allowed range, then says what to do — batches over 10 need batchWindowMs, a queue URL
 * has a known form (or give queueName), missing credentials on Fargate mean a missing task role.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  batchListener,
  ConfigError,
  ReceiveError,
  type RegisteredListener,
  runListeners,
  sqsMessages,
} from '../../src/index.js';
import { classifyReceiveFailure } from '../../src/shared/errors.js';
import { silentLogger } from '../../src/shared/logger.js';
import { credentialsError, FakeSqs } from '../support/fake-sqs.js';
import { QUEUE_URL, useFakeClock } from '../support/unit.js';

const BATCH_HINT =
  "SQS returns at most 10 messages per receive: batches over 10 need batch mode (mode: 'batch' or batchListener) with batchWindowMs (env BATCH_WINDOW_MS) above 0, so that a batch gathers across receives (up to 10000 messages).";
const URL_FORM =
  'an SQS queue URL of the form https://sqs.<region>.amazonaws.com/<account-id>/<queue-name> (an emulator: http://<host>:<port>/<account-id>/<queue-name>)';

function configError(make: () => unknown): ConfigError {
  try {
    make();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

afterEach(() => {
  vi.useRealTimers();
});

describe('batch sizes over 10', () => {
  it('BATCH_SIZE=50: names the variable, the value, the range, and what allows it', () => {
    const fake = new FakeSqs();
    const error = configError(() =>
      sqsMessages(QUEUE_URL, { client: fake.client, env: { BATCH_SIZE: '50' } }),
    );
    expect(error.message).toBe(
      `Invalid environment variable BATCH_SIZE (option batchSize): got "50"; allowed: an integer from 1 to 10. ${BATCH_HINT}`,
    );
    expect(error).toMatchObject({ option: 'batchSize', envVar: 'BATCH_SIZE', value: '50' });
    expect(fake.sent('ReceiveMessage')).toEqual([]);
  });

  it('batch mode without a window: the hint is batchWindowMs alone; with a window 50 is fine', () => {
    const error = configError(() => batchListener(() => {}, { batchSize: 50, env: {} }));
    expect(error.hint).toBe(
      'SQS returns at most 10 messages per receive: batches over 10 need batchWindowMs (env BATCH_WINDOW_MS) above 0, so that a batch gathers across receives (up to 10000 messages).',
    );
    expect(() =>
      batchListener(() => {}, { batchSize: 50, batchWindowMs: 100, env: {} }),
    ).not.toThrow();
  });

  it('too small, or not a number: no hint about windows', () => {
    expect(configError(() => sqsMessages(QUEUE_URL, { env: { BATCH_SIZE: '0' } })).hint).toBe(
      undefined,
    );
    expect(configError(() => sqsMessages(QUEUE_URL, { env: { BATCH_SIZE: 'ten' } })).hint).toBe(
      undefined,
    );
  });

  it('the runner, per-message mode, BATCH_SIZE=50: the same hint, and nothing is received', async () => {
    const fake = new FakeSqs();
    const listeners: RegisteredListener[] = [
      { options: { queueUrl: QUEUE_URL, client: fake.client }, handler: () => {} },
    ];
    const error = await runListeners({
      handleSignals: false,
      logger: silentLogger,
      listeners,
      env: { BATCH_SIZE: '50' },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).hint).toBe(BATCH_HINT);
    expect(fake.sent('ReceiveMessage')).toEqual([]);
  });
});

describe('queue URLs', () => {
  it.each([
    [
      'a queue name',
      'orders',
      'That looks like a queue name: pass queueName: "orders" (env QUEUE_NAME) instead; its URL is looked up with GetQueueUrl at start.',
    ],
    [
      'an ARN',
      'arn:aws:sqs:us-east-1:123456789012:orders',
      'That is a queue ARN, not its URL. To give the queue by name instead, pass queueName (env QUEUE_NAME): its URL is looked up with GetQueueUrl at start.',
    ],
    [
      'a URL without the queue',
      'https://sqs.us-east-1.amazonaws.com/',
      'To give the queue by name instead, pass queueName (env QUEUE_NAME): its URL is looked up with GetQueueUrl at start.',
    ],
  ])('%s: the expected form, and queueName', (_what, value, hint) => {
    const error = configError(() => sqsMessages(value, { env: {} }));
    expect(error.message).toBe(
      `Invalid option queueUrl (environment variable QUEUE_URL): got ${JSON.stringify(value)}; allowed: ${URL_FORM}. ${hint}`,
    );
    expect(error.hint).toBe(hint);
  });

  it('QUEUE_URL from the environment: named as the variable', () => {
    const error = configError(() => sqsMessages({ env: { QUEUE_URL: 'orders' } }));
    expect(error.message).toMatch(
      /^Invalid environment variable QUEUE_URL \(option queueUrl\): got "orders"; allowed: an SQS queue URL of the form/,
    );
  });
});

describe('missing credentials', () => {
  it('the receive failure says what to set: the task role, AWS_PROFILE, the key variables', () => {
    const failure = classifyReceiveFailure(credentialsError());
    expect(failure.kind).toBe('credentials');
    expect(failure.message).toContain('No AWS credentials were found.');
    expect(failure.message).toContain('give the task definition a task role (taskRoleArn');
    expect(failure.message).toContain('AWS_PROFILE');
    expect(failure.message).toContain('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
  });

  it('refused keys and missing permissions each get their own advice', () => {
    const refused = classifyReceiveFailure(
      Object.assign(new Error('The security token included in the request is invalid.'), {
        name: 'InvalidClientTokenId',
      }),
    );
    expect(refused.message).toBe(
      'The security token included in the request is invalid. The credentials were refused: check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary ones), AWS_PROFILE, or the ECS task role.',
    );
    const denied = classifyReceiveFailure(
      Object.assign(new Error('not authorized'), { name: 'AccessDenied' }),
    );
    expect(denied.message).toContain('needs sqs:ReceiveMessage, sqs:DeleteMessage');
    expect(classifyReceiveFailure(new Error('Region is missing')).message).toBe(
      'Region is missing. Set AWS_REGION (ECS sets it in tasks), or pass a client with a region; for an emulator, AWS_ENDPOINT_URL_SQS.',
    );
    // A retryable failure is reported as SQS said it, with nothing added.
    const throttled = classifyReceiveFailure(
      Object.assign(new Error('slow down'), { name: 'ThrottlingException' }),
    );
    expect(throttled).toEqual({ kind: 'retry', code: 'ThrottlingException', message: 'slow down' });
  });

  it('a stream whose credentials never load ends with a ReceiveError carrying the advice', async () => {
    useFakeClock();
    const fake = new FakeSqs();
    fake.failRequest('ReceiveMessage', credentialsError(), Number.POSITIVE_INFINITY);
    const controller = new AbortController();
    const stream = sqsMessages(QUEUE_URL, {
      client: fake.client,
      signal: controller.signal,
      concurrentReceives: 1,
      idleSleepMax: 0,
      logger: silentLogger,
      env: {},
    });
    const iterator = stream[Symbol.asyncIterator]();
    const next = iterator.next().then(
      () => undefined,
      (e: unknown) => e,
    );
    await vi.advanceTimersByTimeAsync(60_000);
    const error = await next;
    expect(error).toBeInstanceOf(ReceiveError);
    expect((error as Error).message).toMatch(
      /^Cannot receive from https:\/\/sqs\.us-east-1\.amazonaws\.com\/123456789012\/unit-queue: CredentialsProviderError: .*No AWS credentials were found\. On ECS\/Fargate, give the task definition a task role/,
    );
    controller.abort();
    await iterator.return?.();
  });
});
