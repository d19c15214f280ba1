// Typed message bodies: a schema sets and checks the type; a type argument states it.
// docs/typescript.md shows these blocks.
import {
  type LeasedMessage,
  perMessageListener,
  sqsListener,
  sqsMessages,
} from 'sqs-fargate-listener';
import { z } from 'zod';

declare function save(order: Order): Promise<void>;
const OrderSchema = z.object({ orderId: z.string() });

sqsListener({ queueUrl: process.env.QUEUE_URL, schema: OrderSchema }, async (message) => {
  console.log(message.data.orderId); // typed, validated
});

interface Order {
  id: string;
}
sqsListener<Order>({ queueUrl: process.env.QUEUE_URL }, async (message) => {
  await save(message.json); // message.json: Order
});
// Batch mode: the mode is the second type argument too (TypeScript infers no type argument
// once one is given).
sqsListener<Order, 'batch'>(
  { queueUrl: process.env.QUEUE_URL, mode: 'batch' },
  async (messages) => {
    await Promise.all(messages.map((m) => save(m.json)));
  },
);
const listener = perMessageListener<Order>((message) => save(message.json));
for await (const message of sqsMessages<Order>(process.env.QUEUE_URL)) {
  await save(message.json);
  await message.ack();
}

async function chargeOrder(message: LeasedMessage<Order>): Promise<boolean> {
  return message.json.id !== '';
}
sqsListener<Order>({ queueUrl: process.env.QUEUE_URL }, chargeOrder);

export { listener };
