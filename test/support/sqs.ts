/**
 * Helpers for integration tests against fauxqs: clients that count requests, queues with or
 * without a DLQ, sending, and reading what a queue holds afterwards.
 */
import { randomUUID } from 'node:crypto';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { inject } from 'vitest';

export function endpoint(): string {
  return inject('fauxqsEndpoint');
}

let sequence = 0;
/**
 * A process-wide, strictly increasing counter: stamps requests, responses and test events so
 * their order is known exactly (two `Date.now()` readings may be equal).
 */
export function nextSeq(): number {
  return ++sequence;
}

export interface LoggedRequest {
  command: string;
  input: Record<string, unknown>;
  /** When the request went out (ms) and its place in the order of events. */
  at: number;
  seq: number;
  /** Set once the response (or error) came back. */
  doneAt?: number;
  doneSeq?: number;
  output?: Record<string, unknown>;
  error?: unknown;
}

export interface CountingClient {
  client: SQSClient;
  /** Requests sent, by command name (e.g. DeleteMessageBatchCommand). */
  counts: Record<string, number>;
  /** Every request's command name and input, in order; the output once it arrived. */
  log: LoggedRequest[];
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
      const entry: LoggedRequest = {
        command,
        input: args.input as Record<string, unknown>,
        at: Date.now(),
        seq: nextSeq(),
      };
      log.push(entry);
      try {
        const result = await next(args);
        entry.output = result.output as unknown as Record<string, unknown>;
        return result;
      } catch (error) {
        entry.error = error;
        throw error;
      } finally {
        entry.doneAt = Date.now();
        entry.doneSeq = nextSeq();
      }
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
  /** FIFO only: dedupe by body, so sends need no MessageDeduplicationId. */
  contentBasedDeduplication?: boolean;
}

export interface TestQueue {
  queueUrl: string;
  dlqUrl?: string;
}

/** Creates a uniquely named queue (with a DLQ and redrive policy when maxReceiveCount is set). */
export async function createQueue(
  options: QueueOptions = {},
  sqs: SQSClient = adminClient(),
): Promise<TestQueue> {
  const suffix = options.fifo ? '.fifo' : '';
  const base = `${options.name ?? 'test'}-${randomUUID().slice(0, 8)}`;
  const fifoAttrs: Record<string, string> = options.fifo ? { FifoQueue: 'true' } : {};
  if (options.fifo && options.contentBasedDeduplication)
    fifoAttrs.ContentBasedDeduplication = 'true';
  let dlqUrl: string | undefined;
  const attributes: Record<string, string> = {
    ...fifoAttrs,
    VisibilityTimeout: String(options.visibilitySecs ?? 30),
  };
  if (options.maxReceiveCount !== undefined) {
    const dlq = await sqs.send(
      new CreateQueueCommand({ QueueName: `${base}-dlq${suffix}`, Attributes: fifoAttrs }),
    );
    dlqUrl = dlq.QueueUrl!;
    const arn = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
    );
    attributes.RedrivePolicy = JSON.stringify({
      deadLetterTargetArn: arn.Attributes!.QueueArn,
      maxReceiveCount: options.maxReceiveCount,
    });
  }
  const queue = await sqs.send(
    new CreateQueueCommand({ QueueName: `${base}${suffix}`, Attributes: attributes }),
  );
  return dlqUrl === undefined
    ? { queueUrl: queue.QueueUrl! }
    : { queueUrl: queue.QueueUrl!, dlqUrl };
}

/** Sends bodies (objects are JSON-encoded) in batches of 10; returns the message ids in order. */
export async function sendMessages(
  queueUrl: string,
  bodies: Array<string | object>,
  extra: (index: number) => Partial<SendMessageBatchRequestEntry> = () => ({}),
  sqs: SQSClient = adminClient(),
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < bodies.length; i += 10) {
    const entries = bodies.slice(i, i + 10).map((body, j) => ({
      Id: String(j),
      MessageBody: typeof body === 'string' ? body : JSON.stringify(body),
      ...extra(i + j),
    }));
    const result = await sqs.send(
      new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }),
    );
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
export async function queueCounts(
  queueUrl: string,
  sqs: SQSClient = adminClient(),
): Promise<QueueCounts> {
  const result = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
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
export async function eventually(
  check: () => Promise<boolean> | boolean,
  timeoutMs = 10_000,
  everyMs = 100,
): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Requests of one command, in the order they were sent. */
export function requestsOf(log: LoggedRequest[], command: string): LoggedRequest[] {
  return log.filter((entry) => entry.command === command);
}

/**
 * Groups requests into rounds: a request sent within `gapMs` of the previous one belongs to the
 * same round (a heartbeat round sends its batches together).
 */
export function rounds(requests: LoggedRequest[], gapMs = 300): LoggedRequest[][] {
  const out: LoggedRequest[][] = [];
  let last = Number.NEGATIVE_INFINITY;
  for (const request of requests) {
    if (request.at - last > gapMs || out.length === 0) out.push([]);
    out[out.length - 1]!.push(request);
    last = request.at;
  }
  return out;
}

/** The entries of a batch request (`Entries` of DeleteMessageBatch / ChangeMessageVisibilityBatch). */
export function entriesOf(
  request: LoggedRequest,
): Array<{ Id: string; ReceiptHandle: string; VisibilityTimeout?: number }> {
  return (request.input.Entries ?? []) as Array<{
    Id: string;
    ReceiptHandle: string;
    VisibilityTimeout?: number;
  }>;
}

/** The messages a logged ReceiveMessage returned (empty until it answered). */
export function messagesOf(request: LoggedRequest): Message[] {
  return (request.output?.Messages as Message[] | undefined) ?? [];
}

/**
 * Receives as a second consumer until every id in `ids` was seen or `timeoutMs` passed; returns
 * the ids seen (all of them, wanted or not). Messages taken stay invisible for 30 s.
 */
export async function receiveIdsWithin(
  queueUrl: string,
  ids: Iterable<string>,
  timeoutMs: number,
): Promise<Set<string>> {
  const wanted = new Set(ids);
  const seen = new Set<string>();
  await eventually(async () => {
    for (const m of await receiveNow(queueUrl)) seen.add(m.MessageId!);
    return [...wanted].every((id) => seen.has(id));
  }, timeoutMs);
  return seen;
}
