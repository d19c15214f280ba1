/** SQS plumbing shared by the orchestrator and the contestants: clients, queues, counting. */
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  SQS,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/**
 * A client for fauxqs: fixed region and dummy credentials, so nothing is read from the host.
 * The aggregated `SQS` class (an SQSClient with a method per action) because squiss-ts calls
 * methods; every other contestant uses it as a plain SQSClient, so all pay the same.
 */
export function benchClient(endpoint: string): SQS {
  return new SQS({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
}

export interface RequestCounter {
  /** Requests by action (SDK command name without "Command"). */
  counts: Record<string, number>;
  /** performance.now() when the first ReceiveMessage went out; the benchmark clock starts there. */
  firstReceiveAt: number | undefined;
  /**
   * performance.now() when SQS had confirmed `expected` deletes; the clock stops there. The same
   * event for every contestant, whatever its shutdown does afterwards (ours waits for receives
   * sent < 300 ms before the stop, peers are just dropped), which is reported separately.
   */
  allDeletedAt: number | undefined;
}

/**
 * Counts every request the client sends, at the `initialize` step: once per `send()`, before
 * retries, which is what a consumer "asks for". A retried request would count once.
 */
export function countRequests(client: SQSClient, expected: number): RequestCounter {
  const counter: RequestCounter = {
    counts: {},
    firstReceiveAt: undefined,
    allDeletedAt: undefined,
  };
  let deleted = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const action = (context.commandName ?? 'Unknown').replace(/Command$/, '');
      counter.counts[action] = (counter.counts[action] ?? 0) + 1;
      if (action === 'ReceiveMessage' && counter.firstReceiveAt === undefined) {
        counter.firstReceiveAt = performance.now();
      }
      const result = await next(args);
      if (action === 'DeleteMessage') deleted++;
      if (action === 'DeleteMessageBatch') {
        deleted += (result.output as { Successful?: unknown[] }).Successful?.length ?? 0;
      }
      // expected 0 (idle): nothing to confirm, the clock stops when run() returns.
      if (expected > 0 && deleted >= expected && counter.allDeletedAt === undefined) {
        counter.allDeletedAt = performance.now();
      }
      return result;
    },
    { step: 'initialize', name: 'benchCountRequests' },
  );
  return counter;
}

/**
 * Waits `ms` before every request the client sends: a fixed round trip to a real SQS endpoint
 * (10–40 ms away), which loopback fauxqs lacks. In the finalizeRequest step after the retry
 * middleware (priority high there), so a retry waits again, as it would on a network. Not
 * abortable: an aborted long poll still pays the delay, as a request already on the wire would.
 */
export function addRequestDelay(client: SQSClient, ms: number): void {
  if (ms <= 0) return;
  client.middlewareStack.add(
    (next) => async (args) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'benchRequestDelay' },
  );
}

export async function createQueue(
  client: SQSClient,
  name: string,
  visibilitySecs: number,
): Promise<string> {
  const out = await client.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: { VisibilityTimeout: String(visibilitySecs) },
    }),
  );
  // fauxqs finds a queue only by the exact URL CreateQueue returned.
  if (!out.QueueUrl) throw new Error(`CreateQueue ${name} returned no QueueUrl`);
  return out.QueueUrl;
}

export async function deleteQueue(client: SQSClient, queueUrl: string): Promise<void> {
  await client.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
}

/** SendMessageBatch's limit on the sum of its messages' sizes (fauxqs enforces it too). */
const MAX_BATCH_BYTES = 1_048_576;

/**
 * Sends `count` messages, 10 per SendMessageBatch (fewer when their bodies would exceed a batch's
 * 1 MiB: one per request at 1 MiB) with `parallel` requests in flight, so that filling 10k
 * messages takes a second or two rather than dominating the run.
 */
export async function fillQueue(
  client: SQSClient,
  queueUrl: string,
  count: number,
  bodyBytes: number,
  parallel = 8,
): Promise<void> {
  const pad = 'x'.repeat(Math.max(0, bodyBytes - 20));
  const perBatch = Math.max(1, Math.min(10, Math.floor(MAX_BATCH_BYTES / Math.max(1, bodyBytes))));
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const start = next;
      next = Math.min(count, next + perBatch);
      const Entries = [];
      for (let i = start; i < next; i++) {
        Entries.push({ Id: String(i - start), MessageBody: JSON.stringify({ n: i, pad }) });
      }
      const out = await client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries }));
      if (out.Failed?.length)
        throw new Error(`SendMessageBatch failed: ${JSON.stringify(out.Failed)}`);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

/** Visible + in flight (+ delayed): what is still in the queue. */
export async function messagesLeft(client: SQSClient, queueUrl: string): Promise<number> {
  const out = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  const a = out.Attributes ?? {};
  return (
    Number(a.ApproximateNumberOfMessages ?? 0) +
    Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) +
    Number(a.ApproximateNumberOfMessagesDelayed ?? 0)
  );
}
