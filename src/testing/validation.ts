/** SQS's request rules that the in-memory SQS enforces before touching a queue. */
import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import { attributeBaseType } from '../shared/message-attributes.js';
import { SQS_MAX_BATCH, SQS_MAX_MESSAGE_BYTES } from '../shared/sqs-limits.js';
import { sqsError } from './sqs-errors.js';

const BATCH_ENTRY_ID = /^[\w-]{1,80}$/;
// The characters SQS accepts in a body: #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF.
const INVALID_BODY_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** Whole-request rules of every batch command: 1–10 entries, valid and distinct ids. */
export function checkBatchEntries(entries: ReadonlyArray<{ Id?: string }> | undefined): void {
  if (!entries || entries.length === 0) {
    throw sqsError('EmptyBatchRequest', 'There should be at least one entry in the request.');
  }
  if (entries.length > SQS_MAX_BATCH) {
    throw sqsError(
      'TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are ${SQS_MAX_BATCH}. You have sent ${entries.length}.`,
    );
  }
  const ids = new Set<string>();
  for (const { Id } of entries) {
    if (Id === undefined || !BATCH_ENTRY_ID.test(Id)) {
      throw sqsError(
        'InvalidBatchEntryId',
        'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
      );
    }
    if (ids.has(Id)) {
      throw sqsError('BatchEntryIdsNotDistinct', `Id ${Id} repeated.`);
    }
    ids.add(Id);
  }
}

export function checkBody(body: string | undefined): string {
  if (body === undefined || body.length === 0) {
    throw sqsError('MissingParameter', 'The request must contain the parameter MessageBody.');
  }
  if (INVALID_BODY_CHAR.test(body)) {
    throw sqsError('InvalidMessageContents', 'Invalid characters found in the message body.');
  }
  return body;
}

export function checkMessageAttributes(
  attributes: Record<string, MessageAttributeValue> | undefined,
): void {
  for (const [name, value] of Object.entries(attributes ?? {})) {
    // SQS requires a DataType; a missing one is not read as String here.
    const base = value.DataType === undefined ? undefined : attributeBaseType(value.DataType);
    const ok =
      (base === 'String' && value.StringValue !== undefined) ||
      (base === 'Number' &&
        value.StringValue !== undefined &&
        Number.isFinite(Number(value.StringValue))) ||
      (base === 'Binary' && value.BinaryValue !== undefined);
    if (!ok) {
      throw sqsError(
        'InvalidParameterValue',
        `Message attribute '${name}' must have a DataType of String, Number or Binary and a matching value.`,
      );
    }
  }
}

/**
 * SQS counts a message's size as its body plus each attribute's name, DataType and value, in
 * bytes (UTF-8 for text), and refuses one over 1 MiB.
 */
export function checkMessageSize(
  body: string,
  attributes: Record<string, MessageAttributeValue> | undefined,
): void {
  let bytes = Buffer.byteLength(body);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '');
    bytes += value.BinaryValue?.byteLength ?? Buffer.byteLength(value.StringValue ?? '');
  }
  if (bytes > SQS_MAX_MESSAGE_BYTES) {
    throw sqsError(
      'InvalidParameterValue',
      `One or more parameters are invalid. Reason: Message must be shorter than ${SQS_MAX_MESSAGE_BYTES} bytes.`,
    );
  }
}

/** An integer option within SQS's range, or its default when not given. */
export function checkInteger(
  name: string,
  value: number | undefined,
  min: number,
  max: number,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw sqsError(
      'InvalidParameterValue',
      `Value ${value} for parameter ${name} is invalid. Reason: Must be between ${min} and ${max}.`,
    );
  }
  return value;
}
