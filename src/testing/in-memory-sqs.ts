/**
 * `createInMemorySqs()`: an SQS in the test process, usable as the `client` option, so handlers
 * and pipelines can be tested without a server. It follows SQS's rules closely enough that the
 * same scenarios pass against it and against a real SQS-compatible server (see
 * test/testing/parity.test.ts).
 */
import { setImmediate as realSetImmediate } from 'node:timers';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { toAttributeValues } from '../shared/message-attributes.js';
import { ChangeWaiters } from './change-waiters.js';
import { type Clock, systemClock } from './clock.js';
import { type CommandContext, runCommand } from './commands.js';
import { InMemoryQueue, type MessageState, type StoredMessage } from './in-memory-queue.js';
import type {
  InMemoryMessage,
  InMemoryQueueCounts,
  InMemoryQueueOptions,
  InMemoryRequest,
  InMemorySendOptions,
  InMemorySqsOptions,
} from './in-memory-types.js';
import { snapshot } from './snapshot.js';
import { abortError, sqsError } from './sqs-errors.js';
import { checkMessageAttributes, checkMessageSize } from './validation.js';

/**
 * An in-memory SQS. Create it with {@link createInMemorySqs}.
 *
 * @example
 * ```ts
 * const sqs = createInMemorySqs();
 * const queueUrl = sqs.createQueue('orders', { deadLetterQueue: { maxReceiveCount: 2 } });
 * sqs.sendMessages(queueUrl, [{ id: 'o-1' }]);
 * // ... run listeners with `client: sqs.client` ...
 * await sqs.untilEmpty(queueUrl);
 * console.log(sqs.deleted(queueUrl), sqs.deadLetters(queueUrl));
 * ```
 */
export class InMemorySqs {
  /** Every request sent through {@link InMemorySqs.send}, in order. */
  readonly requests: InMemoryRequest[] = [];
  private readonly clock: Clock;
  private readonly region: string;
  private readonly accountId: string;
  private readonly queues = new Map<string, InMemoryQueue>();
  private readonly changes: ChangeWaiters;
  private readonly context: CommandContext;

  constructor(options: InMemorySqsOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '000000000000';
    this.changes = new ChangeWaiters(this.clock, (now) => this.nextVisibleAtMs(now));
    this.context = {
      clock: this.clock,
      queue: (url) => this.queueAt(url),
      deadLetter: (queue, message) => this.deadLetter(queue, message),
      createQueue: (name, attributes) => this.createQueueFromAttributes(name, attributes),
      queueUrlOf: (name) =>
        [...this.queues.values()].find((q) => q.settings.name === name)?.settings.url,
      changed: () => this.changes.changed(),
      waitForChange: (untilMs, signal) => this.changes.waitForChange(untilMs, signal),
    };
  }

  /** This SQS typed as the `client` option expects. Only `send` and `destroy` are implemented. */
  get client(): SQSClient {
    return this as unknown as SQSClient;
  }

  /**
   * Answers an SDK command (`ReceiveMessage`, `DeleteMessageBatch`, `ChangeMessageVisibilityBatch`,
   * `SendMessage`, `SendMessageBatch`, `DeleteMessage`, `ChangeMessageVisibility`,
   * `GetQueueAttributes`, `CreateQueue`, `GetQueueUrl`) the way SQS would. Rejects with an
   * `AbortError` when `abortSignal` aborts, at once for a long poll.
   */
  async send(command: object, options: { abortSignal?: AbortSignal } = {}): Promise<unknown> {
    const input = (command as { input?: unknown }).input;
    this.requests.push({
      command: command.constructor.name.replace(/Command$/, ''),
      input: structuredClone(input),
      atMs: this.clock.now(),
    });
    // A network round trip always yields to the event loop; so does this, so a consumer that
    // polls in a loop cannot starve timers. node:timers is not replaced by fake timers.
    await new Promise((resolve) => realSetImmediate(resolve));
    if (options.abortSignal?.aborted) throw abortError();
    return runCommand(this.context, command, options.abortSignal);
  }

  /** Nothing to release; present because the library destroys clients it owns. */
  destroy(): void {}

