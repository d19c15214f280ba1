/**
 * The core's `settleRequest` event, which settle spans are made from: one per answered
 * DeleteMessageBatch (acks) and per ChangeMessageVisibilityBatch carrying delayed nacks, naming
 * only the nacked entries; releases and heartbeats are not reported.
 */
import { expect, it } from 'vitest';
import { type SettleRequestEvent, silentLogger, sqsMessages } from '../../src/index.js';
import { InMemorySqs } from '../../src/testing/index.js';

it('reports acks and delayed nacks, never releases', async () => {
  const sqs = new InMemorySqs();
  const queueUrl = sqs.createQueue('events');
  const ids = sqs.sendMessages(queueUrl, ['a', 'b', 'c', 'd', 'e', 'f']);
  const stream = sqsMessages(queueUrl, {
    client: sqs.client,
    batchSize: 10,
    maxInFlight: 10,
    waitTime: 0,
    idleSleepMax: 0,
    logger: silentLogger,
    env: {},
  });
  const events: SettleRequestEvent[] = [];
  stream.on('settleRequest', (e) => void events.push(e));
  const before = Date.now();
  let n = 0;
  for await (const m of stream) {
    n++;
    if (n <= 2) void m.ack();
    else if (n === 3) void m.nack({ delaySeconds: 30 });
    else if (n === 4)
      void m.nack(); // no delay: no request
    else {
      void m.ack();
      break; // what was received but not handed out is released at the stop
    }
  }
  await stream.drained();
  const acks = events.filter((e) => e.operation === 'ack');
  const nacks = events.filter((e) => e.operation === 'nack');
  const acked = [...ids.slice(0, 2), ids[4]!].sort();
  expect(acks.flatMap((e) => e.messageIds).sort()).toEqual(acked);
  expect(nacks.flatMap((e) => e.messageIds)).toEqual([ids[2]]);
  for (const e of events) {
    expect(e.startTime).toBeGreaterThanOrEqual(before);
    expect(e.endTime).toBeGreaterThanOrEqual(e.startTime);
    expect(e.failed).toBe(0);
    expect(e.error).toBeUndefined();
  }
  // What SQS holds agrees: those three deleted, and a release did happen (the sixth message is
  // visible again at once) without being reported.
  const deleted = sqs.deleted(queueUrl).map((m) => m.messageId);
  expect(deleted.sort()).toEqual(acked);
  expect(sqs.visible(queueUrl).map((m) => m.messageId)).toContain(ids[5]);
});
