/**
 * Stage "filter": messages the `filter` option rejects are released at once (visibility 0) and
 * counted as `filtered`; a filter that throws fails its message (what it threw is passed on).
 * Left out when no filter is set.
 */
import type { LeasedMessage } from '../../core/leased-message.js';
import { toError } from '../../shared/errors.js';
import type { ListenerPolicy } from '../listener-config.js';
import type { Stage } from '../pipeline.js';
import { failEarly } from './early-failure.js';

export function filterStage(policy: ListenerPolicy): Stage | undefined {
  const { filter, logger } = policy;
  if (!filter) return undefined;
  return async (run, context) => {
    const { messages } = run;
    // Allocated only once a message leaves: a batch that keeps everything stays as it is.
    let kept: LeasedMessage[] | undefined;
    for (let i = 0; i < messages.length; i++) {
      const message = messages[i] as LeasedMessage;
      let keep: boolean;
      try {
        keep = (await filter(message)) !== false;
      } catch (error) {
        logger.error('filter threw; message will be retried', {
          messageId: message.messageId,
          error: toError(error),
        });
        kept ??= messages.slice(0, i);
        await failEarly(run, message, error, context, 'filter_threw');
        continue;
      }
      if (keep) {
        kept?.push(message);
        continue;
      }
      kept ??= messages.slice(0, i);
      context.result.filtered++;
      context.counters.filtered();
      logger.debug('filtered out; released', { messageId: message.messageId });
      if (!message.settled) await message.nack({ delaySeconds: 0 }).catch(() => {});
    }
    if (kept) run.messages = kept;
  };
}
