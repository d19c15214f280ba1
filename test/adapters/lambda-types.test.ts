/**
 * Type tests: handlers typed with @types/aws-lambda go into lambdaHandler() unchanged, the event
 * and context it builds are aws-lambda's `SQSEvent` and `Context`, and the result fits batch
 * mode (with or without a schema) but not per-message mode. Checked by `tsc` (npm run typecheck
 * covers test/); each `@ts-expect-error` fails the check if its error goes away.
 */
import {
  BatchProcessor,
  EventType,
  processPartialResponse,
  SqsFifoPartialProcessorAsync,
} from '@aws-lambda-powertools/batch';
import type {
  Context,
  Handler,
  SQSBatchResponse,
  SQSEvent,
  SQSHandler,
  SQSMessageAttribute,
  SQSRecord,
  SQSRecordAttributes,
} from 'aws-lambda';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  type BatchHandler,
  batchListener,
  type LambdaBatchResponse,
  type LambdaContext,
  type LambdaSqsEvent,
  type LambdaSqsHandler,
  type LambdaSqsMessageAttribute,
  type LambdaSqsRecord,
  type LambdaSqsRecordAttributes,
  lambdaHandler,
  sqsListener,
} from '../../src/index.js';

// Registrations made here are never run: the file only has to type-check.
const queueUrl = 'http://localhost:1/000000000000/types';

describe('lambdaHandler types', () => {
  it("takes aws-lambda's handler types as they are", () => {
    const sqsHandler: SQSHandler = async () => {};
    const withResponse: Handler<SQSEvent, SQSBatchResponse> = async () => ({
      batchItemFailures: [],
    });
    const callbackStyle: SQSHandler = (_event, _context, callback) => callback(null);
    const plain = (event: SQSEvent, _context: Context): SQSBatchResponse => ({
      batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })),
    });
    const processor = new BatchProcessor(EventType.SQS);
    const powertools: SQSHandler = async (event, context) =>
      processPartialResponse(event, async () => {}, processor, { context });
    const fifo = new SqsFifoPartialProcessorAsync();
    const powertoolsFifo = async (event: SQSEvent, context: Context) =>
      processPartialResponse(event, async () => {}, fifo, { context });
    for (const handler of [
      sqsHandler,
      withResponse,
      callbackStyle,
      plain,
      powertools,
      powertoolsFifo,
    ]) {
      expectTypeOf(lambdaHandler(handler)).toEqualTypeOf<BatchHandler>();
    }
    expectTypeOf(sqsHandler).toExtend<LambdaSqsHandler>();
  });

  it("builds aws-lambda's SQSEvent and Context", () => {
    expectTypeOf<LambdaSqsEvent>().toExtend<SQSEvent>();
    expectTypeOf<LambdaSqsRecord>().toExtend<SQSRecord>();
    expectTypeOf<LambdaSqsRecordAttributes>().toExtend<SQSRecordAttributes>();
    expectTypeOf<LambdaSqsMessageAttribute>().toExtend<SQSMessageAttribute>();
    expectTypeOf<LambdaContext>().toExtend<Context>();
    expectTypeOf<SQSBatchResponse>().toExtend<LambdaBatchResponse>();
    expectTypeOf<LambdaSqsRecord['eventSource']>().toEqualTypeOf<'aws:sqs'>();
  });

  it('fits batch mode, with or without a schema; not per-message mode', () => {
    const handler: SQSHandler = async () => {};
    sqsListener({ queueUrl, mode: 'batch' }, lambdaHandler(handler));
    sqsListener(
      { queueUrl, mode: 'batch', schema: z.object({ id: z.string() }) },
      lambdaHandler(handler),
    );
    batchListener(lambdaHandler(handler, { functionName: 'orders' }), { handlerTimeout: 30 });
    // Type errors only: never called (the last one would throw a ConfigError).
    const wrongUses = () => {
      // @ts-expect-error a Lambda handler takes batches: per-message mode gives it one message
      sqsListener({ queueUrl }, lambdaHandler(handler));
      // @ts-expect-error not a Lambda handler: the first argument is the event
      lambdaHandler((message: string) => message);
      // @ts-expect-error functionName is a string
      lambdaHandler(handler, { functionName: 42 });
    };
    expectTypeOf(wrongUses).toBeFunction();
  });
});
