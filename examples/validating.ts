import { MessageValidationError, runListeners, sqsListener } from 'sqs-fargate-listener';
import { z } from 'zod';

const Order = z.object({
  orderId: z.string(),
  items: z.array(z.object({ sku: z.string(), qty: z.number().int().positive() })).min(1),
  placedAt: z.coerce.date(), // the output is a Date: data holds what the schema returns
});

// message.data is typed as the schema's output: no casts, no parsing in the handler.
sqsListener({ queueUrl: process.env.ORDERS_QUEUE_URL, schema: Order }, async (message) => {
  const { orderId, items, placedAt } = message.data;
  console.log(`order ${orderId}: ${items.length} lines, placed ${placedAt.toISOString()}`);
});

// Batch mode: every message of the array is typed the same way.
sqsListener(
  {
    queueUrl: process.env.INVOICES_QUEUE_URL,
    mode: 'batch',
    schema: Order,
    // Invalid bodies never reach the handler (they go to the DLQ): hear about them here.
    onFailure: (message, error) => {
      if (!(error instanceof MessageValidationError)) return;
      for (const { path, message: problem } of error.issues) {
        console.warn(`${message.messageId} ${path}: ${problem}`); // e.g. $.items[0].qty: Too small…
      }
    },
  },
  async (orders) => {
    const lines = orders.reduce((n, m) => n + m.data.items.length, 0);
    console.log(`invoicing ${orders.length} orders, ${lines} lines`);
  },
);

await runListeners();
