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
  // Safe without await (failures are logged). Not awaited, the loop goes on at once and its acks
  // share DeleteMessageBatch requests (one per ~10 messages); awaited, each ack is sent at once,
  // since nothing else is in hand, and the loop waits one round trip per message.
  message.ack();
}
// The loop ends quietly on abort: receiving stopped, unhandled messages were given back at once.
