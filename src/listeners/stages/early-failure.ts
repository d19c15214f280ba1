/**
 * A message that fails before the handler (its filter threw, or it could not be decoded): it is settled at once, through
 * the same settle and after-hook steps as a handler failure, and leaves the run.
 */
import type { LeasedMessage } from '../../core/leased-message.js';
import type { FailureKind } from '../listener-counters.js';
import type { PipelineContext, PipelineRun } from '../pipeline.js';
import { runAfterHook } from './after-hooks.js';
import { settleFailure } from './settle.js';

export async function failEarly(
  run: PipelineRun,
  message: LeasedMessage,
  error: unknown,
  context: PipelineContext,
  kind: FailureKind,
): Promise<void> {
  context.counters.failed(kind);
  run.failedEarly++;
  context.result.processed++;
  context.result.failed++;
  await settleFailure(message, error, context);
  if (context.policy.onFailure) await runAfterHook(context.policy, message, true, error);
}
