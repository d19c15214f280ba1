/**
 * The practical limit: what a hand-written consumer does with the bare SDK. N loops of
 * ReceiveMessage(10) → handle the batch (all at once) → one DeleteMessageBatch; while a batch
 * runs, one ChangeMessageVisibilityBatch per heartbeat interval when the workload needs it.
 * No leases, no flow control, no error handling beyond "stop". `attributes: 'All'` requests every
 * system and message attribute as the library does; `sequential` handles a batch one message at a
 * time (a workload's concurrency 1).
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import { handleAll } from '../workloads.js';
import type { RunContext } from './types.js';

export async function run(ctx: RunContext): Promise<void> {
  const { client, queueUrl, options, handler, allHandled } = ctx;
  const visibilityTimeout = Number(options.visibilityTimeout);
  const heartbeatMs = Number(options.heartbeatSecs) * 1000;
  const attributes =
    options.attributes === 'All'
      ? { MessageSystemAttributeNames: ['All' as const], MessageAttributeNames: ['All'] }
      : {};
  const oneByOne = async (bodies: string[]) => {
    for (const body of bodies) await handler(body);
  };
  // Not an async wrapper around handleAll: a no-op handler stays synchronous, as before.
  const handleBatch = options.sequential
    ? oneByOne
    : (bodies: string[]) => handleAll(handler, bodies);
  const entries = (messages: Message[]) =>
    messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle }));
  // The last handled message aborts `allHandled`: idle receives end at once, and each loop
  // finishes its own DeleteMessageBatch before returning, so the clock includes every delete.
  const loop = async (): Promise<void> => {
    while (!allHandled.aborted) {
      let messages: Message[];
      try {
        const out = await client.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: Number(options.maxMessages),
            WaitTimeSeconds: Number(options.waitTimeSeconds),
            VisibilityTimeout: visibilityTimeout,
            ...attributes,
          }),
          { abortSignal: allHandled },
        );
        messages = out.Messages ?? [];
      } catch (error) {
        if (allHandled.aborted) return;
        throw error;
      }
      if (messages.length === 0) continue;
      const heartbeat =
        heartbeatMs > 0
          ? setInterval(() => {
              const request = new ChangeMessageVisibilityBatchCommand({
                QueueUrl: queueUrl,
                Entries: entries(messages).map((e) => ({
                  ...e,
                  VisibilityTimeout: visibilityTimeout,
                })),
              });
              client.send(request).then(
                (out) => {
                  for (const _ of out.Failed ?? []) ctx.error('heartbeat entry failed');
                },
                () => ctx.error('heartbeat failed'),
              );
            }, heartbeatMs)
          : undefined;
      try {
        await handleBatch(messages.map((m) => m.Body ?? ''));
      } finally {
        clearInterval(heartbeat);
      }
      for (const m of messages) ctx.handled(m.MessageId ?? '', m.Body ?? '');
      const out = await client.send(
        new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries(messages) }),
      );
      if (out.Failed?.length)
        throw new Error(`DeleteMessageBatch failed: ${JSON.stringify(out.Failed)}`);
    }
  };
  await Promise.all(Array.from({ length: Number(options.loops) }, loop));
}
