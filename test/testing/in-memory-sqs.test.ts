/**
 * The in-memory SQS on its own: what fauxqs cannot show (the 12-hour limit, several messages of
 * one FIFO group per receive), fake timers, and the helpers users inspect queues with.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { perMessageListener, sqsMessages } from '../../src/index.js';
import { silentLogger } from '../../src/shared/logger.js';
import { createInMemorySqs } from '../../src/testing/index.js';
import { useFakeClock } from '../support/unit.js';

afterEach(() => {
  vi.useRealTimers();
});

const receive = (queueUrl: string, max = 10, visibility = 30) =>
  new ReceiveMessageCommand({
    QueueUrl: queueUrl,
    MaxNumberOfMessages: max,
    VisibilityTimeout: visibility,
    MessageSystemAttributeNames: ['All'],
  });

describe('in-memory SQS', () => {
  it('refuses an extension past 12 hours from the receive, as SQS does', async () => {
    useFakeClock();
    const sqs = createInMemorySqs();
    const queueUrl = sqs.createQueue('long');
    sqs.sendMessage(queueUrl, 'x');
    const { Messages } = await sqs.client.send(receive(queueUrl, 1, 43_200));
    const handle = Messages![0]!.ReceiptHandle!;
    const extend = (seconds: number) =>
      sqs.client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: [{ Id: 'e', ReceiptHandle: handle, VisibilityTimeout: seconds }],
        }),
      );
    await vi.advanceTimersByTimeAsync(3_600_000);
    // 1 h + 11 h = exactly 12 h from the receive: allowed; one second more is not.
    expect((await extend(39_600)).Successful).toHaveLength(1);
    const refused = await extend(39_601);
    expect(refused.Failed?.[0]?.Code).toBe('InvalidParameterValue');
    expect(refused.Failed?.[0]?.Message).toContain('43200');
  });

  it('follows fake timers: the heartbeat keeps a 10-minute handler leased; nack without delay reappears', async () => {
    useFakeClock();
    const sqs = createInMemorySqs();
    const queueUrl = sqs.createQueue('slow', { visibilityTimeout: 30 });
    sqs.sendMessages(queueUrl, [{ job: 'slow' }, { job: 'fail' }]);
    const controller = new AbortController();
    const stream = sqsMessages(queueUrl, {
      client: sqs.client,
      signal: controller.signal,
      visibilitySecs: 30,
      waitTime: 20,
      idleSleepMax: 0,
      logger: silentLogger,
      env: {},
    });
    const iterator = stream[Symbol.asyncIterator]();
    const first = (await iterator.next()).value!;
    const second = (await iterator.next()).value!;
    await second.nack();
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    // The leased one stayed in flight throughout; the nacked one came back after 30 s and was
    // received again by the stream's read-ahead.
    expect(sqs.inFlight(queueUrl).map((m) => m.json)).toContainEqual({ job: 'slow' });
    expect(first.signal.aborted).toBe(false);
    expect(stream.stats().extended).toBeGreaterThan(10);
    // The ack waits for the settle batch window (fake time) since another message is in hand.
    const acked = first.ack();
    await vi.advanceTimersByTimeAsync(100);
    await acked;
    expect(sqs.deleted(queueUrl).map((m) => m.json)).toEqual([{ job: 'slow' }]);
    expect(sqs.visible(queueUrl).length + sqs.inFlight(queueUrl).length).toBe(1);
    const failAgain = sqs.inFlight(queueUrl)[0] ?? sqs.visible(queueUrl)[0];
    expect(failAgain?.receiveCount).toBe(2);
    controller.abort();
    await iterator.return?.();
    await vi.advanceTimersByTimeAsync(60_000);
    await stream.drained();
    expect(sqs.counts(queueUrl)).toMatchObject({ visible: 1, inFlight: 0, deleted: 1 });
  });

  it('FIFO: one receive may return several messages of a group, in order; the group then stays locked', async () => {
    const sqs = createInMemorySqs();
    const queueUrl = sqs.createQueue('orders', { fifo: true });
    expect(queueUrl.endsWith('/orders.fifo')).toBe(true);
    sqs.sendMessages(queueUrl, ['a1', 'a2', 'a3'], { groupId: 'a' });
    sqs.sendMessages(queueUrl, ['b1'], { groupId: 'b' });
    const first = await sqs.client.send(receive(queueUrl, 2));
    expect(first.Messages?.map((m) => m.Body)).toEqual(['a1', 'a2']);
    const second = await sqs.client.send(receive(queueUrl, 10));
    expect(second.Messages?.map((m) => m.Body)).toEqual(['b1']);
    // a3 waits until a1 and a2 are gone.
    expect((await sqs.client.send(receive(queueUrl, 10))).Messages).toBeUndefined();
    await sqs.client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: first.Messages!.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
    const third = await sqs.client.send(receive(queueUrl, 10));
    expect(third.Messages?.map((m) => m.Body)).toEqual(['a3']);
    expect(third.Messages?.[0]?.Attributes?.MessageGroupId).toBe('a');
    // Content-based deduplication: the same body again within 5 minutes is dropped.
    const again = sqs.sendMessage(queueUrl, 'b1', { groupId: 'b' });
    expect(again).toBe(second.Messages?.[0]?.MessageId);
    expect(sqs.counts(queueUrl)).toMatchObject({ visible: 0, inFlight: 2 });
  });

  it('helpers: objects are JSON-encoded; deleted, in flight, visible and DLQ contents; untilEmpty', async () => {
    const sqs = createInMemorySqs();
    const queueUrl = sqs.createQueue('jobs', { deadLetterQueue: { maxReceiveCount: 1 } });
    expect(sqs.deadLetterQueueUrl(queueUrl)?.endsWith('/jobs-dlq')).toBe(true);
    sqs.sendMessage(queueUrl, { id: 1 }, { messageAttributes: { kind: 'a', size: 3 } });
    sqs.sendMessage(queueUrl, { id: 2, poison: true });
    sqs.sendMessage(queueUrl, 'plain text');
    expect(sqs.visible(queueUrl).map((m) => m.body)).toEqual([
      '{"id":1}',
      '{"id":2,"poison":true}',
      'plain text',
    ]);
    expect(sqs.visible(queueUrl)[0]?.messageAttributes).toEqual({ kind: 'a', size: 3 });
    const controller = new AbortController();
    const listener = perMessageListener((m) => !(m.json as { poison?: boolean }).poison, {
      logger: silentLogger,
      env: {},
    });
    const stream = sqsMessages(queueUrl, {
      client: sqs.client,
      signal: controller.signal,
      visibilitySecs: 1,
      waitTime: 1,
      idleSleepMax: 0,
      logger: silentLogger,
      env: {},
    });
    const done = listener(stream);
    await sqs.untilEmpty(queueUrl);
    controller.abort();
    await done;
    await stream.drained();
    // 'plain text' is not JSON: m.json throws inside the handler, a failure like any other.
    expect(sqs.deleted(queueUrl).map((m) => m.json)).toEqual([{ id: 1 }]);
    expect(
      sqs
        .deadLetters(queueUrl)
        .map((m) => m.body)
        .sort(),
    ).toEqual(['plain text', '{"id":2,"poison":true}']);
    expect(sqs.counts(queueUrl)).toEqual({
      visible: 0,
      inFlight: 0,
      delayed: 0,
      deleted: 1,
      deadLettered: 2,
    });
    expect(sqs.requests.some((r) => r.command === 'DeleteMessageBatch')).toBe(true);
  });

  it('a missing queue ends the stream with a ReceiveError, as SQS would', async () => {
    const sqs = createInMemorySqs();
    const stream = sqsMessages('https://sqs.us-east-1.amazonaws.com/000000000000/nope', {
      client: sqs.client,
      logger: silentLogger,
      env: {},
    });
    const consume = async () => {
      for await (const _ of stream) break;
    };
    await expect(consume()).rejects.toMatchObject({
      name: 'ReceiveError',
      code: 'QueueDoesNotExist',
    });
  });
});
