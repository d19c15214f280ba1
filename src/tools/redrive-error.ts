/** The error `redrive()` rejects with once it has started: it carries what was done so far. */
import { SqsListenerError, type SqsListenerErrorOptions } from '../shared/errors.js';
import type { RedriveSummary } from './redrive-summary.js';

/**
 * `redrive()` stopped before the dead-letter queue was empty: a request failed after the SDK's
 * own retries, or the source queue could not be found (code `RedriveSourceUnknown`) or is
 * ambiguous (code `RedriveSourceAmbiguous`; `choices` lists the candidates: pass one as `to`).
 * `summary` says what was moved before it stopped; nothing unsent was deleted.
 *
 * @example
 * ```ts
 * try {
 *   await redrive({ from: dlqUrl });
 * } catch (error) {
 *   // Several source queues, or none: the message names the choices; pass `to`.
 *   if (error instanceof RedriveError) console.error(error.message);
 * }
 * ```
 */
export class RedriveError extends SqsListenerError {
  override name = 'RedriveError';
  /** What was moved, failed or left before the error. */
  readonly summary: RedriveSummary | undefined;
  /** For an ambiguous source: the queue URLs that could be meant. */
  readonly choices: readonly string[];

  constructor(
    message: string,
    options: SqsListenerErrorOptions & {
      summary?: RedriveSummary | undefined;
      choices?: readonly string[] | undefined;
    },
  ) {
    const { summary, choices, ...rest } = options;
    super(message, { code: 'RedriveFailed', ...rest });
    this.summary = summary;
    this.choices = choices ?? [];
  }
}
