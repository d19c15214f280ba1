/**
 * Stage "fifo-order" (batch mode): once a message of a FIFO group failed, the later messages of
 * that group in the batch fail too (as Lambda and Powertools do), and the group is marked broken
 * so that the scheduler releases what follows; SQS then redelivers the group in order.
 * Per-message mode needs neither: its lanes run a group one message at a time.
 */
import type { LeasedMessage } from '../../core/leased-message.js';
import type { Stage } from '../pipeline.js';
import { fifoGroupOf } from '../scheduling/fifo.js';

export const fifoOrderStage: Stage = (run, { broken }) => {
  if (run.ok || broken === undefined) return;
  if (!run.failedAll) failLaterInGroup(run.messages, run);
  for (const message of run.messages) {
    if (!run.isFailed(message)) continue;
    const group = fifoGroupOf(message);
    if (group !== undefined) broken.failed(message, group);
  }
};

function failLaterInGroup(
  batch: readonly LeasedMessage[],
  run: { failed: Set<LeasedMessage> | undefined; fifoFollowers: number },
): void {
  const failed = run.failed;
  if (failed === undefined) return;
  const brokenGroups = new Set<string>();
  for (const message of batch) {
    const group = fifoGroupOf(message);
    if (group === undefined) continue;
    if (brokenGroups.has(group)) {
      if (!failed.has(message)) {
        failed.add(message);
        run.fifoFollowers++;
      }
    } else if (failed.has(message)) {
      brokenGroups.add(group);
    }
  }
}
