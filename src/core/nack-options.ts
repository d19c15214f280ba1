/** Validation of `nack()` options: what SQS allows as a delay, and the error for anything else. */
import { SQS_MAX_VISIBILITY_SECONDS } from '../shared/config.js';
import { describeValue, SettleError } from '../shared/errors.js';
import type { Lease } from './lease.js';
import type { NackOptions } from './leased-message.js';

/** `undefined` when `options` is a valid nack: no options, or a whole number of seconds SQS allows. */
export function invalidNack(
  lease: Lease,
  options: NackOptions | undefined,
  queueUrl: string,
): SettleError | undefined {
  let got: string;
  if (options === undefined) return undefined;
  if (options === null || typeof options !== 'object') {
    got = `options ${describe(options)}`;
  } else {
    const delay: unknown = options.delaySeconds;
    if (
      delay === undefined ||
      (typeof delay === 'number' &&
        Number.isInteger(delay) &&
        delay >= 0 &&
        delay <= SQS_MAX_VISIBILITY_SECONDS)
    ) {
      return undefined;
    }
    got = `delaySeconds ${describe(delay)}`;
  }
  const outcome =
    lease.state === 'acked' || lease.state === 'nacked'
      ? `The earlier ${lease.state === 'acked' ? 'ack' : 'nack'} stands.`
      : 'The message was nacked without a delay: it reappears when its visibility timeout ends.';
  return new SettleError(
    `Invalid nack of message ${lease.messageId}: got ${got}; allowed: delaySeconds a whole ` +
      `number of seconds from 0 to ${SQS_MAX_VISIBILITY_SECONDS}, or omitted. ${outcome}`,
    { code: 'InvalidDelay', messageId: lease.messageId, queueUrl },
  );
}

/** A value for an error message, strings marked as such (`'5'` is not `5`); never throws. */
function describe(value: unknown): string {
  return typeof value === 'string' ? `${JSON.stringify(value)} (a string)` : describeValue(value);
}
