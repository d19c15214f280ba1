/**
 * `sendMessage()`: a producer helper that sends one message, offloading a body too large for SQS
 * to S3 exactly as the Extended Clients do, so that Java and Python consumers (and a listener
 * with `largePayloads`) read it.
 */
import { randomUUID } from 'node:crypto';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { PayloadPointer } from '../core/leased-message.js';
import type { S3ClientLike } from '../payloads/options.js';
import {
  attributesSize,
  formatPointer,
  isBucketName,
  PAYLOAD_SIZE_ATTRIBUTE,
  PAYLOAD_SIZE_ATTRIBUTES,
  payloadSizeAttribute,
} from '../payloads/pointer.js';
import { putPayload } from '../payloads/s3.js';
import { isValidQueueUrl } from '../shared/config.js';
import { ConfigError } from '../shared/errors.js';
import { type SendableAttributeValue, toAttributeValues } from '../shared/message-attributes.js';

/** SQS's message size limit (body plus attributes), and the default offload threshold. */
export const MAX_MESSAGE_BYTES = 1_048_576;

/** SQS allows 10 attributes; an offloaded message needs one for the marker. */
const MAX_ATTRIBUTES = 10;

/** Where `sendMessage()` offloads large bodies. */
export interface ProducerLargePayloadOptions {
  /** An `S3Client` from `@aws-sdk/client-s3` that can `s3:PutObject` into `bucket`. */
  s3Client: S3ClientLike;
  /** The bucket payloads go to, under a random UUID key. */
  bucket: string;
  /**
   * Offload when the body plus the attributes exceed this many bytes (counted as the Extended
   * Clients count them). Default 1,048,576 (SQS's limit); 0 offloads every message.
   */
  thresholdBytes?: number | undefined;
}

/** Options of `sendMessage()`. */
export interface SendMessageOptions {
  /** Message attributes: strings, numbers, bigints, bytes, or SQS's own `{ DataType, … }`. */
  messageAttributes?: Readonly<Record<string, SendableAttributeValue>> | undefined;
  /** Seconds before the message becomes visible (standard queues). */
  delaySeconds?: number | undefined;
  /** FIFO queues: the message group. */
  messageGroupId?: string | undefined;
  /**
   * FIFO queues: the deduplication id. Pass one when the queue deduplicates by content: an
   * offloaded body is a new pointer every time.
   */
  messageDeduplicationId?: string | undefined;
  /** Offload bodies above the threshold to S3 (Extended Client format). Off without it. */
  largePayloads?: ProducerLargePayloadOptions | undefined;
  /** Aborts the S3 upload and the SendMessage request. */
  signal?: AbortSignal | undefined;
}

/** What `sendMessage()` sent. */
export interface SendMessageResult {
  /** The SQS `MessageId`. */
  messageId: string;
  /** FIFO queues: the sequence number SQS gave it. */
  sequenceNumber: string | undefined;
  /** Where the body went when it was offloaded; `undefined` when SQS carries it. */
  payloadPointer: PayloadPointer | undefined;
}

/**
 * Sends `body` to `queueUrl`. With `largePayloads`, a body (plus attributes) over the threshold
 * is stored in S3 under a random UUID key and the message carries the Extended Client pointer
 * (`["software.amazon.payloadoffloading.PayloadS3Pointer",{"s3BucketName":…,"s3Key":…}]`) and
 * the `ExtendedPayloadSize` attribute (the payload's size in bytes), byte for byte as the Java
 * library writes them; otherwise it is a plain SendMessage. Invalid options throw a
 * `ConfigError` before anything is sent. If SendMessage fails after the upload, the object is
 * left in place (the message may have been sent all the same): let a lifecycle rule expire it.
 *
 * @example
 * ```ts
 * const sent = await sendMessage(new SQSClient({}), queueUrl, JSON.stringify(report), {
 *   messageAttributes: { kind: 'daily-report' },
 *   // Over 1 MiB, the body goes to S3 and the message carries an Extended Client pointer.
 *   largePayloads: { s3Client: new S3Client({}), bucket: 'acme-sqs-payloads' },
 * });
 * console.log(sent.messageId, sent.payloadPointer?.key);
 * ```
 */
