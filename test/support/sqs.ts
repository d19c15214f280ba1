/**
 * Helpers for integration tests against fauxqs: clients that count requests, queues with or
 * without a DLQ, sending, and reading what a queue holds afterwards.
 */
import { randomUUID } from 'node:crypto';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type Message,
} from '@aws-sdk/client-sqs';
import { inject } from 'vitest';

export function endpoint(): string {
  return inject('fauxqsEndpoint');
}

export interface CountingClient {
  client: SQSClient;
  /** Requests sent, by command name (e.g. DeleteMessageBatchCommand). */
  counts: Record<string, number>;
  /** Every request's command name and input, in order. */
  log: Array<{ command: string; input: Record<string, unknown>; at: number }>;
}

/** An SQSClient for fauxqs whose requests are counted by a middleware, as they go out. */
export function countingClient(): CountingClient {
  const client = new SQSClient({
    endpoint: endpoint(),
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const counts: Record<string, number> = {};
  const log: CountingClient['log'] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? 'unknown';
      counts[command] = (counts[command] ?? 0) + 1;
      log.push({ command, input: args.input as Record<string, unknown>, at: Date.now() });
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
  return { client, counts, log };
}

let shared: SQSClient | undefined;
/** A plain client for setting up and inspecting queues (not counted). */
export function adminClient(): SQSClient {
  shared ??= new SQSClient({
    endpoint: endpoint(),
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  return shared;
}

export interface QueueOptions {
  fifo?: boolean;
  visibilitySecs?: number;
  /** Creates a DLQ and a redrive policy with this maxReceiveCount. */
  maxReceiveCount?: number;
  name?: string;
}

export interface TestQueue {
  queueUrl: string;
  dlqUrl?: string;
}

export async function createQueue(options: QueueOptions = {}): Promise<TestQueue> {
  const sqs = adminClient();
  const suffix = options.fifo ? '.fifo' : '';
  const base = `${options.name ?? 'test'}-${randomUUID().slice(0, 8)}`;
  const fifoAttrs: Record<string, string> = options.fifo ? { FifoQueue: 'true' } : {};
  let dlqUrl: string | undefined;
  const attributes: Record<string, string> = {
    ...fifoAttrs,
    VisibilityTimeout: String(options.visibilitySecs ?? 30),
  };
  if (options.maxReceiveCount !== undefined) {
    const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `${base}-dlq${suffix}`, Attributes: fifoAttrs }));
    dlqUrl = dlq.QueueUrl!;
    const arn = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }));
    attributes.RedrivePolicy = JSON.stringify({
      deadLetterTargetArn: arn.Attributes!.QueueArn,
      maxReceiveCount: options.maxReceiveCount,
    });
  }
  const queue = await sqs.send(new CreateQueueCommand({ QueueName: `${base}${suffix}`, Attributes: attributes }));
  return dlqUrl === undefined ? { queueUrl: queue.QueueUrl! } : { queueUrl: queue.QueueUrl!, dlqUrl };
}

/** Sends bodies (objects are JSON-encoded) in batches of 10; returns the message ids in order. */
export async function sendMessages(
  queueUrl: string,
  bodies: Array<string | object>,
  extra: (index: number) => Partial<SendMessageBatchRequestEntry> = () => ({}),
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < bodies.length; i += 10) {
    const entries = bodies.slice(i, i + 10).map((body, j) => ({
      Id: String(j),
      MessageBody: typeof body === 'string' ? body : JSON.stringify(body),
      ...extra(i + j),
    }));
    const result = await adminClient().send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
    if (result.Failed?.length) throw new Error(`send failed: ${JSON.stringify(result.Failed)}`);
    const byId = new Map(result.Successful!.map((s) => [s.Id, s.MessageId!]));
    for (let j = 0; j < entries.length; j++) ids.push(byId.get(String(j))!);
  }
  return ids;
}

/** `count` numbered JSON messages `{ n }`. */
export function numbered(count: number): Array<{ n: number }> {
  return Array.from({ length: count }, (_, n) => ({ n }));
}

export interface QueueCounts {
  visible: number;
  inFlight: number;
  delayed: number;
}

/** What the queue holds now, as SQS reports it. */
export async function queueCounts(queueUrl: string): Promise<QueueCounts> {
  const result = await adminClient().send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
    }),
  );
  const a = result.Attributes ?? {};
  return {
    visible: Number(a.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}

/** Receives (as a second consumer) whatever is visible now, up to `max`, without deleting it. */
export async function receiveNow(
  queueUrl: string,
  options: { max?: number; visibilitySecs?: number; waitTime?: number } = {},
): Promise<Message[]> {
  const max = options.max ?? 100;
  const out: Message[] = [];
  while (out.length < max) {
    const result = await adminClient().send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.min(10, max - out.length),
        WaitTimeSeconds: options.waitTime ?? 0,
        VisibilityTimeout: options.visibilitySecs ?? 30,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    const got = result.Messages ?? [];
    if (got.length === 0) break;
    out.push(...got);
  }
  return out;
}

/** Polls `check` until it returns true or `timeoutMs` passes; returns whether it did. */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 10_000, everyMs = 100): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
