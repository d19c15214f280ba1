/**
 * A scriptable stand-in for `SQSClient`, faked at its `send` boundary for unit tests. It records
 * every command, answers ReceiveMessage from a queue of scripted messages (long-polling on the
 * current clock, fake or real, and ending at once when the request's abort signal aborts), and
 * answers the batch commands the way SQS does, including SQS's own rules for batches: at most 10
 * entries, distinct entry ids, visibility timeouts within 0..43,200 s and never past 12 h from
 * receive. Hooks make a given entry fail or a request throw.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/** The name of a command class without its `Command` suffix, e.g. `ReceiveMessage`. */
export type CommandName = 'ReceiveMessage' | 'DeleteMessageBatch' | 'ChangeMessageVisibilityBatch';

export interface RecordedCommand {
  name: string;
  input: Record<string, unknown>;
  /** `Date.now()` when the command was sent (the fake clock's time under fake timers). */
  at: number;
}

export interface RequestEntryInput {
  Id?: string;
  ReceiptHandle?: string;
  VisibilityTimeout?: number;
}

export interface EntryFailure {
  Code: string;
  SenderFault: boolean;
  Message?: string;
}

interface EntryFailureRule {
  command: 'DeleteMessageBatch' | 'ChangeMessageVisibilityBatch';
  match: (entry: RequestEntryInput) => boolean;
  failure: EntryFailure;
  /** How many more entries this rule fails; Infinity = always. */
  remaining: number;
}

interface RequestFailureRule {
  command: CommandName;
  error: unknown;
  remaining: number;
}

interface Waiter {
  wake: () => void;
}

/** SQS's 12-hour limit on a message's visibility, counted from its receive. */
const MAX_VISIBILITY_SECONDS = 43_200;
const MAX_BATCH = 10;

let messageSeq = 0;

/** A message as ReceiveMessage returns it; each call gets a fresh receipt handle. */
export function sqsMessage(
  messageId: string,
  options: {
    body?: string;
    attributes?: Message['Attributes'];
    messageAttributes?: Message['MessageAttributes'];
  } = {},
): Message {
  messageSeq++;
  const message: Message = {
    MessageId: messageId,
    ReceiptHandle: `rh-${messageId}-${messageSeq}`,
    Body: options.body ?? JSON.stringify({ id: messageId }),
  };
  if (options.attributes) message.Attributes = options.attributes;
  if (options.messageAttributes) message.MessageAttributes = options.messageAttributes;
  return message;
}

/** `count` messages with ids `${prefix}0`, `${prefix}1`, ... */
export function sqsMessages(count: number, prefix = 'm'): Message[] {
  return Array.from({ length: count }, (_, i) => sqsMessage(`${prefix}${i}`));
}

/** An error shaped like the ones the SDK throws (name, `$fault`, `$retryable`). */
export function awsError(
  name: string,
  options: {
    message?: string;
    fault?: 'client' | 'server';
    retryable?: boolean;
    code?: string;
  } = {},
): Error {
  const error = new Error(options.message ?? `${name} (fake)`) as Error & {
    $fault?: 'client' | 'server';
    $retryable?: { throttling: boolean };
    Code?: string;
  };
  error.name = name;
  if (options.fault) error.$fault = options.fault;
  if (options.retryable) error.$retryable = { throttling: name.includes('Throttl') };
  if (options.code) error.Code = options.code;
  return error;
}

export const throttlingError = () =>
  awsError('ThrottlingException', { message: 'Rate exceeded', fault: 'client', retryable: true });
export const queueDoesNotExistError = () =>
  awsError('QueueDoesNotExist', {
    message: 'The specified queue does not exist.',
    fault: 'client',
    code: 'AWS.SimpleQueueService.NonExistentQueue',
  });
export const credentialsError = () =>
  awsError('CredentialsProviderError', {
    message: 'Could not load credentials from any providers',
  });

function abortError(): Error {
  const error = new Error('Request aborted');
  error.name = 'AbortError';
  return error;
}

function commandName(command: object): string {
  return command.constructor.name.replace(/Command$/, '');
}