  /** Creates a queue (idempotent by name) and returns its URL. */
  createQueue(name: string, options: InMemoryQueueOptions = {}): string {
    const fifo = options.fifo ?? name.endsWith('.fifo');
    const fullName = fifo && !name.endsWith('.fifo') ? `${name}.fifo` : name;
    const attributes: Record<string, string> = {
      VisibilityTimeout: String(options.visibilityTimeout ?? 30),
      DelaySeconds: String(options.delaySeconds ?? 0),
    };
    if (fifo) {
      attributes.FifoQueue = 'true';
      attributes.ContentBasedDeduplication = String(options.contentBasedDeduplication ?? true);
    }
    if (options.deadLetterQueue) {
      const base = fullName.replace(/\.fifo$/, '');
      const dlqName = options.deadLetterQueue.name ?? `${base}-dlq${fifo ? '.fifo' : ''}`;
      const dlqUrl = this.createQueue(dlqName, { fifo });
      attributes.RedrivePolicy = JSON.stringify({
        deadLetterTargetArn: this.queueAt(dlqUrl).settings.arn,
        maxReceiveCount: options.deadLetterQueue.maxReceiveCount,
      });
    }
    return this.createQueueFromAttributes(fullName, attributes);
  }

  /** The URL of the dead-letter queue of `queueUrl`, if it has a redrive policy. */
  deadLetterQueueUrl(queueUrl: string): string | undefined {
    const arn = this.queueAt(queueUrl).settings.redrive?.deadLetterTargetArn;
    return [...this.queues.values()].find((q) => q.settings.arn === arn)?.settings.url;
  }

  /** Sends one message; an object body is JSON-encoded. Returns the message id. */
  sendMessage(queueUrl: string, body: string | object, options: InMemorySendOptions = {}): string {
    const queue = this.queueAt(queueUrl);
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    const messageAttributes = toAttributeValues(options.messageAttributes);
    checkMessageAttributes(messageAttributes);
    checkMessageSize(text, messageAttributes);
    const { messageId } = queue.enqueue(
      {
        body: text,
        messageAttributes,
        delaySecs: options.delaySeconds,
        groupId: queue.settings.fifo ? (options.groupId ?? 'default') : options.groupId,
        deduplicationId: options.deduplicationId,
      },
      this.clock.now(),
    );
    this.changes.changed();
    return messageId;
  }

  /** Sends several messages with the same options; returns their ids in order. */
  sendMessages(
    queueUrl: string,
    bodies: ReadonlyArray<string | object>,
    options: InMemorySendOptions = {},
  ): string[] {
    return bodies.map((body) => this.sendMessage(queueUrl, body, options));
  }

  /** Messages a receive could return now. */
  visible(queueUrl: string): InMemoryMessage[] {
    return this.inState(queueUrl, 'visible');
  }

  /** Messages received and not yet deleted whose visibility timeout has not ended. */
  inFlight(queueUrl: string): InMemoryMessage[] {
    return this.inState(queueUrl, 'inFlight');
  }

  /** Messages sent with a delay that has not ended. */
  delayed(queueUrl: string): InMemoryMessage[] {
    return this.inState(queueUrl, 'delayed');
  }

  /** Messages deleted by consumers, in the order they were deleted. */
  deleted(queueUrl: string): InMemoryMessage[] {
    return this.queueAt(queueUrl).deleted.map(snapshot);
  }

  /** Messages moved to the dead-letter queue of `queueUrl` and still there. */
  deadLetters(queueUrl: string): InMemoryMessage[] {
    const dlqUrl = this.deadLetterQueueUrl(queueUrl);
    return dlqUrl === undefined ? [] : this.queueAt(dlqUrl).messages.map(snapshot);
  }

  /** How many messages `queueUrl` holds in each state, and how many were deleted or dead-lettered. */
  counts(queueUrl: string): InMemoryQueueCounts {
    const queue = this.queueAt(queueUrl);
    const now = this.clock.now();
    return {
      visible: queue.count('visible', now),
      inFlight: queue.count('inFlight', now),
      delayed: queue.count('delayed', now),
      deleted: queue.deleted.length,
      deadLettered: this.deadLetters(queueUrl).length,
    };
  }

