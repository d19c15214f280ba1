/** Helpers for the dead-letter tool tests: filling a DLQ, draining a queue, wrapping a client. */
import {
  DeleteMessageBatchCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { adminClient, sendMessages } from '../support/sqs.js';

/** The attributes every test message carries: one of each base type, Binary with odd bytes. */
export function attributesFor(n: number): Record<string, MessageAttributeValue> {
  return {
    name: { DataType: 'String', StringValue: `message-${n}` },
    n: { DataType: 'Number', StringValue: String(n) },
    bytes: { DataType: 'Binary', BinaryValue: Uint8Array.from([0, 255, n % 256, 10, 13]) },
  };
}

/** Puts `count` messages `{ n }` into a queue (FIFO: groups g0..g{groups-1}, interleaved). */
export async function fill(queueUrl: string, count: number, groups = 0): Promise<string[]> {
  const bodies = Array.from({ length: count }, (_, n) => ({
    n,
    group: groups ? `g${n % groups}` : undefined,
  }));
  return sendMessages(queueUrl, bodies, (n) => ({
    MessageAttributes: attributesFor(n),
    ...(groups ? { MessageGroupId: `g${n % groups}`, MessageDeduplicationId: `orig-${n}` } : {}),
  }));
}

/** Receives and deletes everything in a queue, in the order SQS hands it out. */
export async function drain(queueUrl: string, sqs: SQSClient = adminClient()): Promise<Message[]> {
  const out: Message[] = [];
  let empty = 0;
  while (empty < 2) {
    const result = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    const got = result.Messages ?? [];
    if (got.length === 0) {
      empty += 1;
      continue;
    }
    empty = 0;
    out.push(...got);
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: got.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
  }
  return out;
}

export function bodyN(message: Message): number {
  return (JSON.parse(message.Body!) as { n: number }).n;
}

type Send = (command: object, options?: { abortSignal?: AbortSignal }) => Promise<unknown>;

/**
 * A client whose `send` goes through `intercept` first: it may answer itself (return a value),
 * throw, or return `undefined` to let the real client answer.
 */
export function wrapClient(
  real: SQSClient,
  intercept: (command: object, forward: () => Promise<unknown>) => Promise<unknown> | undefined,
): SQSClient {
  const send: Send = (command, options) => {
    const forward = () => real.send(command as never, options);
    return intercept(command, forward) ?? forward();
  };
  return { send } as unknown as SQSClient;
}