export class FakeSqs {
  /** Every command sent, in order. */
  readonly commands: RecordedCommand[] = [];
  /** Receipt handles SQS confirmed deleted. */
  readonly deleted: string[] = [];
  /** Visibility changes SQS accepted. */
  readonly visibilityChanges: Array<{ receiptHandle: string; timeoutSecs: number; at: number }> =
    [];
  private readonly queue: Message[] = [];
  private readonly receivedAt = new Map<string, number>();
  private readonly entryFailures: EntryFailureRule[] = [];
  private readonly requestFailures: RequestFailureRule[] = [];
  private readonly waiters = new Set<Waiter>();
  /** Long polls currently waiting on an empty queue. */
  pollsWaiting = 0;
  /**
   * Set when ReceiveMessage is called over and over with no time passing: a hot loop. The
   * fake then stops answering receives (until aborted), so the test fails instead of hanging.
   */
  hotLoopDetected = false;
  private recentReceives = { since: Number.NEGATIVE_INFINITY, count: 0 };

  /** This fake, typed as the client `sqsMessages()` expects. */
  get client(): SQSClient {
    return this as unknown as SQSClient;
  }

  /** Adds messages to the queue; a long poll waiting on an empty queue returns them at once. */
  enqueue(...messages: Message[]): this {
    this.queue.push(...messages);
    for (const waiter of [...this.waiters]) waiter.wake();
    return this;
  }

  get queued(): number {
    return this.queue.length;
  }

  /** The recorded commands of one kind. */
  sent(name: CommandName): RecordedCommand[] {
    return this.commands.filter((c) => c.name === name);
  }

  /** The entries of every recorded request of one kind, one array per request. */
  entriesOf(name: 'DeleteMessageBatch' | 'ChangeMessageVisibilityBatch'): RequestEntryInput[][] {
    return this.sent(name).map((c) => (c.input.Entries as RequestEntryInput[] | undefined) ?? []);
  }

  /** Makes the next `times` requests of a kind throw `error` (Infinity = every one). */
  failRequest(command: CommandName, error: unknown, times = 1): this {
    this.requestFailures.push({ command, error, remaining: times });
    return this;
  }

  /**
   * Makes entries for a receipt handle (or matching a predicate) come back in `Failed`, the next
   * `times` times (Infinity = always).
   */
  failEntry(
    command: 'DeleteMessageBatch' | 'ChangeMessageVisibilityBatch',
    match: string | ((entry: RequestEntryInput) => boolean),
    failure: EntryFailure,
    times = Number.POSITIVE_INFINITY,
  ): this {
    const predicate =
      typeof match === 'string' ? (e: RequestEntryInput) => e.ReceiptHandle === match : match;
    this.entryFailures.push({ command, match: predicate, failure, remaining: times });
    return this;
  }

  async send(command: object, options: { abortSignal?: AbortSignal } = {}): Promise<unknown> {
    const input = (command as { input: Record<string, unknown> }).input;
    const name = commandName(command);
    this.commands.push({ name, input: structuredClone(input), at: Date.now() });
    const signal = options.abortSignal;
    if (signal?.aborted) throw abortError();
    const failure = this.takeRequestFailure(name);
    if (failure !== undefined) throw failure.error;
    if (command instanceof ReceiveMessageCommand) return this.receive(command, signal);
    if (command instanceof DeleteMessageBatchCommand) {
      return this.batch('DeleteMessageBatch', command.input.Entries ?? []);
    }
    if (command instanceof ChangeMessageVisibilityBatchCommand) {
      return this.batch('ChangeMessageVisibilityBatch', command.input.Entries ?? []);
    }
    throw new Error(`FakeSqs: unexpected command ${name}`);
  }

  /** The library never owns an injected client, but be a complete stand-in. */
  destroy(): void {}

  private takeRequestFailure(name: string): RequestFailureRule | undefined {
    const rule = this.requestFailures.find((r) => r.command === name && r.remaining > 0);
    if (rule) rule.remaining--;
    return rule;
  }

