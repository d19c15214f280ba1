import { sqsMessages } from 'sqs-fargate-listener';

declare function chargeOrder(order: unknown, options: { signal: AbortSignal }): Promise<void>;

const controller = new AbortController();
process.once('SIGTERM', () => controller.abort());

for await (const message of sqsMessages(process.env.QUEUE_URL ?? '', {
  signal: controller.signal,
})) {
  const [order, error] = message.tryJson();
  if (error) {
    message.nack(); // reappears when its visibility timeout ends; the redrive policy does the rest
    continue;
  }
  await chargeOrder(order, { signal: message.signal }); // the lease is extended while this runs
  message.ack(); // batched into DeleteMessageBatch; safe without await (failures are logged)
}
// The loop ends quietly on abort: receiving stopped, unhandled messages were given back at once.
