/** The `largePayloads` listener option: its type, and its validation at start-up. */
import { ConfigError } from '../shared/errors.js';
import { isBucketName } from './pointer.js';

/**
 * What the library needs of an S3 client: `send(command, { abortSignal })`. An `S3Client` from
 * `@aws-sdk/client-s3` fits (declared structurally, here rather than next to the S3 calls, so
 * that the package's types never name the optional dependency).
 */
export interface S3ClientLike {
  /** Sends an S3 command (GetObject, DeleteObject, PutObject); the signal aborts it. */
  send(command: object, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
}

/**
 * Reads messages whose payload an Extended Client (Java, Python, or the SNS ones) offloaded to
 * S3: the body is a pointer to an object, marked by the `ExtendedPayloadSize` (or legacy
 * `SQSLargePayloadSize`) attribute. The listener fetches the object before the handler runs;
 * `body`, `json`, the schema and `messageAttributes()` (without the marker) see the payload,
 * and `message.payloadPointer` says where it was.
 */
export interface LargePayloadOptions {
  /**
   * The client that reads (and, with `deletePayloadOnAck`, deletes) the payloads. Default: an
   * `S3Client` from the environment, built on the first pointer.
   */
  s3Client?: S3ClientLike | undefined;
  /**
   * The buckets payloads may be read from: an array of bucket names, or `'*'` for any bucket.
   * Required: a pointer names its own bucket, and whoever can send to the queue could otherwise
   * make the listener read any bucket its role can. A pointer to another bucket is a poison
   * message (`NonRetryableError`, code `PayloadBucketNotAllowed`): moved to the dead-letter
   * queue without any S3 request.
   */
  allowedBuckets: readonly string[] | '*';
  /**
   * Delete the S3 object once SQS confirmed the message's delete (never before: a message given
   * back, or whose delete failed, keeps its payload for the next delivery). A message moved to
   * a dead-letter queue keeps its payload too. Default false (leave cleanup to a lifecycle
   * rule).
   */
  deletePayloadOnAck?: boolean | undefined;
  /**
   * When the object does not exist (`NoSuchKey`): `'fail'` (default) gives the message back
   * like any retryable failure, so the redrive policy moves it to the dead-letter queue in the
   * end; `'ack'` logs it and deletes the message (the handler is not called).
   */
  onMissingPayload?: 'fail' | 'ack' | undefined;
}

/** The option, validated. */
export interface ResolvedLargePayloads {
  s3Client: S3ClientLike | undefined;
  /** `undefined`: any bucket. */
  allowedBuckets: ReadonlySet<string> | undefined;
  deletePayloadOnAck: boolean;
  onMissingPayload: 'fail' | 'ack';
}

function invalid(option: string, value: unknown, allowed: string): ConfigError {
  return new ConfigError({ option: `largePayloads.${option}`, value, allowed, from: 'option' });
}

/** Validates the option; throws a `ConfigError` naming the field. `undefined`: off. */
export function resolveLargePayloads(options: unknown): ResolvedLargePayloads | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ConfigError({
      option: 'largePayloads',
      value: options,
      allowed: 'an object: { allowedBuckets, s3Client?, deletePayloadOnAck?, onMissingPayload? }',
      from: 'option',
    });
  }
  const o = options as Record<string, unknown>;
  return {
    s3Client: resolveClient(o.s3Client),
    allowedBuckets: resolveBuckets(o.allowedBuckets),
    deletePayloadOnAck: resolveBoolean('deletePayloadOnAck', o.deletePayloadOnAck),
    onMissingPayload: resolveOnMissing(o.onMissingPayload),
  };
}

function resolveClient(value: unknown): S3ClientLike | undefined {
  if (value === undefined) return undefined;
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof (value as { send?: unknown }).send !== 'function'
  ) {
    throw invalid('s3Client', value, 'an S3Client from @aws-sdk/client-s3 (an object with send())');
  }
  return value as S3ClientLike;
}

const BUCKETS_ALLOWED =
  "an array of bucket names (letters, digits, '.', '-', '_'), or '*' to allow any bucket; required, so that a pointer cannot make the listener read any bucket";

function resolveBuckets(value: unknown): ReadonlySet<string> | undefined {
  if (value === '*') return undefined;
  if (!Array.isArray(value) || value.length === 0) {
    throw invalid('allowedBuckets', value, BUCKETS_ALLOWED);
  }
  for (const name of value) {
    if (!isBucketName(name)) throw invalid('allowedBuckets', name, BUCKETS_ALLOWED);
  }
  return new Set(value as string[]);
}

function resolveBoolean(option: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw invalid(option, value, 'true or false');
  return value;
}

function resolveOnMissing(value: unknown): 'fail' | 'ack' {
  if (value === undefined) return 'fail';
  if (value !== 'fail' && value !== 'ack')
    throw invalid('onMissingPayload', value, "'fail' or 'ack'");
  return value;
}
