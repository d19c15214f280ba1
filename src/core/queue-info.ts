/**
 * What a consumer must know about its queue beyond the URL: whether it is FIFO (only then do
 * message groups mean order), and where its redrive policy sends messages (where a non-retryable
 * message belongs). Read once per stream with one GetQueueAttributes, and only when needed.
 */
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { awsErrorCode, toError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';

/** The redrive policy of a queue, with the dead-letter queue's URL worked out from its ARN. */
export interface RedriveInfo {
  deadLetterQueueUrl: string;
  maxReceiveCount: number;
}

export interface QueueInfo {
  fifo: boolean;
  /**
   * The queue's redrive policy; `null` when it has none; `undefined` when it could not be read
   * (no permission, SQS unreachable): then nobody knows where a given-up message belongs.
   */
  redrive: RedriveInfo | null | undefined;
}

/**
 * SQS requires FIFO queue names to end in `.fifo`, so an AWS URL tells. A URL on another host
 * (an emulator, a proxy) may not follow AWS's shape: there the queue is asked. Fair queues (2025)
 * put a MessageGroupId on standard queues, so a group id alone never means FIFO.
 */
export function fifoFromUrl(queueUrl: string): boolean | undefined {
  if (queueUrl.endsWith('.fifo')) return true;
  const host = /^https?:\/\/([^/:]+)/.exec(queueUrl)?.[1] ?? '';
  return /\.amazonaws\.com(\.cn)?$|\.api\.aws$/.test(host) ? false : undefined;
}

/**
 * `arn:aws:sqs:<region>:<account>:<name>` → the URL of that queue. A dead-letter queue lives in
 * the same region (SQS requires it), so it has the source queue's host and only the account and
 * name differ.
 */
export function queueUrlFromArn(sourceQueueUrl: string, arn: string): string | undefined {
  const parts = arn.split(':');
  const account = parts[4];
  const name = parts[5];
  if (parts.length !== 6 || parts[2] !== 'sqs' || !account || !name) return undefined;
  const base = sourceQueueUrl.replace(/\/[^/]+\/[^/]+$/, '');
  return `${base}/${account}/${name}`;
}

export class QueueAttributes {
  /** Known from the URL, or once read; `undefined` until then. */
  private fifoKnown: boolean | undefined;
  private loaded: QueueInfo | undefined;
  private loading: Promise<QueueInfo> | undefined;

  constructor(
    readonly queueUrl: string,
    private readonly logger: Logger,
  ) {
    this.fifoKnown = fifoFromUrl(queueUrl);
  }

  /** Whether the queue is FIFO, as far as known without a request (the URL rule as fallback). */
  get fifo(): boolean {
    return this.fifoKnown ?? this.queueUrl.endsWith('.fifo');
  }

  /** Whether `fifo` needs the queue's attributes to be read first. */
  get fifoUnknown(): boolean {
    return this.fifoKnown === undefined;
  }

  /**
   * Reads FifoQueue and RedrivePolicy once. Never rejects: a failed read is logged and tried
   * again by the next caller, and answers with what the URL tells.
   */
  load(client: SQSClient, signal?: AbortSignal): Promise<QueueInfo> {
    if (this.loaded) return Promise.resolve(this.loaded);
    this.loading ??= this.read(client, signal).finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async read(client: SQSClient, signal: AbortSignal | undefined): Promise<QueueInfo> {
    try {
      const response = await client.send(
        new GetQueueAttributesCommand({
          QueueUrl: this.queueUrl,
          AttributeNames: ['FifoQueue', 'RedrivePolicy'],
        }),
        { abortSignal: signal },
      );
      const attributes = response?.Attributes ?? {};
      this.fifoKnown = attributes.FifoQueue === 'true';
      this.loaded = { fifo: this.fifoKnown, redrive: this.parseRedrive(attributes.RedrivePolicy) };
      return this.loaded;
    } catch (error) {
      this.logger.warn(
        'could not read the queue attributes (needs sqs:GetQueueAttributes); FIFO is taken from the URL and the redrive policy is unknown',
        { queueUrl: this.queueUrl, code: awsErrorCode(error), error: toError(error) },
      );
      return { fifo: this.fifo, redrive: undefined };
    }
  }

  private parseRedrive(policy: string | undefined): RedriveInfo | null | undefined {
    if (policy === undefined || policy === '') return null;
    try {
      const parsed = JSON.parse(policy) as {
        deadLetterTargetArn?: unknown;
        maxReceiveCount?: unknown;
      };
      const url =
        typeof parsed.deadLetterTargetArn === 'string'
          ? queueUrlFromArn(this.queueUrl, parsed.deadLetterTargetArn)
          : undefined;
      if (url === undefined) throw new Error('no usable deadLetterTargetArn');
      return { deadLetterQueueUrl: url, maxReceiveCount: Number(parsed.maxReceiveCount) };
    } catch {
      this.logger.warn('the queue has a redrive policy this library cannot read', {
        queueUrl: this.queueUrl,
        redrivePolicy: policy.slice(0, 200),
      });
      return undefined;
    }
  }
}
