/**
 * The Extended Client pointer format, shared by the Java and Python SQS Extended Clients and the
 * SNS Extended Clients: a message whose payload was offloaded to S3 carries a marker attribute
 * (the payload's size in bytes, a Number) and a body naming the object, a JSON array of the
 * pointer's Java class name and `{ s3BucketName, s3Key }`. Reading accepts what every one of
 * those libraries writes; writing produces exactly what the Java library writes.
 */
import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import { PayloadPointerError } from './payload-error.js';

/** The marker attribute current libraries write. */
export const PAYLOAD_SIZE_ATTRIBUTE = 'ExtendedPayloadSize';
/** The marker older libraries write, and the Java library still does by default. */
export const LEGACY_PAYLOAD_SIZE_ATTRIBUTE = 'SQSLargePayloadSize';
/** The class name in the body (`payload-offloading-java-common-lib-for-aws`). */
export const POINTER_CLASS = 'software.amazon.payloadoffloading.PayloadS3Pointer';
/** The class name written by the Java Extended Client before the common library existed. */
export const LEGACY_POINTER_CLASS = 'com.amazon.sqs.javamessaging.MessageS3Pointer';

/** Both names, in the order the libraries look for them. */
export const PAYLOAD_SIZE_ATTRIBUTES: readonly string[] = [
  PAYLOAD_SIZE_ATTRIBUTE,
  LEGACY_PAYLOAD_SIZE_ATTRIBUTE,
];

/** An S3 object a pointer names. */
export interface S3Location {
  bucket: string;
  key: string;
}

/**
 * A pointer body is the class name plus a bucket (≤ 255 characters) and a key (≤ 1,024 bytes,
 * at most 6 characters each once escaped, as Python's `json.dumps` does): anything longer is
 * not one, and is refused before parsing it.
 */
const MAX_POINTER_LENGTH = 8192;

/**
 * What S3 (and the legacy us-east-1 naming rules) allow in a bucket name. Checked even when
 * every bucket is allowed, so that a name can never reshape the request URL (`/`, `@`, `:`).
 */
const BUCKET_NAME = /^[A-Za-z0-9._-]{1,255}$/;

/** The marker attribute the message carries, if any: then its body must be a pointer. */
export function payloadMarker(
  attributes: Readonly<Record<string, MessageAttributeValue>> | undefined,
): string | undefined {
  if (attributes === undefined) return undefined;
  for (const name of PAYLOAD_SIZE_ATTRIBUTES) if (attributes[name] !== undefined) return name;
  return undefined;
}

/** Whether `name` is usable as an S3 bucket name (see `BUCKET_NAME`). */
export function isBucketName(name: unknown): name is string {
  return typeof name === 'string' && BUCKET_NAME.test(name);
}

/**
 * Reads a pointer body. Throws a `PayloadPointerError` (`InvalidPayloadPointer`) when it is not
 * one: the marker promised a pointer, and no retry changes the body.
 */
export function parsePointer(body: string, messageId: string): S3Location {
  const invalid = (why: string) =>
    new PayloadPointerError(
      `Message ${messageId} carries a large-payload marker but its body is not an S3 pointer: ${why}`,
      { code: 'InvalidPayloadPointer', messageId },
    );
  if (body.length > MAX_POINTER_LENGTH) {
    throw invalid(`${body.length} characters, longer than any pointer`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw invalid('not JSON');
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) {
    throw invalid('expected a JSON array [className, { s3BucketName, s3Key }]');
  }
  const [className, fields] = parsed as [unknown, unknown];
  if (className !== POINTER_CLASS && className !== LEGACY_POINTER_CLASS) {
    throw invalid(`unknown pointer class ${JSON.stringify(String(className).slice(0, 100))}`);
  }
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
    throw invalid('the second element must be an object');
  }
  // Unknown fields are ignored, as the Java reader does.
  const { s3BucketName, s3Key } = fields as Record<string, unknown>;
  if (!isBucketName(s3BucketName)) {
    throw invalid('s3BucketName must be a bucket name (letters, digits, ".", "-", "_")');
  }
  if (typeof s3Key !== 'string' || s3Key.length === 0 || Buffer.byteLength(s3Key) > 1024) {
    throw invalid('s3Key must be a string of 1 to 1,024 bytes');
  }
  return { bucket: s3BucketName, key: s3Key };
}

/**
 * The body the Java Extended Client writes for `location`: Jackson's compact output with the
 * class name first and the fields in declaration order, e.g.
 * `["software.amazon.payloadoffloading.PayloadS3Pointer",{"s3BucketName":"b","s3Key":"k"}]`.
 */
export function formatPointer(location: S3Location): string {
  return JSON.stringify([POINTER_CLASS, { s3BucketName: location.bucket, s3Key: location.key }]);
}

/** The marker attribute for a payload of `sizeBytes`, as the Java library writes it. */
export function payloadSizeAttribute(sizeBytes: number): MessageAttributeValue {
  return { DataType: 'Number', StringValue: String(sizeBytes) };
}

// The Extended Clients count attributes the way SQS does; so does the byte budget.
export { attributesSize } from '../shared/message-attributes.js';

/** `attributes` without the marker attributes (what the handler's `messageAttributes()` shows). */
export function withoutMarkers(
  attributes: Readonly<Record<string, MessageAttributeValue>> | undefined,
): Record<string, MessageAttributeValue> {
  const out: Record<string, MessageAttributeValue> = {};
  if (attributes === undefined) return out;
  for (const [name, value] of Object.entries(attributes)) {
    if (!PAYLOAD_SIZE_ATTRIBUTES.includes(name)) out[name] = value;
  }
  return out;
}
