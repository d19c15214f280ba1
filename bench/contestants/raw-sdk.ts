/**
 * The practical limit: what a hand-written consumer does with the bare SDK. N loops of
 * ReceiveMessage(10) → handle the batch → one DeleteMessageBatch; no leases, no heartbeats.
 */
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import type { RunContext } from './types.js';

export async function run(ctx: RunContext): Promise<void> {
  const { client, queueUrl, options, handler, allHandled } = ctx;
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
            VisibilityTimeout: Number(options.visibilityTimeout),
            // The same attributes the library asks for, so response sizes match.
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: allHandled },
        );
        messages = out.Messages ?? [];
      } catch (error) {
        if (allHandled.aborted) return;
        throw error;
      }
      if (messages.length === 0) continue;
      // The whole batch concurrently (a no-op handler stays synchronous).
      await Promise.all(messages.map((m) => handler(m.Body ?? '')));
      for (const m of messages) ctx.handled(m.MessageId ?? '');
      const out = await client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
      if (out.Failed?.length)
        throw new Error(`DeleteMessageBatch failed: ${JSON.stringify(out.Failed)}`);
    }
  };
  await Promise.all(Array.from({ length: Number(options.loops) }, loop));
}
