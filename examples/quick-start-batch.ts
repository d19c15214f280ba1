import { BatchResult, type LeasedMessage, runListeners, sqsListener } from 'sqs-fargate-listener';

declare function saveAll(rows: unknown[]): Promise<Set<string>>; // returns the ids it could not save

sqsListener(
  { queueUrl: process.env.ORDERS_QUEUE_URL, mode: 'batch', batchSize: 10 },
  async (messages: LeasedMessage[]) => {
    const notSaved = await saveAll(messages.map((m) => m.json));
    // Only these are retried; the rest are deleted. Lambda's { batchItemFailures } works too.
    return BatchResult.failed(messages.filter((m) => notSaved.has(m.messageId)));
  },
);

await runListeners();
