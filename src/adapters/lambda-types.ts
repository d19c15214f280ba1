/**
 * The shapes of Lambda's SQS integration, written out here so that the package's declarations
 * need no `@types/aws-lambda`. They match it both ways: a handler typed with `SQSHandler` from
 * `aws-lambda` is accepted, and the event and context given to it are its `SQSEvent` and
 * `Context` (test/adapters/lambda-types.test.ts checks that).
 */

/** The system attributes of a Lambda SQS record (the names Lambda uses). */
export interface LambdaSqsRecordAttributes {
  ApproximateReceiveCount: string;
  /** Epoch milliseconds, as text. */
  SentTimestamp: string;
  SenderId: string;
  /** Epoch milliseconds, as text. */
  ApproximateFirstReceiveTimestamp: string;
  /** FIFO queues. */
  SequenceNumber?: string;
  /** FIFO queues, and fair queues' tenants. */
  MessageGroupId?: string;
  /** FIFO queues. */
  MessageDeduplicationId?: string;
  /** The X-Ray trace header, when the producer sent one. */
  AWSTraceHeader?: string;
  /** Set on messages moved from a dead-letter queue back to this one. */
  DeadLetterQueueSourceArn?: string;
}

/**
 * One message attribute in Lambda's camel-cased shape: `stringValue` for String and Number
 * types, `binaryValue` (base64) for Binary; the list fields are always empty, as in Lambda.
 */
export interface LambdaSqsMessageAttribute {
  stringValue?: string;
  binaryValue?: string;
  stringListValues: string[];
  binaryListValues: string[];
  dataType: string;
}

/** One record of a Lambda `SQSEvent`. */
export interface LambdaSqsRecord {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes: LambdaSqsRecordAttributes;
  messageAttributes: Record<string, LambdaSqsMessageAttribute>;
  md5OfBody: string;
  /** Present when the message has attributes. */
  md5OfMessageAttributes?: string;
  eventSource: 'aws:sqs';
  /** `arn:aws:sqs:<region>:<account>:<queue name>` */
  eventSourceARN: string;
  awsRegion: string;
}

/** What a Lambda SQS handler receives: Lambda's `SQSEvent`. */
export interface LambdaSqsEvent {
  Records: LambdaSqsRecord[];
}

/** Lambda's partial batch response (`ReportBatchItemFailures`): message ids that failed. */
export interface LambdaBatchResponse {
  batchItemFailures: Array<{ itemIdentifier: string }>;
}

/**
 * The Node.js callback of older Lambda handlers: an error (anything but `null`/`undefined`)
 * fails the whole batch, else `result` is the response.
 */
export type LambdaCallback = (error?: unknown, result?: unknown) => void;

/**
 * Lambda's `Context`. `getRemainingTimeInMillis()` counts down the listener's `handlerTimeout`
 * (15 minutes, Lambda's longest timeout, without one); the names and ARNs are stand-ins built
 * from the queue and the `functionName` option. `callbackWaitsForEmptyEventLoop` is there to be
 * set and has no effect.
 */
export interface LambdaContext {
  callbackWaitsForEmptyEventLoop: boolean;
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  awsRequestId: string;
  logGroupName: string;
  logStreamName: string;
  /** Milliseconds left until the listener's `handlerTimeout` (0 once it passed). */
  getRemainingTimeInMillis(): number;
  /** Legacy: ends the call like the callback. */
  done(error?: unknown, result?: unknown): void;
  /** Legacy: fails the whole batch. */
  fail(error: unknown): void;
  /** Legacy: ends the call with `result` as the response. */
  succeed(result?: unknown, unused?: unknown): void;
}

/**
 * A Lambda SQS handler as written for Lambda: `async (event, context) => response`, a plain
 * function, or a callback handler `(event, context, callback) => void`. Handlers typed with
 * `SQSHandler` from `@types/aws-lambda` fit.
 */
export type LambdaSqsHandler = (
  event: LambdaSqsEvent,
  context: LambdaContext,
  callback: LambdaCallback,
) => unknown;
