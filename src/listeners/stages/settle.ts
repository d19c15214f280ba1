/**
 * Stage "settle": ack the messages that succeeded, give back (or give up on) the ones that
 * failed, count them, and log the batch. Starts every settlement at once and records it in
 * `run.settled`; the pipeline decides what to wait for. Nothing here rejects: what SQS refuses
 * is logged, and the message comes back by itself.
 */
import type { LeasedMessage } from '../../core/leased-message.js';
import { toError } from '../../shared/errors.js';
import { isDebugEnabled } from '../../shared/log-adapters.js';
import type { ListenerPolicy } from '../listener-config.js';
import type { FailureKind } from '../listener-counters.js';
import type { PipelineContext, PipelineRun, Stage } from '../pipeline.js';
import { retryNack } from '../retry.js';
import { giveUp } from './give-up.js';

export const settleStage: Stage = (run, context) => {
  const { messages, settled } = run;
  const { result, policy } = context;
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i] as LeasedMessage;
    settled.push(
      run.isFailed(message)
        ? settleFailure(message, run.errorOf(message), context)
        : settleSuccess(message, policy),
    );
  }
  const failed = run.failedAll ? messages.length : (run.failed?.size ?? 0);
  if (failed > 0) countFailures(run, failed, context);
  result.failed += failed;
  result.succeeded += messages.length - failed;
  if (context.mode === 'message') {
    // Checked first: the fields object would be built for every message.
    if (failed === 0 && isDebugEnabled(policy.logger)) {
      policy.logger.debug('message handled', { messageId: messages[0]?.messageId });
    }
  } else {
    logBatch(run, failed, policy);
  }
};

/** The failures of a run by kind, for metrics: a whole-batch kind, or reported and followers. */
function countFailures(run: PipelineRun, failed: number, { counters }: PipelineContext): void {
  if (run.failedAll) {
    counters.failed(WHOLE_RUN_KIND[run.failureKind ?? 'threw'], failed);
    return;
  }
  if (run.fifoFollowers > 0) counters.failed('fifo_order', run.fifoFollowers);
  if (failed > run.fifoFollowers) counters.failed('reported_failed', failed - run.fifoFollowers);
}

const WHOLE_RUN_KIND: Record<NonNullable<PipelineRun['failureKind']>, FailureKind> = {
  threw: 'threw',
  returnedFalse: 'returned_false',
  timedOut: 'timed_out',
  invalidResult: 'invalid_result',
  reportedFailed: 'reported_failed',
};

function logBatch(run: PipelineRun, failed: number, policy: ListenerPolicy): void {
  const fields = { ok: run.messages.length - failed, failed };
  if (failed === 0) {
    // DEBUG, not INFO: one line per batch floods CloudWatch; the runner's summary counts them.
    policy.logger.debug('batch handled', fields);
    return;
  }
  const failedIds: string[] = [];
  for (const m of run.messages) if (run.isFailed(m)) failedIds.push(m.messageId);
  policy.logger.warn('batch handled with failures', {
    ...fields,
    fifoFollowers: run.fifoFollowers || undefined,
    failedIds: failedIds.join(','),
  });
}

/** Acks a message that succeeded; resolves whether its onSuccess hook should run. */
export function settleSuccess(message: LeasedMessage, policy: ListenerPolicy): Promise<boolean> {
  if (message.settled) return SETTLED;
  // Not an async function: one `then` per message instead of an async frame and its promise.
  const ackFailed = (error: unknown): boolean => {
    policy.logger.warn('ack failed; the message will be delivered again', {
      messageId: message.messageId,
      error: toError(error),
    });
    return false;
  };
  try {
    return message.ack().then(returnTrue, ackFailed);
  } catch (error) {
    return Promise.resolve(ackFailed(error));
  }
}

const SETTLED: Promise<boolean> = Promise.resolve(true);
const returnTrue = (): boolean => true;

/**
 * Gives a failed message back, or gives up on it when the failure is non-retryable (counted in
 * `gaveUp`). Resolves `true`: onFailure runs whatever SQS answered.
 */
export async function settleFailure(
  message: LeasedMessage,
  error: unknown,
  context: PipelineContext,
): Promise<boolean> {
  if (message.settled) return true;
  const { policy } = context;
  if (isNonRetryable(error, message, policy)) {
    const action = await giveUp(message, error, context);
    if (action !== false) {
      context.result.gaveUp++;
      context.counters.gaveUp(action);
    }
    return true;
  }
  try {
    await message.nack(retryNack(message, policy));
  } catch (e) {
    policy.logger.warn('nack failed; the message reappears when its visibility ends', {
      messageId: message.messageId,
      error: toError(e),
    });
  }
  return true;
}

function isNonRetryable(error: unknown, message: LeasedMessage, policy: ListenerPolicy): boolean {
  try {
    return policy.isNonRetryable(error, message);
  } catch (e) {
    policy.logger.error('isNonRetryable threw; treating the failure as retryable', {
      messageId: message.messageId,
      error: toError(e),
    });
    return false;
  }
}
