/**
 * Stage "classify": turns what the handler did into which messages failed and with what error,
 * and logs failures. `false` fails the whole batch in both modes; in batch mode the result is
 * read (see batch-result.ts) and a result that cannot be read fails the whole batch: it cannot
 * say what succeeded, so nothing may be deleted.
 */
import { toError } from '../../shared/errors.js';
import { readBatchResult } from '../batch-result.js';
import { HandlerError } from '../handler-error.js';
import type { ListenerPolicy } from '../listener-config.js';
import type { PipelineRun, Stage } from '../pipeline.js';

export function classifyStage(mode: 'message' | 'batch'): Stage {
  return mode === 'message' ? classifyMessage : classifyBatch;
}

const classifyMessage: Stage = (run, { policy }) => {
  if (!run.failedAll && run.value !== false) return;
  const messageId = run.messages[0]?.messageId;
  if (!run.failedAll) {
    run.failAll('returnedFalse', new HandlerError('returnedFalse', 'handler returned false'));
    policy.logger.warn('handler returned false; message will be retried', { messageId });
    return;
  }
  policy.logger.error(run.failureKind === 'timedOut' ? 'handler timed out' : 'handler failed', {
    messageId,
    error: toError(run.error),
  });
};

const classifyBatch: Stage = (run, { policy }) => {
  if (run.failedAll) {
    logBatchFailure(run, policy);
    return;
  }
  if (run.value === false) {
    run.failAll('returnedFalse', new HandlerError('returnedFalse', 'batch handler returned false'));
    logBatchFailure(run, policy);
    return;
  }
  const read = readBatchResult(run.messages, run.value);
  if (!read.ok) {
    // A result that cannot be read cannot say what succeeded: nothing is deleted.
    policy.logger.warn(`invalid batch result: ${read.problem}; failing the whole batch`, {
      size: run.messages.length,
      firstMessageId: run.messages[0]?.messageId,
    });
    run.failAll(
      'invalidResult',
      new HandlerError('invalidResult', `invalid batch result: ${read.problem}`),
    );
    return;
  }
  if (read.failed.size === 0) return;
  run.failed = read.failed;
  run.partialError = new HandlerError('reportedFailed', 'reported failed in the batch result');
};

function logBatchFailure(run: PipelineRun, policy: ListenerPolicy): void {
  const fields = { size: run.messages.length, firstMessageId: run.messages[0]?.messageId };
  if (run.failureKind === 'returnedFalse') {
    policy.logger.warn('batch handler returned false; the whole batch will be retried', fields);
    return;
  }
  policy.logger.error(
    run.failureKind === 'timedOut'
      ? 'batch handler timed out'
      : 'batch handler failed; the whole batch will be retried',
    { ...fields, error: toError(run.error) },
  );
}