  private async receive(
    command: ReceiveMessageCommand,
    signal: AbortSignal | undefined,
  ): Promise<{ Messages?: Message[] }> {
    const max = command.input.MaxNumberOfMessages ?? 1;
    if (!Number.isInteger(max) || max < 1 || max > MAX_BATCH) {
      throw awsError('InvalidParameterValue', {
        fault: 'client',
        message: `MaxNumberOfMessages ${max} is not between 1 and 10`,
      });
    }
    // 1,000 receives within 100 ms (on whichever clock runs) is a loop nobody meant.
    const now = Date.now();
    if (now - this.recentReceives.since <= 100) this.recentReceives.count++;
    else this.recentReceives = { since: now, count: 1 };
    if (this.recentReceives.count > 1_000) {
      this.hotLoopDetected = true;
      await this.longPoll(Number.POSITIVE_INFINITY, signal);
    }
    if (this.queue.length === 0) {
      await this.longPoll((command.input.WaitTimeSeconds ?? 0) * 1000, signal);
    }
    const messages = this.queue.splice(0, max);
    const answeredAt = Date.now();
    for (const m of messages) this.receivedAt.set(m.ReceiptHandle!, answeredAt);
    return messages.length === 0 ? {} : { Messages: messages };
  }

  /** Waits until a message arrives or `ms` passes; rejects with an AbortError on abort. */
  private longPoll(ms: number, signal: AbortSignal | undefined): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const finish = () => {
        if (timer !== undefined) clearTimeout(timer);
        this.waiters.delete(waiter);
        this.pollsWaiting--;
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        wake: () => {
          finish();
          resolve();
        },
      };
      const onAbort = () => {
        finish();
        reject(abortError());
      };
      // An infinite wait (hot-loop guard) has no timer: only abort ends it.
      const timer = Number.isFinite(ms) ? setTimeout(waiter.wake, ms) : undefined;
      this.waiters.add(waiter);
      this.pollsWaiting++;
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private batch(
    command: 'DeleteMessageBatch' | 'ChangeMessageVisibilityBatch',
    entries: RequestEntryInput[],
  ): {
    Successful: Array<{ Id: string }>;
    Failed: Array<EntryFailure & { Id: string }>;
  } {
    // SQS refuses the whole request in these cases; so does the fake, loudly.
    if (entries.length === 0) throw awsError('EmptyBatchRequest', { fault: 'client' });
    if (entries.length > MAX_BATCH) {
      throw awsError('TooManyEntriesInBatchRequest', { fault: 'client' });
    }
    const ids = entries.map((e) => e.Id);
    if (new Set(ids).size !== ids.length) {
      throw awsError('BatchEntryIdsNotDistinct', { fault: 'client' });
    }
    const Successful: Array<{ Id: string }> = [];
    const Failed: Array<EntryFailure & { Id: string }> = [];
    const now = Date.now();
    for (const entry of entries) {
      const id = entry.Id ?? '';
      const failure = this.entryFailure(command, entry, now);
      if (failure) {
        Failed.push({ Id: id, ...failure });
        continue;
      }
      Successful.push({ Id: id });
      if (command === 'DeleteMessageBatch') this.deleted.push(entry.ReceiptHandle ?? '');
      else {
        this.visibilityChanges.push({
          receiptHandle: entry.ReceiptHandle ?? '',
          timeoutSecs: entry.VisibilityTimeout ?? 0,
          at: now,
        });
      }
    }
    return { Successful, Failed };
  }

  private entryFailure(
    command: 'DeleteMessageBatch' | 'ChangeMessageVisibilityBatch',
    entry: RequestEntryInput,
    now: number,
  ): EntryFailure | undefined {
    const rule = this.entryFailures.find(
      (r) => r.command === command && r.remaining > 0 && r.match(entry),
    );
    if (rule) {
      rule.remaining--;
      return rule.failure;
    }
    const receivedAt = this.receivedAt.get(entry.ReceiptHandle ?? '');
    if (receivedAt === undefined) {
      return { Code: 'ReceiptHandleIsInvalid', SenderFault: true };
    }
    if (command === 'ChangeMessageVisibilityBatch') {
      const timeout = entry.VisibilityTimeout;
      if (
        timeout === undefined ||
        !Number.isInteger(timeout) ||
        timeout < 0 ||
        timeout > MAX_VISIBILITY_SECONDS ||
        now + timeout * 1000 > receivedAt + MAX_VISIBILITY_SECONDS * 1000
      ) {
        return {
          Code: 'InvalidParameterValue',
          SenderFault: true,
          Message: `VisibilityTimeout ${timeout} goes past the 12-hour limit or is invalid`,
        };
      }
    }
    return undefined;
  }
}
