/**
 * Decoder: payloads an Extended Client offloaded to S3 (the `largePayloads` option). A message
 * with the marker attribute has a pointer body; the object is fetched while the message is
 * held, so its lease is heartbeated however slow S3 is, and the fetch is aborted with the lease.
 * Runs after the SNS envelope decoder: the SNS Extended Client's pointer is inside the envelope.
 */
import {
  afterAck,
  currentAttributes,
  decodeMessage,
  type LeasedMessage,
  payloadPointerOf,
} from '../../core/leased-message.js';
import {
  type ResolvedLargePayloads,
  resolveLargePayloads,
  type S3ClientLike,
} from '../../payloads/options.js';
import { PayloadError, PayloadPointerError } from '../../payloads/payload-error.js';
import {
  parsePointer,
  payloadMarker,
  type S3Location,
  withoutMarkers,
} from '../../payloads/pointer.js';
import { defaultS3Client, deletePayload, getPayload, loadS3 } from '../../payloads/s3.js';
import { isInstance, toError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { ListenerBaseOptions } from '../listener-config.js';
import type { Decoder } from '../stages/decode.js';

export function largePayloadDecoder(
  options: ListenerBaseOptions,
  logger: Logger,
): Decoder | undefined {
  const config = resolveLargePayloads(options.largePayloads);
  if (config === undefined) return undefined;
  // Loaded at start-up, so that a missing peer dependency shows in the logs at once rather
  // than at the first pointer (which then fails, retryably, with the same error).
  loadS3().catch((error: unknown) => {
    logger.error('largePayloads is on but @aws-sdk/client-s3 cannot be loaded', {
      error: toError(error),
    });
  });
  const clients = new S3Clients(config);
  return (message) => decode(message, config, clients, logger);
}

async function decode(
  message: LeasedMessage,
  config: ResolvedLargePayloads,
  clients: S3Clients,
  logger: Logger,
): Promise<void> {
  const attributes = message[currentAttributes];
  if (payloadMarker(attributes) === undefined) return;
  const location = parsePointer(message.body, message.messageId);
  if (config.allowedBuckets !== undefined && !config.allowedBuckets.has(location.bucket)) {
    // Not fetched: the producer does not get to choose what the listener reads.
    throw new PayloadPointerError(
      `Message ${message.messageId} points to bucket "${location.bucket}", which largePayloads.allowedBuckets does not allow; not fetched`,
      { code: 'PayloadBucketNotAllowed', messageId: message.messageId },
    );
  }
  const client = await clients.get();
  let payload: Awaited<ReturnType<typeof getPayload>>;
  try {
    payload = await getPayload(client, location, message.signal);
  } catch (error) {
    if (
      config.onMissingPayload === 'ack' &&
      isInstance(error, PayloadError) &&
      error.code === 'PayloadMissing'
    ) {
      await deleteMissing(message, error, logger);
    }
    throw error;
  }
  message[decodeMessage](payload.body, withoutMarkers(attributes));
  message[payloadPointerOf] = { bucket: location.bucket, key: location.key, size: payload.size };
  if (config.deletePayloadOnAck) {
    message[afterAck](() => cleanUp(client, location, message.messageId, logger));
  }
}

/**
 * `onMissingPayload: 'ack'`: the message is deleted here; the error is then thrown on so that
 * the handler is skipped and `onFailure` hears of it (the settle step leaves a settled message
 * alone).
 */
async function deleteMissing(
  message: LeasedMessage,
  error: PayloadError,
  logger: Logger,
): Promise<void> {
  logger.warn("payload missing from S3; message deleted (largePayloads.onMissingPayload: 'ack')", {
    messageId: message.messageId,
    bucket: error.bucket,
    key: error.key,
  });
  try {
    await message.ack();
  } catch (e) {
    logger.warn('delete of a message without payload failed; it will be delivered again', {
      messageId: message.messageId,
      error: toError(e),
    });
  }
}

/** After SQS confirmed the delete: best effort, a failure leaves an object for a lifecycle rule. */
function cleanUp(client: S3ClientLike, location: S3Location, messageId: string, logger: Logger) {
  deletePayload(client, location).then(
    () => logger.debug('payload deleted from S3 after ack', { messageId, ...location }),
    (error: unknown) =>
      logger.warn('could not delete the payload of an acked message from S3; left in place', {
        messageId,
        ...location,
        error: toError(error),
      }),
  );
}

/** The listener's S3 client: the option's, else one from the environment, built once. */
class S3Clients {
  private pending: Promise<S3ClientLike> | undefined;

  constructor(private readonly config: ResolvedLargePayloads) {}

  get(): Promise<S3ClientLike> {
    const given = this.config.s3Client;
    if (given !== undefined) return Promise.resolve(given);
    this.pending ??= defaultS3Client().catch((error: unknown) => {
      // Not cached: a later message tries again (the error is retryable for the message).
      this.pending = undefined;
      throw error;
    });
    return this.pending;
  }
}
