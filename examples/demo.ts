/**
 * `npm start`: the whole library against an embedded local SQS (fauxqs) — no AWS account,
 * Docker or network. Two queues with DLQs, a batch listener and a per-message listener, retries,
 * a message landing in the DLQ, a message delivered through an SNS topic, and a clean drain on
 * Ctrl-C.
 *
 *   npm start                    # runs until Ctrl-C
 *   npm start -- --auto-stop     # stops by itself once the queues are settled (CI uses this)
 */

import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateTopicCommand,
  PublishCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';
import { runListeners, sendMessage, sqsListener } from 'sqs-fargate-listener';
import { type Email, handleEmail, handleOrders } from './handlers.js';

// The SDK warns on Node 20 about its 2027 plans; the demo has nothing to do with that.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.LOG_LEVEL ??= 'INFO';
const autoStop = process.argv.includes('--auto-stop');

const server = await startFauxqs({ port: 0, host: '127.0.0.1', logger: false });
const client = new SQSClient({
  endpoint: server.address,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});

async function queueWithDlq(name: string): Promise<{ queueUrl: string; dlqUrl: string }> {
  const dlq = await client.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
  const arn = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const queue = await client.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: {
        VisibilityTimeout: '2',
        // After 3 failed receives SQS moves the message to the DLQ.
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: arn.Attributes?.QueueArn,
          maxReceiveCount: 3,
        }),
      },
    }),
  );
  if (!queue.QueueUrl || !dlq.QueueUrl) throw new Error('fauxqs returned no queue URL');
  return { queueUrl: queue.QueueUrl, dlqUrl: dlq.QueueUrl };
}

async function send(queueUrl: string, bodies: string[]): Promise<void> {
  for (let i = 0; i < bodies.length; i += 10) {
    await client.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: bodies.slice(i, i + 10).map((body, j) => ({ Id: String(j), MessageBody: body })),
      }),
    );
  }
}

async function counts(queueUrl: string): Promise<{ visible: number; inFlight: number }> {
  const { Attributes: a = {} } = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(a.ApproximateNumberOfMessages),
    inFlight: Number(a.ApproximateNumberOfMessagesNotVisible),
  };
}

const orders = await queueWithDlq('orders');
const emails = await queueWithDlq('emails');
const signups = await queueWithDlq('signups');
const reports = await queueWithDlq('reports');

const orderBodies = [
  ...Array.from({ length: 12 }, (_, i) => JSON.stringify({ orderId: i + 1, amount: (i + 1) * 5 })),
  '{"orderId": 13, "amount": ', // invalid JSON: retried, then lands in the DLQ
  JSON.stringify({ orderId: 14, amount: -20 }), // fails every time: DLQ
];
const emailBodies = [
  JSON.stringify({ to: 'ada@example.com', subject: 'Your order shipped' }),
  JSON.stringify({ to: 'grace@example.com', subject: 'flaky' }), // fails once, then succeeds
  JSON.stringify({ to: 'nobody', subject: 'Welcome' }), // throws every time: DLQ
  JSON.stringify({ to: 'linus@example.com', subject: 'Receipt' }),
];
await send(orders.queueUrl, orderBodies);
await send(emails.queueUrl, emailBodies);

// One message fanned out through SNS: the signups queue is subscribed to a topic without raw
// delivery, so SQS holds an SNS envelope; `envelope: 'sns'` hands the handler what was published.
const sns = new SNSClient({
  endpoint: server.address,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});
const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'user-events' }));
const signupsArn = await client.send(
  new GetQueueAttributesCommand({ QueueUrl: signups.queueUrl, AttributeNames: ['QueueArn'] }),
);
await sns.send(
  new SubscribeCommand({
    TopicArn,
    Protocol: 'sqs',
    Endpoint: signupsArn.Attributes?.QueueArn,
  }),
);
await sns.send(
  new PublishCommand({
    TopicArn,
    Subject: 'signup',
    Message: JSON.stringify({ user: 'ada' }),
    MessageAttributes: { plan: { DataType: 'String', StringValue: 'pro' } },
  }),
);

// One message too large for SQS (about 1.7 MB): sendMessage() puts the body in S3 (fauxqs
// emulates it too) and sends an Extended Client pointer; `largePayloads` fetches it back.
const s3 = new S3Client({
  endpoint: server.address,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});
await s3.send(new CreateBucketCommand({ Bucket: 'demo-payloads' }));
const report = {
  title: 'Q3 sales',
  rows: Array.from({ length: 60_000 }, (_, i) => ({ sku: `SKU-${i}`, qty: i % 7 })),
};
await sendMessage(client, reports.queueUrl, JSON.stringify(report), {
  largePayloads: { s3Client: s3, bucket: 'demo-payloads' },
});
console.log(
  `Local SQS at ${server.address}: sent ${orderBodies.length} orders and ${emailBodies.length} emails.`,
);
console.log(
  autoStop
    ? 'Listening; will stop once both queues are settled.'
    : 'Listening; press Ctrl-C to drain and stop.',
);

const common = { client, waitTime: 1, idleSleepMax: 0.5, visibilitySecs: 2 };
sqsListener(
  { ...common, queueUrl: orders.queueUrl, mode: 'batch', batchSize: 10, workerThreads: 2 },
  handleOrders,
);
sqsListener<Email>(
  { ...common, queueUrl: emails.queueUrl, mode: 'per_message', workerThreads: 4 },
  handleEmail,
);
sqsListener<{ user: string }>(
  { ...common, queueUrl: signups.queueUrl, envelope: 'sns' },
  (message) => {
    const { user } = message.json;
    const { plan } = message.messageAttributes();
    console.log(`welcome ${user} (plan ${plan}), via SNS topic ${message.sns?.topicArn}`);
  },
);
sqsListener<typeof report>(
  {
    ...common,
    queueUrl: reports.queueUrl,
    largePayloads: { s3Client: s3, allowedBuckets: ['demo-payloads'], deletePayloadOnAck: true },
  },
  (message) => {
    const { title, rows } = message.json;
    const from = message.payloadPointer;
    const size = `${((from?.size ?? 0) / 1e6).toFixed(1)} MB`;
    console.log(`report "${title}": ${rows.length} rows, ${size} from s3://${from?.bucket}`);
  },
);

const stop = new AbortController();
let watcher: NodeJS.Timeout | undefined;
if (autoStop) {
  // Settled = nothing left to receive or in flight; what failed 3 times sits in a DLQ.
  const startedAt = Date.now();
  const check = async () => {
    const [o, e, s, r] = await Promise.all([
      counts(orders.queueUrl),
      counts(emails.queueUrl),
      counts(signups.queueUrl),
      counts(reports.queueUrl),
    ]);
    const left =
      o.visible +
      o.inFlight +
      e.visible +
      e.inFlight +
      s.visible +
      s.inFlight +
      r.visible +
      r.inFlight;
    if (left === 0 || Date.now() - startedAt > 60_000) stop.abort();
    else watcher = setTimeout(check, 500);
  };
  watcher = setTimeout(check, 500);
}

await runListeners({ signal: stop.signal });
clearTimeout(watcher);

const [ordersDlq, emailsDlq] = await Promise.all([counts(orders.dlqUrl), counts(emails.dlqUrl)]);
console.log(
  `Drained. Dead-letter queues now hold: orders-dlq ${ordersDlq.visible}, emails-dlq ${emailsDlq.visible}.`,
);
client.destroy();
sns.destroy();
s3.destroy();
await server.stop();
