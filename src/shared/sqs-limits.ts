/**
 * SQS's own limits, in one place: the stream validates options against them, the settler and
 * lease manager clamp to them, and the in-memory SQS enforces them as SQS does.
 */

/** Entries per batch request, and messages per receive. */
export const SQS_MAX_BATCH = 10;
/** The longest long poll a receive may ask for. */
export const SQS_MAX_WAIT_SECONDS = 20;
/** SQS rejects a visibility change that would keep a message invisible past 12 h from its receive. */
export const SQS_MAX_VISIBILITY_SECONDS = 43_200;
/** The longest delay a message (or a queue's default) may have before it is first visible. */
export const SQS_MAX_DELAY_SECONDS = 900;
/** A message's size, body plus attribute names, types and values: 1 MiB (256 KiB before 2025). */
export const SQS_MAX_MESSAGE_BYTES = 1_048_576;

/**
 * A visibility timeout SQS accepts in ChangeMessageVisibility (what a nack delay becomes): a
 * whole number of seconds from 0 to 43,200.
 */
export function isValidVisibilitySeconds(seconds: unknown): seconds is number {
  return (
    typeof seconds === 'number' &&
    Number.isInteger(seconds) &&
    seconds >= 0 &&
    seconds <= SQS_MAX_VISIBILITY_SECONDS
  );
}
