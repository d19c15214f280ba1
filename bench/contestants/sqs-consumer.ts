/**
 * sqs-consumer (bbc), configured with its documented options: `sqs` (our counting client),
 * `batchSize`, `waitTimeSeconds`, `visibilityTimeout`, `heartbeatInterval`. It handles one
 * receive's messages at a time (handleMessage: each concurrently, deleted one by one;
 * handleMessageBatch: one call, one DeleteMessageBatch), so its concurrency is its batchSize.
 */
import type { Message } from '@aws-sdk/client-sqs';
import { Consumer, type ConsumerOptions } from 'sqs-consumer';
import { handleAll } from '../workloads.js';
import type { RunContext } from './types.js';

export async function run(ctx: RunContext): Promise<void> {
  const { options, handler } = ctx;
  const config: ConsumerOptions = {
    queueUrl: ctx.queueUrl,
    sqs: ctx.client,
    batchSize: Number(options.batchSize),
    waitTimeSeconds: Number(options.waitTimeSeconds),
    visibilityTimeout: Number(options.visibilityTimeout),
    // The same attributes the library asks for, so response sizes match.
    attributeNames: ['All'],
    messageAttributeNames: ['All'],
    messageSystemAttributeNames: ['All'],
  };
  if (Number(options.heartbeatInterval) > 0)
    config.heartbeatInterval = Number(options.heartbeatInterval);
  if (options.mode === 'batch') {
    config.handleMessageBatch = async (messages: Message[]) => {
      await handleAll(
        handler,
        messages.map((m) => m.Body ?? ''),
      );
      for (const m of messages) ctx.handled(m.MessageId ?? '', m.Body ?? '');
      return messages;
    };
  } else {
    config.handleMessage = async (message: Message) => {
      await handler(message.Body ?? '');
      ctx.handled(message.MessageId ?? '', message.Body ?? '');
      return message;
    };
  }
  const consumer = Consumer.create(config);
  for (const event of ['error', 'processing_error', 'timeout_error'] as const) {
    consumer.on(event, () => ctx.error(event));
  }
  // 'message_processed' fires after SQS confirmed the delete: done when all are.
  const deleted = new Set<string>();
  await new Promise<void>((resolve) => {
    consumer.on('message_processed', (m: Message) => {
      deleted.add(m.MessageId ?? '');
      if (deleted.size >= ctx.expected) resolve();
    });
    consumer.start();
    // An empty queue (idle): nothing to delete, the harness's timer ends the run.
    if (ctx.expected === 0) ctx.allHandled.addEventListener('abort', () => resolve());
  });
  consumer.stop({ abort: true });
}