  /**
   * Resolves once `predicate` holds. It is checked after every request and whenever a message
   * becomes visible, on the injected clock (advance fake timers to get there).
   */
  async until(predicate: () => boolean, options: { signal?: AbortSignal } = {}): Promise<void> {
    while (!predicate()) {
      await this.changes.waitForChange(Number.POSITIVE_INFINITY, options.signal);
    }
  }

  /** Resolves once `queueUrl` holds nothing visible, delayed or in flight (all deleted or dead-lettered). */
  untilEmpty(queueUrl: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    return this.until(() => {
      const c = this.counts(queueUrl);
      return c.visible + c.inFlight + c.delayed === 0;
    }, options);
  }

  private inState(queueUrl: string, state: MessageState): InMemoryMessage[] {
    const queue = this.queueAt(queueUrl);
    const now = this.clock.now();
    return queue.messages.filter((m) => queue.stateOf(m, now) === state).map(snapshot);
  }

  private queueAt(url: string | undefined): InMemoryQueue {
    const queue = url === undefined ? undefined : this.queues.get(url);
    if (!queue) throw sqsError('QueueDoesNotExist', `The specified queue does not exist: ${url}`);
    return queue;
  }

  private createQueueFromAttributes(name: string, attributes: Record<string, string>): string {
    const fifo = attributes.FifoQueue === 'true';
    if (fifo !== name.endsWith('.fifo') || !/^[\w-]{1,80}(\.fifo)?$/.test(name)) {
      throw sqsError(
        'InvalidParameterValue',
        `Invalid queue name ${name} (FIFO queues, and only they, end in .fifo).`,
      );
    }
    const url = `https://sqs.${this.region}.amazonaws.com/${this.accountId}/${name}`;
    const existing = this.queues.get(url);
    if (existing) return url;
    const redrive = attributes.RedrivePolicy
      ? (JSON.parse(attributes.RedrivePolicy) as {
          deadLetterTargetArn: string;
          maxReceiveCount: number | string;
        })
      : undefined;
    this.queues.set(
      url,
      new InMemoryQueue({
        name,
        url,
        arn: `arn:aws:sqs:${this.region}:${this.accountId}:${name}`,
        fifo,
        visibilityTimeoutSecs: Number(attributes.VisibilityTimeout ?? 30),
        delaySecs: Number(attributes.DelaySeconds ?? 0),
        receiveWaitTimeSecs: Number(attributes.ReceiveMessageWaitTimeSeconds ?? 0),
        contentBasedDeduplication: attributes.ContentBasedDeduplication === 'true',
        ...(redrive
          ? {
              redrive: {
                deadLetterTargetArn: redrive.deadLetterTargetArn,
                maxReceiveCount: Number(redrive.maxReceiveCount),
              },
            }
          : {}),
      }),
    );
    return url;
  }

  private deadLetter(queue: InMemoryQueue, message: StoredMessage): boolean {
    const arn = queue.settings.redrive?.deadLetterTargetArn;
    const dlq = [...this.queues.values()].find((q) => q.settings.arn === arn);
    if (!dlq) return false;
    dlq.adopt(message, this.clock.now());
    return true;
  }

  /** When the next delayed or in-flight message of any queue becomes visible. */
  private nextVisibleAtMs(nowMs: number): number | undefined {
    let next: number | undefined;
    for (const queue of this.queues.values()) {
      const at = queue.nextVisibleAtMs(nowMs);
      if (at !== undefined && (next === undefined || at < next)) next = at;
    }
    return next;
  }
}

/**
 * An in-memory SQS with no queues yet: create them with {@link InMemorySqs.createQueue}.
 *
 * @example
 * ```ts
 * const sqs = createInMemorySqs();
 * const queueUrl = sqs.createQueue('orders');
 * sqs.sendMessages(queueUrl, [{ id: 'o-1' }, { id: 'o-2' }]);
 * const run = runListeners({
 *   listeners: [sqsListener({ queueUrl }, handleOrder)],
 *   client: sqs.client,
 *   signal: stop.signal,
 *   handleSignals: false,
 * });
 * await sqs.untilEmpty(queueUrl);
 * ```
 */
export function createInMemorySqs(options: InMemorySqsOptions = {}): InMemorySqs {
  return new InMemorySqs(options);
}
