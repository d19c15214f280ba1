import assert from 'node:assert/strict';
import { type LeasedMessage, runListeners, sqsListener } from 'sqs-fargate-listener';
import { createInMemorySqs } from 'sqs-fargate-listener/testing';

// The handler under test: fails orders without an id (they go to the DLQ after 2 tries).
interface Order {
  id?: string;
}
async function chargeOrder(message: LeasedMessage<Order>): Promise<boolean> {
  return message.json.id !== undefined;
}

const sqs = createInMemorySqs();
const queueUrl = sqs.createQueue('orders', { deadLetterQueue: { maxReceiveCount: 2 } });
sqs.sendMessages(queueUrl, [{ id: 'o-1' }, { id: 'o-2' }, { amount: 5 }]);

const stop = new AbortController();
const run = runListeners({
  listeners: [sqsListener<Order>({ queueUrl, visibilitySecs: 1, idleSleepMax: 0 }, chargeOrder)],
  client: sqs.client,
  signal: stop.signal,
  handleSignals: false,
});
await sqs.untilEmpty(queueUrl); // every message deleted or dead-lettered
stop.abort();
await run;

assert.deepEqual(
  sqs.deleted(queueUrl).map((m) => m.json),
  [{ id: 'o-1' }, { id: 'o-2' }],
);
assert.deepEqual(
  sqs.deadLetters(queueUrl).map((m) => m.json),
  [{ amount: 5 }],
);
