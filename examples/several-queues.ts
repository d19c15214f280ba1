import { SQSClient } from '@aws-sdk/client-sqs';
import { runListeners, sqsListener } from 'sqs-fargate-listener';

const client = new SQSClient({ region: 'eu-west-1' });

sqsListener({ client, queueUrl: process.env.ORDERS_QUEUE_URL, mode: 'batch' }, async (orders) => {
  console.log(`got ${orders.length} orders`);
});
sqsListener(
  { client, queueUrl: process.env.EMAILS_QUEUE_URL, workerThreads: 16 },
  async (email) => {
    console.log(`sending ${email.messageId}`);
  },
);

// Embedded in a larger app: stop with your own AbortController instead of process signals.
const stop = new AbortController();
const reports = await runListeners({
  signal: stop.signal,
  handleSignals: false,
  shutdownTimeout: 20,
});
for (const r of reports) console.log(r.name, r.result);
