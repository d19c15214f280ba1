/**
 * The processing pipeline both listeners share: a batch of messages (per-message mode: a batch
 * of one) goes through a fixed list of stages, each a small function over the run. The list is
 * built once per listener (see `assembleStages`); a stage with nothing to do for this listener
 * is left out, so it costs nothing per message. Scheduling (which batch runs when) is not here:
 * see `scheduling/`.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { LeasedMessage } from '../core/leased-message.js';
import { toError } from '../shared/errors.js';
import { createSqsClient } from '../shared/sqs-client.js';
import type { HandlerFailureKind } from './handler-error.js';
import { emptyResult, type ListenerPolicy, type ListenerResult } from './listener-config.js';
import { ListenerCounters } from './listener-counters.js';
import type { BrokenGroups } from './scheduling/fifo.js';
import { Settling } from './scheduling/settling.js';

/** One pass of the pipeline over a batch, and what the stages learned about it. */
export class PipelineRun {
  /** What the handler returned. */
  value: unknown = undefined;
  /** The whole batch failed (a throw, `false`, a timeout, an unreadable result). */
  failedAll = false;
  /** How the whole batch failed, for the logs. */
  failureKind: 'threw' | HandlerFailureKind | undefined = undefined;
  /** What each message of a batch that failed as a whole fails with (what was thrown, else a HandlerError). */
  error: unknown = undefined;
  /** Messages that failed while the rest succeeded (a batch result, FIFO followers). */
  failed: Set<LeasedMessage> | undefined = undefined;
  /** What the messages in `failed` fail with. */
  partialError: unknown = undefined;
  /** Of `failed`, how many failed only to keep their FIFO group's order. */
  fifoFollowers = 0;
  /** Messages that failed before the handler (a filter that threw) and were settled then. */
  failedEarly = 0;
  /**
   * Each message's settlement, index-aligned with `messages` once the settle stage ran; each
   * resolves whether its after-hook should run, and never rejects.
   */
  readonly settled: Promise<boolean>[] = [];

  constructor(
    /** The messages still in play: filter and decode drop those they settled themselves. */
    public messages: LeasedMessage[],
  ) {}

  failAll(kind: 'threw' | HandlerFailureKind, error: unknown): void {
    this.failedAll = true;
    this.failureKind = kind;
    this.error = error;
  }

  isFailed(message: LeasedMessage): boolean {
    return this.failedAll || this.failed?.has(message) === true;
  }

  errorOf(message: LeasedMessage): unknown {
    return this.failedAll ? this.error : this.failed?.has(message) ? this.partialError : undefined;
  }

  /** Whether every message of the run succeeded (or was filtered out). */
  get ok(): boolean {
    return (
      this.failedEarly === 0 &&
      !this.failedAll &&
      (this.failed === undefined || this.failed.size === 0)
    );
  }
}

/** What the stages of one listener call share. */
export class PipelineContext {
  readonly result: ListenerResult = emptyResult();
  /** Settle work that outlives a run (delete confirmations, hooks); awaited before returning. */
  readonly settling = new Settling();
  /** FIFO groups with a failure (batch mode; per-message lanes keep their own). */
  broken: BrokenGroups | undefined = undefined;
  private ownedClient: SQSClient | undefined;

  constructor(
    readonly policy: ListenerPolicy,
    /** `message`: the batch holds one message and its failure is settled before the run ends. */
    readonly mode: 'message' | 'batch',
    /** The listener's counters for operators (failures by kind, given up, filtered, age). */
    readonly counters: ListenerCounters = new ListenerCounters(),
  ) {}

  /**
   * The client for a dead-letter move: the listener's, else the one the message came with; a
   * message from elsewhere (no origin) gets one from the environment, owned by this call.
   */
  clientFor(origin: SQSClient | undefined): SQSClient {
    const client = this.policy.client ?? origin;
    if (client !== undefined) return client;
    this.ownedClient ??= createSqsClient();
    return this.ownedClient;
  }

  /** Waits for pending settle work, then destroys the client this call built, if any. */
  async close(): Promise<void> {
    await this.settling.done();
    this.ownedClient?.destroy();
    this.ownedClient = undefined;
  }
}

/** A pipeline stage: a small function over the run; returns a promise only when it must wait. */
export type Stage = (run: PipelineRun, context: PipelineContext) => void | Promise<void>;

/**
 * Runs `run` through `stages`, then hands its settlements to the listener: per-message mode
 * waits for a failure to be given back and its onFailure to run before the worker (and its FIFO
 * lane) moves on, as it always did; everything else is tracked without holding the worker.
 * Resolves whether every message succeeded; never rejects.
 */
export async function runPipeline(
  stages: readonly Stage[],
  run: PipelineRun,
  context: PipelineContext,
): Promise<boolean> {
  try {
    for (let i = 0; i < stages.length; i++) {
      // Awaiting only what returned a promise: a synchronous stage costs no microtask turn.
      const pending = (stages[i] as Stage)(run, context);
      if (pending !== undefined) await pending;
      if (run.messages.length === 0) return run.failedEarly === 0;
    }
    const { settled } = run;
    if (context.mode === 'message' && settled.length === 1) {
      if (run.failedAll) await settled[0];
      else context.settling.track(settled[0] as Promise<boolean>);
    } else if (settled.length > 0) {
      context.settling.track(Promise.all(settled));
    }
    return run.ok;
  } catch (error) {
    // No stage rejects by design; should a bug make one, the messages are given back rather
    // than the rejection escaping the scheduler.
    const { logger } = context.policy;
    const what = context.mode === 'message' ? 'a message' : 'a batch';
    logger.error(`unexpected error while handling ${what}; it will be retried`, {
      messageId: run.messages[0]?.messageId,
      size: run.messages.length,
      error: toError(error),
    });
    for (const m of run.messages) {
      if (!m.settled) context.settling.track(m.nack().catch(() => {}));
    }
    return false;
  }
}
