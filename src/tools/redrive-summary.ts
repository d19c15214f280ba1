/** What a client-side redrive did, kept up to date while it runs. */

/** One message that was not moved (or not removed from the dead-letter queue), and why. */
export interface RedriveMessageError {
  /** The message's id in the dead-letter queue. */
  messageId: string;
  /** The queue it was being moved to, when known. */
  target: string | undefined;
  /** `send`: not sent, still in the DLQ; `delete`: sent, but still in the DLQ (it will be moved again). */
  stage: 'send' | 'delete' | 'target';
  /** SQS's error code for the entry, or the library's. */
  code: string;
  message: string;
}

/** The result of a client-side `redrive()`. */
export interface RedriveSummary {
  mode: 'client';
  /** Messages sent to their target and deleted from the dead-letter queue. */
  moved: number;
  /**
   * Messages not sent (a failed entry, or a later message of a FIFO group whose earlier message
   * failed): still in the DLQ, visible again after `visibilityTimeout`.
   */
  failed: number;
  /** Messages sent but not deleted from the DLQ: a later redrive moves them again (a duplicate). */
  notDeleted: number;
  /** Messages moved, by target queue URL. */
  movedTo: Record<string, number>;
  /** One entry per message in `failed` and `notDeleted` (the first 1,000). */
  errors: RedriveMessageError[];
  /** `empty`: a receive found nothing more; `aborted`: the signal stopped it. */
  stopped: 'empty' | 'aborted' | 'error';
}

/** Errors kept in a summary: enough to act on, bounded so a huge DLQ cannot exhaust memory. */
export const MAX_SUMMARY_ERRORS = 1000;

export function emptySummary(): RedriveSummary {
  return {
    mode: 'client',
    moved: 0,
    failed: 0,
    notDeleted: 0,
    movedTo: {},
    errors: [],
    stopped: 'empty',
  };
}

export function recordError(summary: RedriveSummary, error: RedriveMessageError): void {
  if (error.stage === 'delete') summary.notDeleted += 1;
  else summary.failed += 1;
  if (summary.errors.length < MAX_SUMMARY_ERRORS) summary.errors.push(error);
}

export function recordMoved(summary: RedriveSummary, target: string, count: number): void {
  summary.moved += count;
  summary.movedTo[target] = (summary.movedTo[target] ?? 0) + count;
}
