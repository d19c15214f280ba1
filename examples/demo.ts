/**
 * The demo behind `npm start`: an embedded local SQS (fauxqs), a queue with sample messages,
 * and the core `for await` loop acking what it handles. No AWS account, Docker or network.
 */
import { CreateQueueCommand, SQSClient, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';
import { sqsMessages } from '../src/index.js';

const server = await startFauxqs({ port: 0, host: '127.0.0.1', logger: false });
const client = new SQSClient({
  endpoint: server.address,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});
const { QueueUrl: queueUrl } = await client.send(new CreateQueueCommand({ QueueName: 'orders' }));
if (!queueUrl) throw new Error('fauxqs did not return a queue URL');

const orders = Array.from({ length: 20 }, (_, i) => ({ orderId: i + 1, amount: (i + 1) * 10 }));
for (let i = 0; i < orders.length; i += 10) {
  await client.send(
    new SendMessageBatchCommand({
      QueueUrl: queueUrl,
      Entries: orders.slice(i, i + 10).map((o) => ({ Id: String(o.orderId), MessageBody: JSON.stringify(o) })),
    }),
  );
}
console.log(`Sent ${orders.length} orders to ${queueUrl}`);

const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
const stream = sqsMessages(queueUrl, { client, signal: controller.signal, waitTime: 1, idleSleepMax: 0 });
let handled = 0;
for await (const message of stream) {
  const [order, error] = message.tryJson<{ orderId: number; amount: number }>();
  if (error) {
    console.log(`message ${message.messageId}: not JSON, giving it back`);
    message.nack();
    continue;
  }
  console.log(`order ${order.orderId}: charged ${order.amount}`);
  message.ack();
  if (++handled === orders.length) controller.abort();
}
await stream.drained();
console.log(`Done: ${handled} orders handled, stats ${JSON.stringify(stream.stats())}`);
client.destroy();
await server.stop();
