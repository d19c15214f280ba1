// Moving a Lambda SQS consumer to Fargate without rewriting it: lambdaHandler() runs the
// handler as deployed to Lambda inside a batch listener. docs/lambda.md explains the details.
import {
  BatchProcessor,
  EventType,
  processPartialResponse,
  SqsFifoPartialProcessorAsync,
} from '@aws-lambda-powertools/batch';
import type { SQSBatchItemFailure, SQSHandler, SQSRecord } from 'aws-lambda';
import { lambdaHandler, runListeners, sqsListener } from 'sqs-fargate-listener';

declare function saveOrder(order: unknown): Promise<void>;
declare function chargeCustomer(record: SQSRecord): Promise<void>;

// The handler, unchanged from the Lambda function: it reports the records that failed.
export const handler: SQSHandler = async (event, context) => {
  const batchItemFailures: SQSBatchItemFailure[] = [];
  for (const record of event.Records) {
    if (context.getRemainingTimeInMillis() < 5_000) {
      // Close to the handler timeout: give the rest back rather than be cut off.
      batchItemFailures.push({ itemIdentifier: record.messageId });
      continue;
    }
    try {
      await saveOrder(JSON.parse(record.body));
    } catch {
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
};

sqsListener(
  { queueUrl: process.env.ORDERS_QUEUE_URL, mode: 'batch', batchSize: 10, handlerTimeout: 60 },
  lambdaHandler(handler, { functionName: 'orders-consumer' }),
);

// Powertools for AWS Lambda's batch utility works as it does on Lambda.
const processor = new BatchProcessor(EventType.SQS);
const paymentsHandler: SQSHandler = async (event, context) =>
  processPartialResponse(event, chargeCustomer, processor, { context });

sqsListener(
  { queueUrl: process.env.PAYMENTS_QUEUE_URL, mode: 'batch' },
  lambdaHandler(paymentsHandler),
);

// FIFO: the failed record and every later one of the batch come back, in order.
const fifoProcessor = new SqsFifoPartialProcessorAsync();
const ledgerHandler: SQSHandler = async (event, context) =>
  processPartialResponse(event, chargeCustomer, fifoProcessor, { context });

sqsListener(
  { queueUrl: process.env.LEDGER_QUEUE_URL, mode: 'batch' },
  lambdaHandler(ledgerHandler),
);

await runListeners();
