/**
 * Queues given by name, against fauxqs: `sqsMessages({ queueName })` and listeners registered
 * with `queueName` (or `QUEUE_NAME`) look the URL up with GetQueueUrl once, before the first
 * receive, and consume the queue; a missing queue stops start-up with an error naming it and the
 * endpoint, and no listener receives anything.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConfigError,
  clearListeners,
  type LeasedMessage,
  runListeners,
  silentLogger,
  sqsListener,
  sqsMessages,
} from '../../src/index.js';
import {
  countingClient,
  createQueue,
  endpoint,
  eventually,
  numbered,
  queueCounts,
  sendMessages,
} from '../support/sqs.js';

afterEach(clearListeners);

const nameOf = (queueUrl: string) => queueUrl.slice(queueUrl.lastIndexOf('/') + 1);

const empty = (queueUrl: string) => async () => {
  const c = await queueCounts(queueUrl);
  return c.visible + c.inFlight + c.delayed === 0;
};

describe('sqsMessages({ queueName })', () => {
  it('consumes the queue found by GetQueueUrl, which is sent once', async () => {
    const { queueUrl } = await createQueue({ name: 'by-name' });
    await sendMessages(queueUrl, numbered(5));
    const { client, counts, log } = countingClient();
    const controller = new AbortController();
    const stream = sqsMessages({
      queueName: nameOf(queueUrl),
      client,
      signal: controller.signal,
      waitTime: 1,
      idleSleepMax: 0,
      logger: silentLogger,
      env: {},
    });
    const seen = new Set<number>();
    for await (const message of stream) {
      seen.add((message.json as { n: number }).n);
      await message.ack();
      if (seen.size === 5) break;
    }
    await stream.drained();
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(stream.queueUrl).toBe(queueUrl);
    expect(counts.GetQueueUrlCommand).toBe(1);
    // The look-up came before the first receive.
    const first = log.findIndex((r) => r.command === 'ReceiveMessageCommand');
    expect(log.findIndex((r) => r.command === 'GetQueueUrlCommand')).toBeLessThan(first);
    expect(await queueCounts(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('a missing queue: ConfigError naming the queue and the endpoint; no receive', async () => {
    const { client, counts } = countingClient();
    const stream = sqsMessages({
      queueName: 'no-such-queue-7f3a',
      client,
      waitTime: 1,
      logger: silentLogger,
      env: {},
    });
    const error = await (async () => {
      for await (const _ of stream) throw new Error('no message expected');
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(
      `GetQueueUrl found no queue named "no-such-queue-7f3a" (region us-east-1, endpoint ${endpoint()}`,
    );
    expect(counts.ReceiveMessageCommand).toBeUndefined();
  });
});

describe('runListeners with queue names', () => {
  it('sqsListener({ queueName }) and QUEUE_NAME: both queues consumed, reports name the URLs', async () => {
    const [orders, invoices] = await Promise.all([
      createQueue({ name: 'orders' }),
      createQueue({ name: 'invoices' }),
    ]);
    await sendMessages(orders.queueUrl, numbered(4));
    await sendMessages(invoices.queueUrl, numbered(6));
    const { client, counts } = countingClient();
    const handled = { orders: 0, invoices: 0 };
    const common = { client, waitTime: 1, idleSleepMax: 0 };
    sqsListener({ ...common, queueName: nameOf(orders.queueUrl), env: {} }, () => {
      handled.orders++;
    });
    // No queue in the options: QUEUE_NAME from the run's environment.
    sqsListener({ ...common, mode: 'batch', name: 'invoices' }, (batch: LeasedMessage[]) => {
      handled.invoices += batch.length;
    });
    const controller = new AbortController();
    const run = runListeners({
      signal: controller.signal,
      handleSignals: false,
      logger: silentLogger,
      env: { QUEUE_NAME: nameOf(invoices.queueUrl) },
    });
    await eventually(empty(orders.queueUrl));
    await eventually(empty(invoices.queueUrl));
    controller.abort();
    const reports = await run;
    expect(reports.map((r) => r.queueUrl)).toEqual([orders.queueUrl, invoices.queueUrl]);
    expect(reports.map((r) => r.name)).toEqual([nameOf(orders.queueUrl), 'invoices']);
    expect(handled).toEqual({ orders: 4, invoices: 6 });
    expect(counts.GetQueueUrlCommand).toBe(2);
  });

  it('one missing queue: start-up fails naming it; the other queue is not touched', async () => {
    const { queueUrl } = await createQueue({ name: 'untouched' });
    await sendMessages(queueUrl, numbered(3));
    const { client, counts } = countingClient();
    const common = { client, waitTime: 1, idleSleepMax: 0, env: {} };
    sqsListener({ ...common, queueName: nameOf(queueUrl) }, () => {});
    sqsListener({ ...common, queueName: 'missing-queue-9c1d' }, () => {});
    const error = await runListeners({
      handleSignals: false,
      logger: silentLogger,
      env: {},
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ option: 'queueName', value: 'missing-queue-9c1d' });
    expect(counts.ReceiveMessageCommand).toBeUndefined();
    expect(await queueCounts(queueUrl)).toEqual({ visible: 3, inFlight: 0, delayed: 0 });
  });
});
