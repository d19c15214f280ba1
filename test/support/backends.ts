/**
 * The SQS "backends" a scenario can run against: fauxqs on loopback and the in-memory SQS of
 * `sqs-fargate-listener/testing`. Every helper here goes through SDK commands only, so a
 * scenario does exactly the same thing on both and any difference is the backend's.
 */
import {
  type Message,
  ReceiveMessageCommand,
  type SendMessageBatchRequestEntry,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { createInMemorySqs } from '../../src/testing/index.js';
import { createQueue, endpoint, queueCounts, sendMessages } from './sqs.js';

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
export function createQueueOn(
  backend: Backend,
  options: { fifo?: boolean; visibilitySecs?: number; maxReceiveCount?: number } = {},
): Promise<ScenarioQueue> {
  return createQueue(
    { ...options, name: 'parity', contentBasedDeduplication: true },
    backend.client,
  );
}

/** Sends bodies (objects JSON-encoded) in batches of 10; returns the message ids in order. */
export function sendOn(
  backend: Backend,
  queueUrl: string,
  bodies: Array<string | object>,
  extra: (index: number) => Partial<SendMessageBatchRequestEntry> = () => ({}),
): Promise<string[]> {
  return sendMessages(queueUrl, bodies, extra, backend.client);
}

/** What the queue holds, from GetQueueAttributes. */
export function countsOn(
  backend: Backend,
  queueUrl: string,
): Promise<{ visible: number; inFlight: number; delayed: number }> {
  return queueCounts(queueUrl, backend.client);
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
