/**
 * Queues given by name (`queueName`, env `QUEUE_NAME`): looked up once with GetQueueUrl before
 * the first receive; a missing queue is a ConfigError naming the queue and where it was looked
 * for, and nothing is received. Faked at `send`: see test/integration/queue-name.test.ts for the
 * same against fauxqs.
 */
import { GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  ReceiveError,
  type RegisteredListener,
  runListeners,
  sqsMessages,
} from '../../src/index.js';
import { silentLogger } from '../../src/shared/logger.js';
import { awsError, credentialsError, FakeSqs, sqsMessage } from '../support/fake-sqs.js';

const ORDERS_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders';

/** A FakeSqs that also answers GetQueueUrl, from `queues` (name → URL) or with `answer`. */
function withLookups(
  queues: Record<string, string>,
  answer?: (name: string, signal: AbortSignal | undefined) => Promise<unknown>,
) {
  const fake = new FakeSqs();
  const lookups: Array<{ name: string; signal: AbortSignal | undefined }> = [];
  const client = {
    send(command: object, options: { abortSignal?: AbortSignal } = {}): Promise<unknown> {
      if (!(command instanceof GetQueueUrlCommand)) return fake.send(command, options);
      const name = command.input.QueueName ?? '';
      lookups.push({ name, signal: options.abortSignal });
      if (answer) return answer(name, options.abortSignal);
      const url = queues[name];
      if (url !== undefined) return Promise.resolve({ QueueUrl: url });
      return Promise.reject(
        awsError('QueueDoesNotExist', { message: 'The specified queue does not exist.' }),
      );
    },
    destroy() {},
  } as unknown as SQSClient;
  return { fake, client, lookups };
}

const quiet = { idleSleepMax: 0, waitTime: 1, logger: silentLogger, env: {} } as const;

describe('sqsMessages({ queueName })', () => {
  it('looks the URL up once, before the first receive, and uses it for every request', async () => {
    const { fake, client, lookups } = withLookups({ orders: ORDERS_URL });
    fake.enqueue(sqsMessage('m1'));
    const stream = sqsMessages({ queueName: 'orders', client, ...quiet });
    expect(stream.queueUrl).toBe('');
    expect(stream.config.queueName).toBe('orders');
    expect(lookups).toEqual([]);

    for await (const message of stream) {
      await message.ack();
      break;
    }
    expect(stream.queueUrl).toBe(ORDERS_URL);
    // The first iteration released what it had not handed out; the fake forgets released ones.
    fake.enqueue(sqsMessage('m2'));
    for await (const message of stream) {
      await message.ack();
      break;
    }
    expect(lookups.map((l) => l.name)).toEqual(['orders']);
    const receives = fake.sent('ReceiveMessage');
    expect(receives.length).toBeGreaterThan(0);
    for (const r of receives) expect(r.input.QueueUrl).toBe(ORDERS_URL);
    for (const d of fake.sent('DeleteMessageBatch')) expect(d.input.QueueUrl).toBe(ORDERS_URL);
    expect(fake.entriesOf('DeleteMessageBatch').flat()).toHaveLength(2);
  });

  it('resolveQueueUrl() looks it up ahead; iterating then sends no second GetQueueUrl', async () => {
    const { client, lookups } = withLookups({ orders: ORDERS_URL });
    const stream = sqsMessages({ queueName: 'orders', client, ...quiet });
    const [a, b] = await Promise.all([stream.resolveQueueUrl(), stream.resolveQueueUrl()]);
    expect([a, b]).toEqual([ORDERS_URL, ORDERS_URL]);
    expect(lookups).toHaveLength(1);
  });

  it('a missing queue: a ConfigError naming the queue and QUEUE_NAME; nothing is received', async () => {
    const { fake, client } = withLookups({});
    const stream = sqsMessages({ client, ...quiet, env: { QUEUE_NAME: 'ordres' } });
    const iterator = stream[Symbol.asyncIterator]();
    const error = await iterator.next().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      'Invalid environment variable QUEUE_NAME (option queueName): got "ordres"; allowed: the name of an existing queue. GetQueueUrl found no queue named "ordres" (the client): check the name (a FIFO queue\'s ends in .fifo), the region (AWS_REGION) and the account, or create the queue first.',
    );
    expect((error as ConfigError).cause).toMatchObject({ name: 'QueueDoesNotExist' });
    // Reported once; then the iteration is over, and nothing was received.
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
    await stream.drained();
    expect(fake.sent('ReceiveMessage')).toEqual([]);
  });

  it('credentials that never load: a ReceiveError with the task-role advice, after 3 tries', async () => {
    const { fake, client, lookups } = withLookups({}, () => Promise.reject(credentialsError()));
    const stream = sqsMessages({ queueName: 'orders', client, ...quiet });
    const error = await stream.resolveQueueUrl().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReceiveError);
    expect((error as Error).message).toMatch(
      /^Cannot look up the URL of queue "orders" \(GetQueueUrl, the client\): CredentialsProviderError: .*task role/,
    );
    expect(lookups).toHaveLength(3);
    expect(fake.sent('ReceiveMessage')).toEqual([]);
  });

  it('return() while the look-up runs: it is aborted, the iteration ends, nothing is received', async () => {
    const { fake, client, lookups } = withLookups({}, (_name, signal) => {
      return new Promise((_resolve, reject) => {
        signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
      });
    });
    const stream = sqsMessages({ queueName: 'orders', client, ...quiet });
    const iterator = stream[Symbol.asyncIterator]();
    const pending = iterator.next();
    await new Promise((r) => setImmediate(r));
    expect(lookups).toHaveLength(1);
    await expect(iterator.return?.()).resolves.toEqual({ value: undefined, done: true });
    await expect(pending).resolves.toEqual({ value: undefined, done: true });
    expect(lookups[0]?.signal?.aborted).toBe(true);
    await stream.drained();
    expect(fake.sent('ReceiveMessage')).toEqual([]);
  });

  it('an iteration started with an aborted signal ends at once, without a look-up', async () => {
    const { fake, client, lookups } = withLookups({ orders: ORDERS_URL });
    const stream = sqsMessages({
      queueName: 'orders',
      client,
      ...quiet,
      signal: AbortSignal.abort(),
    });
    for await (const _ of stream) throw new Error('no message expected');
    expect(lookups).toEqual([]);
    expect(fake.sent('ReceiveMessage')).toEqual([]);
  });

  it('a FIFO queue by name is FIFO from the name: its settle window defaults to 20 ms', () => {
    const stream = sqsMessages({ queueName: 'orders.fifo', ...quiet });
    expect(stream.config.settleWindowMs).toBe(20);
  });
});

