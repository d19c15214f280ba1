/**
 * `queueStats()`: what a queue holds now, from one GetQueueAttributes (and one more for its
 * dead-letter queue). It never receives: a peek would count as a receive and could push the
 * oldest message over `maxReceiveCount` into the DLQ. So the age of the oldest message, which
 * SQS publishes only as the CloudWatch metric `ApproximateAgeOfOldestMessage`, is not reported.
 */
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { queueUrlFromArn } from '../core/queue-info.js';
import { isValidQueueUrl } from '../shared/config.js';
import { ConfigError } from '../shared/errors.js';
import { createSqsClient } from '../shared/sqs-client.js';

/** What `queueStats()` found. Counts are SQS's approximate ones. */
export interface QueueStats {
  queueUrl: string;
  fifo: boolean;
  /** Visible messages waiting (`ApproximateNumberOfMessages`). */
  backlog: number;
  /** Received and not yet deleted (`ApproximateNumberOfMessagesNotVisible`). */
  inFlight: number;
  /** Sent with a delay that has not ended (`ApproximateNumberOfMessagesDelayed`). */
  delayed: number;
  /**
   * Always `undefined`: SQS exposes the age of the oldest message only in CloudWatch
   * (`ApproximateAgeOfOldestMessage`), and reading it from the queue would mean receiving it.
   */
  oldestMessageAgeSeconds: undefined;
  /** The dead-letter queue named by the redrive policy, with its depth; `null` without one. */
  deadLetterQueue: {
    queueUrl: string;
    maxReceiveCount: number;
    backlog: number;
    inFlight: number;
  } | null;
}

/**
 * Reads a queue's depth: backlog, in flight, delayed, and its dead-letter queue's depth when its
 * redrive policy names one. Needs `sqs:GetQueueAttributes` on both.
 *
 * @example
 * ```ts
 * import { queueStats } from 'sqs-fargate-listener';
 *
 * const stats = await queueStats('https://sqs.eu-west-1.amazonaws.com/123456789012/orders');
 * console.log(stats.backlog, stats.inFlight, stats.deadLetterQueue?.backlog);
 * ```
 */
export async function queueStats(
  queueUrl: string,
  options: { client?: SQSClient | undefined; signal?: AbortSignal | undefined } = {},
): Promise<QueueStats> {
  if (typeof queueUrl !== 'string' || !isValidQueueUrl(queueUrl)) {
    throw new ConfigError({
      option: 'queueUrl',
      value: queueUrl,
      allowed: 'an http(s) SQS queue URL',
      from: 'option',
    });
  }
  const client = options.client ?? createSqsClient();
  try {
    const own = await counts(client, queueUrl, ['FifoQueue', 'RedrivePolicy'], options.signal);
    const redrive = parseRedrivePolicy(queueUrl, own.RedrivePolicy);
    let deadLetterQueue: QueueStats['deadLetterQueue'] = null;
    if (redrive) {
      const dlq = await counts(client, redrive.deadLetterQueueUrl, [], options.signal);
      deadLetterQueue = {
        queueUrl: redrive.deadLetterQueueUrl,
        maxReceiveCount: redrive.maxReceiveCount,
        backlog: Number(dlq.ApproximateNumberOfMessages ?? 0),
        inFlight: Number(dlq.ApproximateNumberOfMessagesNotVisible ?? 0),
      };
    }
    return {
      queueUrl,
      fifo: own.FifoQueue === 'true',
      backlog: Number(own.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(own.ApproximateNumberOfMessagesNotVisible ?? 0),
      delayed: Number(own.ApproximateNumberOfMessagesDelayed ?? 0),
      oldestMessageAgeSeconds: undefined,
      deadLetterQueue,
    };
  } finally {
    if (options.client === undefined) client.destroy();
  }
}

async function counts(
  client: SQSClient,
  queueUrl: string,
  extra: ReadonlyArray<'FifoQueue' | 'RedrivePolicy'>,
  signal: AbortSignal | undefined,
): Promise<Record<string, string | undefined>> {
  const output = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
        ...extra,
      ],
    }),
    { abortSignal: signal },
  );
  return output?.Attributes ?? {};
}

/** The DLQ a RedrivePolicy names; `undefined` without a policy or when it cannot be read. */
function parseRedrivePolicy(
  queueUrl: string,
  policy: string | undefined,
): { deadLetterQueueUrl: string; maxReceiveCount: number } | undefined {
  if (policy === undefined || policy === '') return undefined;
  try {
    const parsed = JSON.parse(policy) as {
      deadLetterTargetArn?: unknown;
      maxReceiveCount?: unknown;
    };
    const arn = parsed.deadLetterTargetArn;
    const url = typeof arn === 'string' ? queueUrlFromArn(queueUrl, arn) : undefined;
    return url === undefined
      ? undefined
      : { deadLetterQueueUrl: url, maxReceiveCount: Number(parsed.maxReceiveCount) };
  } catch {
    return undefined;
  }
}
