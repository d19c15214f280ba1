/** Errors of large payloads: a payload S3 could not give, a pointer that cannot be followed. */
import {
  NonRetryableError,
  SqsListenerError,
  type SqsListenerErrorOptions,
} from '../shared/errors.js';

/**
 * Why a payload could not be read:
 * - `PayloadMissing`: S3 has no such object (`NoSuchKey`): see `onMissingPayload`;
 * - `PayloadFetchFailed`: S3 failed or was unreachable (5xx, throttling, network, access
 *   denied): retryable, the message comes back.
 */
export type PayloadErrorCode = 'PayloadMissing' | 'PayloadFetchFailed';

/**
 * An offloaded payload (an Extended Client pointer) could not be fetched from S3. Retryable:
 * the message is given back and SQS delivers it again (its redrive policy ends the retries).
 * A pointer that is malformed or names a bucket outside `allowedBuckets` is a
 * `PayloadPointerError` instead.
 *
 * @example
 * ```ts
 * sqsListener(
 *   {
 *     largePayloads: { allowedBuckets: ['acme-sqs-payloads'] },
 *     onFailure: (message, error) => {
 *       if (error instanceof PayloadError && error.code === 'PayloadMissing') {
 *         console.warn(`${message.messageId}: its S3 payload is gone`);
 *       }
 *     },
 *   },
 *   handle,
 * );
 * ```
 */
export class PayloadError extends SqsListenerError {
  override name = 'PayloadError';
  override readonly code: PayloadErrorCode;
  readonly bucket: string;
  readonly key: string;

  constructor(
    message: string,
    details: Omit<SqsListenerErrorOptions, 'code' | 'retryable'> & {
      code: PayloadErrorCode;
      bucket: string;
      key: string;
    },
  ) {
    const { bucket, key, ...options } = details;
    super(message, { ...options, retryable: true });
    this.code = details.code;
    this.bucket = bucket;
    this.key = key;
  }
}

/**
 * A message carries the large-payload marker, but its pointer cannot be followed: the body is
 * not a pointer (code `InvalidPayloadPointer`), or it names a bucket outside
 * `largePayloads.allowedBuckets` (`PayloadBucketNotAllowed`; S3 is not called). A poison
 * message: given up at once (moved to the dead-letter queue), whatever `isNonRetryable` says.
 *
 * @example
 * ```ts
 * sqsListener(
 *   {
 *     largePayloads: { allowedBuckets: ['acme-sqs-payloads'] },
 *     onFailure: (message, error) => {
 *       // A pointer to another bucket, or a marker without a pointer: to the DLQ at once.
 *       if (error instanceof PayloadPointerError) console.error(message.messageId, error.code);
 *     },
 *   },
 *   handle,
 * );
 * ```
 */
export class PayloadPointerError extends NonRetryableError {
  override name = 'PayloadPointerError';
}
