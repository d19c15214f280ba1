/**
 * `redrive()`: moves the messages of a dead-letter queue back to their source (or to `to`),
 * client-side by default, or by starting SQS's own message move task with `server: true`.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { fifoFromUrl } from '../core/queue-info.js';
import { awsErrorCode, describeError } from '../shared/errors.js';
import { createSqsClient } from '../shared/sqs-client.js';
import { SQS_MAX_BATCH } from '../shared/sqs-limits.js';
import { moveToTarget } from './move-batch.js';
import { Pace } from './pace.js';
import { RedriveError } from './redrive-error.js';
import { type RedriveOptions, type Settings, validate } from './redrive-options.js';
import { RedriveTargets } from './redrive-source.js';
import { emptySummary, type RedriveSummary } from './redrive-summary.js';
import { type MessageMoveTaskStarted, startMoveTask } from './server-redrive.js';

export type { RedriveOptions } from './redrive-options.js';

/** What `redrive()` returns: a client-side summary, or the move task SQS started. */
export type RedriveResult = RedriveSummary | MessageMoveTaskStarted;

/**
 * Moves the messages of a dead-letter queue back to their source queue (or to `to`). Client-side
 * it receives up to 10 at a time, sends each batch to its target with its body, message
 * attributes (Binary ones too) and trace header, on FIFO targets with its `MessageGroupId` and a
 * `MessageDeduplicationId` made from its DLQ message id, and deletes from the DLQ only the
 * entries SQS confirmed. A crash between send and delete duplicates a message, never loses it
 * (a FIFO target drops the duplicate if the run is repeated within 5 minutes). FIFO order is kept
 * per group. It ends when a receive finds the DLQ empty, and resolves with a summary; a failed
 * request rejects with a `RedriveError` carrying the summary so far.
 *
 * With `server: true` it calls `StartMessageMoveTask` (real SQS only; emulators such as fauxqs
 * lack it) and resolves with the task handle as soon as SQS accepted it.
 *
 * @example
 * ```ts
 * import { redrive } from 'sqs-fargate-listener';
 *
 * const summary = await redrive({
 *   from: 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders-dlq',
 *   maxPerSecond: 50,
 * });
 * console.log(`${summary.moved} moved, ${summary.failed} left in the DLQ`);
 * ```
 */
export function redrive(
  options: RedriveOptions & { server: true },
): Promise<MessageMoveTaskStarted>;
export function redrive(
  options: RedriveOptions & { server?: false | undefined },
): Promise<RedriveSummary>;
export function redrive(options: RedriveOptions): Promise<RedriveResult>;
export async function redrive(options: RedriveOptions): Promise<RedriveResult> {
  const settings = validate(options);
  const client = options.client ?? createSqsClient();
  try {
    if (options.server) {
      return await startMoveTask(
        client,
        settings.from,
        settings.to,
        options.maxPerSecond,
        options.signal,
      );
    }
    return await moveClientSide(client, settings, options.signal);
  } finally {
    if (options.client === undefined) client.destroy();
  }
}

async function moveClientSide(
  client: SQSClient,
  settings: Settings,
  signal: AbortSignal | undefined,
): Promise<RedriveSummary> {
  const summary = emptySummary();
  const context = { client, dlqUrl: settings.from, summary };
  const targets = new RedriveTargets(client, settings.from, settings.to);
  const fifo = new FifoCache(client);
  const pace = settings.maxPerSecond === undefined ? undefined : new Pace(settings.maxPerSecond);
  for (;;) {
    const count = pace === undefined ? SQS_MAX_BATCH : await pace.acquire(SQS_MAX_BATCH, signal);
    if (count === 0 || signal?.aborted) return { ...summary, stopped: 'aborted' };
    let messages: Message[];
    try {
      messages = await receive(client, settings, count);
    } catch (error) {
      throw failure('receiving from the dead-letter queue failed', error, summary, settings.from);
    }
    if (messages.length === 0) return summary;
    pace?.consumed(messages.length);
    let byTarget: Map<string, Message[]>;
    try {
      byTarget = await groupByTarget(targets, messages);
    } catch (error) {
      await release(client, settings.from, messages);
      throw error instanceof RedriveError
        ? withSummary(error, summary)
        : failure('finding the source queue failed', error, summary, settings.from);
    }
    const parts = [...byTarget];
    for (const [index, [target, batch]] of parts.entries()) {
      if (signal?.aborted) {
        await release(
          client,
          settings.from,
          parts.slice(index).flatMap(([, rest]) => rest),
        );
        return { ...summary, stopped: 'aborted' };
      }
      try {
        await moveToTarget(context, target, await fifo.isFifo(target), batch);
      } catch (error) {
        throw failure(`moving a batch to ${target} failed`, error, summary, target);
      }
    }
  }
}

function receive(client: SQSClient, settings: Settings, count: number): Promise<Message[]> {
  return client
    .send(
      new ReceiveMessageCommand({
        QueueUrl: settings.from,
        MaxNumberOfMessages: count,
        WaitTimeSeconds: settings.waitTimeSeconds,
        VisibilityTimeout: settings.visibilityTimeout,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
      // Not aborted: SQS may have handed messages out already, which would then stay hidden for
      // the visibility timeout. A stop waits for the answer (at most waitTimeSeconds).
    )
    .then((output) => output?.Messages ?? []);
}

/** The batch split by target, each part in receive order (which keeps FIFO group order). */
async function groupByTarget(
  targets: RedriveTargets,
  messages: Message[],
): Promise<Map<string, Message[]>> {
  const out = new Map<string, Message[]>();
  for (const message of messages) {
    const target = await targets.targetFor(message);
    const list = out.get(target) ?? [];
    list.push(message);
    out.set(target, list);
  }
  return out;
}

/** Gives messages back at once (visibility 0), best effort: else they return after the timeout. */
async function release(
  client: SQSClient,
  dlqUrl: string,
  messages: readonly Message[],
): Promise<void> {
  try {
    await client.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: dlqUrl,
        Entries: messages.map((m, i) => ({
          Id: `r${i}`,
          ReceiptHandle: m.ReceiptHandle,
          VisibilityTimeout: 0,
        })),
      }),
    );
  } catch {
    // They come back when their visibility timeout ends: nothing is lost.
  }
}

/** Whether each target is FIFO: from the URL on AWS, else asked once per target. */
class FifoCache {
  private readonly known = new Map<string, Promise<boolean>>();

  constructor(private readonly client: SQSClient) {}

  isFifo(queueUrl: string): Promise<boolean> {
    const fromUrl = fifoFromUrl(queueUrl);
    if (fromUrl !== undefined) return Promise.resolve(fromUrl);
    let answer = this.known.get(queueUrl);
    if (answer === undefined) {
      answer = this.client
        .send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['FifoQueue'] }))
        .then((output) => output?.Attributes?.FifoQueue === 'true');
      this.known.set(queueUrl, answer);
    }
    return answer;
  }
}

function failure(
  what: string,
  error: unknown,
  summary: RedriveSummary,
  queueUrl: string,
): RedriveError {
  return new RedriveError(`redrive stopped: ${what}: ${describeError(error)}`, {
    code: awsErrorCode(error),
    cause: error,
    queueUrl,
    summary: { ...summary, stopped: 'error' },
  });
}

function withSummary(error: RedriveError, summary: RedriveSummary): RedriveError {
  return new RedriveError(error.message, {
    code: error.code,
    queueUrl: error.queueUrl,
    choices: error.choices,
    summary: { ...summary, stopped: 'error' },
  });
}
