/**
 * Stage "after-hooks": `onSuccess` once a message's delete went through, `onFailure` once a
 * failed message was given back (or given up). Chained onto each message's settlement, so a
 * hook never holds a worker longer than the settling itself. A throwing hook is logged and
 * changes nothing. Left out when neither hook is set.
 */
import type { LeasedMessage } from '../../core/leased-message.js';
import { toError } from '../../shared/errors.js';
import type { ListenerPolicy } from '../listener-config.js';
import type { Stage } from '../pipeline.js';

export function afterHooksStage(policy: ListenerPolicy): Stage | undefined {
  const { onSuccess, onFailure } = policy;
  if (!onSuccess && !onFailure) return undefined;
  return (run) => {
    const { messages, settled } = run;
    for (let i = 0; i < messages.length; i++) {
      const message = messages[i] as LeasedMessage;
      const failed = run.isFailed(message);
      if (failed ? !onFailure : !onSuccess) continue;
      const error = failed ? run.errorOf(message) : undefined;
      // A success whose delete failed runs no onSuccess (settle resolved false).
      settled[i] = (settled[i] as Promise<boolean>).then((go) =>
        go ? runAfterHook(policy, message, failed, error) : false,
      );
    }
  };
}

/** Runs onFailure (`failed`) or onSuccess for one message; never rejects. */
export async function runAfterHook(
  policy: ListenerPolicy,
  message: LeasedMessage,
  failed: boolean,
  error: unknown,
): Promise<boolean> {
  try {
    if (failed) await policy.onFailure?.(message, error);
    else await policy.onSuccess?.(message);
  } catch (e) {
    policy.logger.error(`${failed ? 'onFailure' : 'onSuccess'} hook threw; ignored`, {
      messageId: message.messageId,
      error: toError(e),
    });
  }
  return true;
}
