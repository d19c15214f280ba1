/** SQS's request rules that the in-memory SQS enforces before touching a queue. */
import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import { sqsError } from './sqs-errors.js';

/** SQS allows at most 10 entries per batch request. */
export const MAX_BATCH_ENTRIES = 10;
const BATCH_ENTRY_ID = /^[\w-]{1,80}$/;
// The characters SQS accepts in a body: #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF.
const INVALID_BODY_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** Whole-request rules of every batch command: 1–10 entries, valid and distinct ids. */
export function checkBatchEntries(entries: ReadonlyArray<{ Id?: string }> | undefined): void {
  if (!entries || entries.length === 0) {
    throw sqsError('EmptyBatchRequest', 'There should be at least one entry in the request.');
  }
  if (entries.length > MAX_BATCH_ENTRIES) {
    throw sqsError(
      'TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are ${MAX_BATCH_ENTRIES}. You have sent ${entries.length}.`,
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
    const type = value.DataType ?? '';
    const base = type.split('.')[0];
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
