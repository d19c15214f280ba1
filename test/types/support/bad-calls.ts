/**
 * Calls with one mistake each, and what TypeScript must say about them: the mistake itself, not
 * an unrelated overload's complaint. With one overload per mode, every one of these was reported
 * as "No overload matches this call", ending (in TypeScript 7, only showing) with the last
 * overload's error: "Type '"batch"' is not assignable to type '"per_message"'".
 */
export interface BadCall {
  name: string;
  code: string;
  /** Texts the first diagnostic must contain. */
  says: RegExp[];
}

const header = `import { type LeasedMessage, sqsListener } from 'sqs-fargate-listener';\n`;

export const badCalls: BadCall[] = [
  {
    name: 'a misspelt option in batch mode',
    code: `sqsListener({ queueUrl: 'q', mode: 'batch', batchsize: 5 }, async (ms) => void ms);`,
    says: [/'batchsize' does not exist/, /Did you mean to write 'batchSize'\?/],
  },
  {
    name: 'a queue URL of the wrong type in batch mode',
    code: `sqsListener({ queueUrl: 42, mode: 'batch' }, async (ms) => void ms);`,
    says: [/Type 'number' is not assignable to type 'string'/],
  },
  {
    name: 'an unknown mode',
    code: `sqsListener({ queueUrl: 'q', mode: 'perMessage' }, async () => {});`,
    says: [/'"perMessage"' is not assignable to type 'ListenerMode \| undefined'/, /per_message/],
  },
  {
    name: 'a per-message handler in batch mode',
    code: `sqsListener({ queueUrl: 'q', mode: 'batch' }, async (m: LeasedMessage) => void m.ack());`,
    says: [/not assignable to parameter of type 'BatchHandler<unknown>'/],
  },
  {
    name: 'a batch handler in per-message mode',
    code: `sqsListener({ queueUrl: 'q' }, async (ms: LeasedMessage[]) => void ms);`,
    says: [/not assignable to parameter of type 'MessageHandler<unknown>'/],
  },
].map((call) => ({ ...call, code: header + call.code }));

/** Where every diagnostic must not point: the old overloads' misleading elaboration. */
export const misleading = [
  /No overload matches this call/,
  /'"batch"' is not assignable to type '"per_message"'/,
];

/**
 * Code that must compile under the strict options: each optional option set to `undefined`
 * explicitly, as `process.env.X` or a conditional gives it, in every public options type.
 */
export const explicitUndefined = `import { SQSClient } from '@aws-sdk/client-sqs';
import {
  batchListener,
  perMessageListener,
  runListeners,
  sendMessage,
  sqsListener,
  sqsMessages,
} from 'sqs-fargate-listener';
import { createInMemorySqs } from 'sqs-fargate-listener/testing';

const maybe = <T>(value: T): T | undefined => (Math.random() > 2 ? value : undefined);
const env = process.env;

sqsListener(
  {
    queueUrl: env.QUEUE_URL,
    mode: maybe('batch' as const),
    batchSize: maybe(10),
    waitTime: maybe(20),
    visibilitySecs: maybe(60),
    maxExtend: maybe(900),
    workerThreads: maybe(4),
    batchWindowMs: maybe(0),
    handlerTimeout: maybe(30),
    name: env.NAME,
    client: maybe(new SQSClient({})),
    deadLetterQueueUrl: env.DLQ_URL,
    retry: maybe({ baseSeconds: 1, maxSeconds: maybe(60), jitter: maybe(true) }),
    tracing: maybe(false as const),
    envelope: maybe('sns' as const),
    largePayloads: maybe({ allowedBuckets: ['b'], s3Client: undefined, deletePayloadOnAck: undefined }),
    maxInFlight: maybe(40),
    maxInFlightBytes: maybe(1e6),
    settleWindowMs: maybe(5),
    onSuccess: undefined,
    onFailure: undefined,
    filter: undefined,
    schema: undefined,
  },
  async () => {},
);
perMessageListener(() => {}, { workerThreads: maybe(2), handlerTimeout: undefined });
batchListener(() => {}, { batchSize: maybe(5), batchWindowMs: undefined });
sqsMessages(env.QUEUE_URL, { signal: maybe(AbortSignal.timeout(1)), client: undefined });
await runListeners({
  signal: undefined,
  shutdownTimeout: maybe(30),
  handleSignals: maybe(false),
  client: undefined,
  env: maybe(env),
  health: maybe({ port: 8080, host: undefined }),
  taskProtection: undefined,
});
await sendMessage(new SQSClient({}), env.QUEUE_URL ?? '', 'body', {
  delaySeconds: maybe(5),
  messageGroupId: env.GROUP,
  messageDeduplicationId: undefined,
  signal: undefined,
});
const sqs = createInMemorySqs({ region: env.AWS_REGION });
sqs.createQueue('q', { fifo: maybe(false), visibilityTimeout: undefined });
`;