export async function sendMessage(
  client: SQSClient,
  queueUrl: string,
  body: string,
  options: SendMessageOptions = {},
): Promise<SendMessageResult> {
  if (typeof queueUrl !== 'string' || !isValidQueueUrl(queueUrl)) {
    throw invalid('queueUrl', queueUrl, 'an http(s) SQS queue URL');
  }
  if (typeof body !== 'string') throw invalid('body', body, 'a string (JSON.stringify objects)');
  const attributes = toAttributeValues(options.messageAttributes);
  for (const name of Object.keys(attributes ?? {})) {
    if (PAYLOAD_SIZE_ATTRIBUTES.includes(name)) {
      throw invalid(
        'messageAttributes',
        name,
        'names other than the reserved large-payload markers',
      );
    }
  }
  const offload = resolveOffload(options.largePayloads);
  let messageBody = body;
  let messageAttributes = attributes;
  let payloadPointer: PayloadPointer | undefined;
  const size = Buffer.byteLength(body);
  if (offload !== undefined && size + attributesSize(attributes) > offload.thresholdBytes) {
    if (Object.keys(attributes ?? {}).length >= MAX_ATTRIBUTES) {
      throw invalid(
        'messageAttributes',
        `${MAX_ATTRIBUTES} attributes`,
        `at most ${MAX_ATTRIBUTES - 1} on an offloaded message (the marker takes one)`,
      );
    }
    const location = { bucket: offload.bucket, key: randomUUID() };
    await putPayload(offload.s3Client, location, body, options.signal);
    messageBody = formatPointer(location);
    messageAttributes = { ...attributes, [PAYLOAD_SIZE_ATTRIBUTE]: payloadSizeAttribute(size) };
    payloadPointer = { ...location, size };
  }
  const output = await client.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: messageBody,
      MessageAttributes: messageAttributes,
      DelaySeconds: options.delaySeconds,
      MessageGroupId: options.messageGroupId,
      MessageDeduplicationId: options.messageDeduplicationId,
    }),
    { abortSignal: options.signal },
  );
  return {
    messageId: output.MessageId ?? '',
    sequenceNumber: output.SequenceNumber,
    payloadPointer,
  };
}

interface Offload {
  s3Client: S3ClientLike;
  bucket: string;
  thresholdBytes: number;
}

function resolveOffload(options: ProducerLargePayloadOptions | undefined): Offload | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null) {
    throw invalid('largePayloads', options, 'an object: { s3Client, bucket, thresholdBytes? }');
  }
  const { s3Client, bucket, thresholdBytes = MAX_MESSAGE_BYTES } = options;
  if (typeof s3Client !== 'object' || s3Client === null || typeof s3Client.send !== 'function') {
    throw invalid('largePayloads.s3Client', s3Client, 'an S3Client from @aws-sdk/client-s3');
  }
  if (!isBucketName(bucket)) {
    throw invalid('largePayloads.bucket', bucket, "a bucket name (letters, digits, '.', '-', '_')");
  }
  if (
    !Number.isInteger(thresholdBytes) ||
    thresholdBytes < 0 ||
    thresholdBytes > MAX_MESSAGE_BYTES
  ) {
    throw invalid(
      'largePayloads.thresholdBytes',
      thresholdBytes,
      `a whole number of bytes from 0 to ${MAX_MESSAGE_BYTES}`,
    );
  }
  return { s3Client, bucket, thresholdBytes };
}

function invalid(option: string, value: unknown, allowed: string): ConfigError {
  return new ConfigError({ option, value, allowed, from: 'option' });
}
