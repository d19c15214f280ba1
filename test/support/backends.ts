/**
 * The SQS "backends" a scenario can run against: fauxqs on loopback and the in-memory SQS of
 * `sqs-fargate-listener/testing`. Every helper here goes through SDK commands only, so a
 * scenario does exactly the same thing on both and any difference is the backend's.
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
import { createInMemorySqs } from '../../src/testing/index.js';
import { endpoint } from './sqs.js';

export interface Backend {
  name: 'fauxqs' | 'in-memory';
  client: SQSClient;
}

export const backends: Array<{ name: Backend['name']; make: () => Backend }> = [
  {
    name: 'fauxqs',
    make: () => ({
      name: 'fauxqs',
      client: new SQSClient({
        endpoint: endpoint(),
        region: 'us-east-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      }),
    }),
  },
  { name: 'in-memory', make: () => ({ name: 'in-memory', client: createInMemorySqs().client }) },
];

export interface ScenarioQueue {
  queueUrl: string;
  dlqUrl?: string;
}

/** Creates a queue (and a DLQ with a redrive policy when `maxReceiveCount` is given). */
export async function createQueueOn(
  backend: Backend,
  options: { fifo?: boolean; visibilitySecs?: number; maxReceiveCount?: number } = {},
): Promise<ScenarioQueue> {
  const { client } = backend;
  const suffix = options.fifo ? '.fifo' : '';
  const base = `parity-${randomUUID().slice(0, 8)}`;
  const fifo: Record<string, string> = options.fifo
    ? { FifoQueue: 'true', ContentBasedDeduplication: 'true' }
    : {};
  const attributes: Record<string, string> = {
    ...fifo,
    VisibilityTimeout: String(options.visibilitySecs ?? 30),
  };
  let dlqUrl: string | undefined;
  if (options.maxReceiveCount !== undefined) {
    const dlq = await client.send(
      new CreateQueueCommand({ QueueName: `${base}-dlq${suffix}`, Attributes: fifo }),
    );
    dlqUrl = dlq.QueueUrl!;
    const arn = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
    );
    attributes.RedrivePolicy = JSON.stringify({
      deadLetterTargetArn: arn.Attributes!.QueueArn,
      maxReceiveCount: options.maxReceiveCount,
    });
  }
  const queue = await client.send(
    new CreateQueueCommand({ QueueName: `${base}${suffix}`, Attributes: attributes }),
  );
  return dlqUrl === undefined
    ? { queueUrl: queue.QueueUrl! }
    : { queueUrl: queue.QueueUrl!, dlqUrl };
}

/** Sends bodies (objects JSON-encoded) in batches of 10; returns the message ids in order. */
export async function sendOn(
  backend: Backend,
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
    const result = await backend.client.send(
      new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }),
    );
    if (result.Failed?.length) throw new Error(`send failed: ${JSON.stringify(result.Failed)}`);
    const byId = new Map(result.Successful!.map((s) => [s.Id, s.MessageId!]));
    for (let j = 0; j < entries.length; j++) ids.push(byId.get(String(j))!);
  }
  return ids;
}

/** What the queue holds, from GetQueueAttributes. */
export async function countsOn(
  backend: Backend,
  queueUrl: string,
): Promise<{ visible: number; inFlight: number; delayed: number }> {
  const result = await backend.client.send(
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

/** One ReceiveMessage asking for every attribute. */
export async function receiveOn(
  backend: Backend,
  queueUrl: string,
  options: { max?: number; visibilitySecs?: number; waitTime?: number; signal?: AbortSignal } = {},
): Promise<Message[]> {
  const result = await backend.client.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: options.max ?? 10,
      WaitTimeSeconds: options.waitTime ?? 0,
      VisibilityTimeout: options.visibilitySecs ?? 30,
      MessageSystemAttributeNames: ['All'],
      MessageAttributeNames: ['All'],
    }),
    { abortSignal: options.signal },
  );
  return result.Messages ?? [];
}
