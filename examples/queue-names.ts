// docs/queue-names.md: queues by name, looked up once with GetQueueUrl at start.
import { runListeners, sqsListener, sqsMessages } from 'sqs-fargate-listener';

declare function handle(order: unknown): Promise<void>;
const { signal } = new AbortController();

// The runner: by option…
sqsListener({ queueName: 'orders' }, async (message) => {
  await handle(message.json);
});
// …or by environment: QUEUE_NAME=orders (as QUEUE_URL works today).
await runListeners();

// The core stream: the URL is looked up when the first iteration starts.
for await (const message of sqsMessages({ queueName: 'orders', signal })) {
  await handle(message.json);
  await message.ack();
}