describe('which queue', () => {
  it.each([
    [
      'queueUrl and queueName',
      () => sqsMessages(ORDERS_URL, { queueName: 'orders', env: {} }),
      /^Invalid option queueName \(environment variable QUEUE_NAME\): got "orders"; allowed: either queueUrl or queueName, not both\. queueUrl is "https:/,
    ],
    [
      'QUEUE_URL and QUEUE_NAME',
      () => sqsMessages({ env: { QUEUE_URL: ORDERS_URL, QUEUE_NAME: 'orders' } }),
      /^Invalid environment variable QUEUE_NAME \(option queueName\): got "orders"; allowed: either QUEUE_URL or QUEUE_NAME, not both\./,
    ],
    [
      'neither',
      () => sqsMessages({ env: {} }),
      /^Invalid option queueUrl \(environment variable QUEUE_URL\): got undefined; allowed: an SQS queue URL of the form .*; or a queue name, as the queueName option or QUEUE_NAME\. sqsMessages\(\) needs to know which queue to receive from\.$/,
    ],
    [
      'a name with a space',
      () => sqsMessages({ queueName: 'my queue', env: {} }),
      /^Invalid option queueName \(environment variable QUEUE_NAME\): got "my queue"; allowed: a queue name: 1 to 80 letters, digits, hyphens and underscores, ending in \.fifo for a FIFO queue\.$/,
    ],
    [
      'a URL as the name',
      () => sqsMessages({ queueName: ORDERS_URL, env: {} }),
      /That is a queue URL: pass it as queueUrl \(env QUEUE_URL\) instead\.$/,
    ],
    [
      'a name of 81 characters',
      () => sqsMessages({ queueName: 'q'.repeat(81), env: {} }),
      /got "q{81}"/,
    ],
  ])('%s: ConfigError', (_what, make, message) => {
    expect(make).toThrow(ConfigError);
    expect(make).toThrow(message);
  });

  it('an explicit name wins over QUEUE_URL, an explicit URL over QUEUE_NAME', () => {
    const byName = sqsMessages({ queueName: 'orders', env: { QUEUE_URL: ORDERS_URL } });
    expect(byName.config.queueName).toBe('orders');
    expect(byName.queueUrl).toBe('');
    const byUrl = sqsMessages(ORDERS_URL, { env: { QUEUE_NAME: 'other' } });
    expect(byUrl.queueUrl).toBe(ORDERS_URL);
  });
});

describe('runListeners with queue names', () => {
  it('looks every name up before starting any listener: one missing queue, nothing received', async () => {
    const { fake, client, lookups } = withLookups({ orders: ORDERS_URL });
    const listeners: RegisteredListener[] = [
      { options: { queueName: 'orders', client }, handler: () => {} },
      { options: { queueName: 'invoices', client }, handler: () => {} },
    ];
    const error = await runListeners({
      handleSignals: false,
      logger: silentLogger,
      listeners,
      env: {},
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('GetQueueUrl found no queue named "invoices"');
    expect(lookups.map((l) => l.name).sort()).toEqual(['invoices', 'orders']);
    expect(fake.sent('ReceiveMessage')).toEqual([]);
  });

  it('a bad option in another listener stops start-up before any GetQueueUrl', async () => {
    const { client, lookups } = withLookups({ orders: ORDERS_URL });
    const listeners: RegisteredListener[] = [
      { options: { queueName: 'orders', client }, handler: () => {} },
      { options: { queueName: 'orders', client, waitTime: 21 }, handler: () => {} },
    ];
    await expect(
      runListeners({ handleSignals: false, logger: silentLogger, listeners, env: {} }),
    ).rejects.toMatchObject({ name: 'ConfigError', option: 'waitTime' });
    expect(lookups).toEqual([]);
  });
});
