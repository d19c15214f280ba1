// The packed package against whichever @aws-sdk/client-sqs the app installed, on an emulator:
// run by test/packaging/packed-package.test.ts (the devDependency's version) and by
// .ci/sdk-compat.sh (the oldest version of the peer range, and the newest). Plain JS, so a
// scratch app runs it with `node` alone. Exits 1 with the reason on any failure.
//
// Env: SMOKE_SQS_ENDPOINT (required), e.g. http://127.0.0.1:4566.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { perMessageListener, sendMessage, silentLogger, sqsMessages } from 'sqs-fargate-listener';

const endpoint = process.env.SMOKE_SQS_ENDPOINT;
if (!endpoint) throw new Error('SMOKE_SQS_ENDPOINT is not set');

// The SDK's package.json may be hidden behind `exports`; find it from its resolved entry point.
const require = createRequire(import.meta.url);
const sdkEntry = require.resolve('@aws-sdk/client-sqs');
const sdkVersion = JSON.parse(
  readFileSync(join(dirname(sdkEntry), '..', 'package.json'), 'utf8'),
).version;

// A hung receive must fail the run, not hang CI.
const watchdog = setTimeout(() => fail(new Error('smoke test timed out after 45 s')), 45_000);
watchdog.unref();

const client = new SQSClient({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
});
// Which requests the library sent, by command: proves batching and heartbeats went through this
// SDK version's serializers, not only that messages came back.
const commands = {};
client.middlewareStack.add(
  (next, context) => (args) => {
    commands[context.commandName] = (commands[context.commandName] ?? 0) + 1;
    return next(args);
  },
  { step: 'initialize', name: 'smokeCounter' },
);

const common = { client, waitTime: 1, idleSleepMax: 0, logger: silentLogger, env: {} };
const unique = `${process.pid}-${Date.now()}`;

async function createQueue(name, attributes) {
  const out = await client.send(
    new CreateQueueCommand({ QueueName: name, Attributes: attributes }),
  );
  return out.QueueUrl;
}

async function remaining(queueUrl) {
  const { Attributes = {} } = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes.ApproximateNumberOfMessages) +
    Number(Attributes.ApproximateNumberOfMessagesNotVisible)
  );
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Standard queue: send, receive with system attributes, heartbeat, ack, nack with and without delay. */
async function standardQueue() {
  const queueUrl = await createQueue(`smoke-${unique}`, { VisibilityTimeout: '2' });
  for (let i = 0; i < 4; i++) {
    await sendMessage(client, queueUrl, JSON.stringify({ i }), {
      messageAttributes: { kind: 'smoke', n: i },
    });
  }
  const controller = new AbortController();
  const stream = sqsMessages(queueUrl, {
    ...common,
    visibilitySecs: 2,
    signal: controller.signal,
  });
  const seen = new Map();
  let settled = 0;
  for await (const message of stream) {
    const { i } = message.json;
    const deliveries = (seen.get(i) ?? 0) + 1;
    seen.set(i, deliveries);
    // Only arrive when the receive asked for MessageSystemAttributeNames and the SDK sent it.
    assert.equal(message.receiveCount, deliveries, `receiveCount of message ${i}`);
    assert.ok(message.sentAt instanceof Date, `sentAt of message ${i}`);
    assert.deepEqual(message.messageAttributes(), { kind: 'smoke', n: i });
    if (deliveries === 2 || i < 2) {
      // Held past the 2 s visibility: only a heartbeat (ChangeMessageVisibilityBatch) keeps it.
      if (i === 0) await sleep(3_000);
      await message.ack();
      settled++;
    } else {
      await message.nack({ delaySeconds: i === 2 ? 0 : 1 });
    }
    if (settled === 4) break;
  }
  await stream.drained();
  const stats = stream.stats();
  assert.deepEqual([...seen.entries()].sort(), [
    [0, 1],
    [1, 1],
    [2, 2],
    [3, 2],
  ]);
  assert.ok(stats.extended >= 1, `extended ${stats.extended} leases, expected at least 1`);
  assert.equal(stats.lost, 0, 'no lease lost');
  assert.equal(await remaining(queueUrl), 0, 'standard queue empty');
}

/** FIFO queue through a listener: group and sequence attributes, order within the group. */
async function fifoQueue() {
  const queueUrl = await createQueue(`smoke-${unique}.fifo`, {
    FifoQueue: 'true',
    ContentBasedDeduplication: 'true',
  });
  for (let i = 0; i < 3; i++) {
    await sendMessage(client, queueUrl, `fifo-${i}`, { messageGroupId: 'g1' });
  }
  const handled = [];
  let allHandled;
  const done = new Promise((resolve) => {
    allHandled = resolve;
  });
  const controller = new AbortController();
  const stream = sqsMessages(queueUrl, { ...common, signal: controller.signal });
  const listening = perMessageListener(async (message) => {
    assert.equal(message.groupId, 'g1');
    assert.match(message.sequenceNumber ?? '', /^\d+$/);
    handled.push(message.body);
    if (handled.length === 3) allHandled();
  })(stream);
  await done;
  controller.abort();
  await listening;
  await stream.drained();
  assert.deepEqual(handled, ['fifo-0', 'fifo-1', 'fifo-2']);
  assert.equal(await remaining(queueUrl), 0, 'FIFO queue empty');
}

function fail(error) {
  console.error(`sdk smoke FAILED with @aws-sdk/client-sqs ${sdkVersion}:`, error);
  process.exit(1);
}

try {
  await standardQueue();
  await fifoQueue();
  for (const command of ['DeleteMessageBatchCommand', 'ChangeMessageVisibilityBatchCommand']) {
    assert.ok(commands[command] >= 1, `${command} was never sent: ${JSON.stringify(commands)}`);
  }
  client.destroy();
  console.log(JSON.stringify({ ok: true, sdk: sdkVersion, commands }));
} catch (error) {
  fail(error);
}
