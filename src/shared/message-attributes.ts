/**
 * Message attributes both ways, in one place: SQS's typed values (`MessageAttributeValue`) to
 * the simple values `LeasedMessage.messageAttributes()` and the in-memory SQS's inspection
 * helpers return, and simple values back to SQS's form for sending.
 */
import type { MessageAttributeValue } from '@aws-sdk/client-sqs';

/** A simplified attribute value: String → string, Number → number, Binary → Uint8Array. */
export type SimpleAttributeValue = string | number | Uint8Array;

/** A value that can be sent as an attribute: a simple value, a bigint, or SQS's own form. */
export type SendableAttributeValue = SimpleAttributeValue | bigint | MessageAttributeValue;

/** SQS's three base types; custom types (`Number.float`, `String.uuid`) name one of them first. */
export type AttributeBaseType = 'String' | 'Number' | 'Binary';

const INTEGER_TEXT = /^-?\d+$/;

/**
 * The base type of a DataType (`Number.float` → `Number`), or `undefined` when it names none.
 * A missing DataType is read as String, as SQS's default.
 */
export function attributeBaseType(dataType: string | undefined): AttributeBaseType | undefined {
  if (dataType === undefined) return 'String';
  const dot = dataType.indexOf('.');
  const base = dot === -1 ? dataType : dataType.slice(0, dot);
  return base === 'String' || base === 'Number' || base === 'Binary' ? base : undefined;
}

/**
 * One attribute simplified, or `undefined` when it carries no value of its type. A Number
 * whose value is not exactly representable keeps its text: an integer beyond
 * `Number.MAX_SAFE_INTEGER` (SQS allows 38 digits, an id would silently change) and a value
 * beyond the double range (`1e400` would become Infinity). Decimals are numbers, as with
 * `JSON.parse`. An unknown type is read as a String.
 */
export function simplifyAttribute(value: MessageAttributeValue): SimpleAttributeValue | undefined {
  const base = attributeBaseType(value.DataType);
  if (base === 'Binary') return value.BinaryValue;
  const text = value.StringValue;
  if (base === 'Number' && text !== undefined) {
    const n = Number(text);
    return Number.isFinite(n) && (Number.isSafeInteger(n) || !INTEGER_TEXT.test(text)) ? n : text;
  }
  return text;
}

/** Every attribute simplified; those without a value are left out. */
export function simplifyAttributes(
  attributes: Readonly<Record<string, MessageAttributeValue>> | undefined,
): Record<string, SimpleAttributeValue> {
  const out: Record<string, SimpleAttributeValue> = {};
  if (attributes === undefined) return out;
  for (const name of Object.keys(attributes)) {
    const simple = simplifyAttribute(attributes[name] as MessageAttributeValue);
    if (simple !== undefined) setOwn(out, name, simple);
  }
  return out;
}

/**
 * One value in SQS's form: a string is a String, a number or bigint a Number (in the text
 * `String()` gives), bytes a Binary; a `MessageAttributeValue` is passed through as is.
 */
export function toAttributeValue(value: SendableAttributeValue): MessageAttributeValue {
  if (typeof value === 'string') return { DataType: 'String', StringValue: value };
  if (typeof value === 'number' || typeof value === 'bigint') {
    return { DataType: 'Number', StringValue: String(value) };
  }
  if (value instanceof Uint8Array) return { DataType: 'Binary', BinaryValue: value };
  return value;
}

/** Every value in SQS's form; `undefined` stays `undefined` (no attributes at all). */
export function toAttributeValues(
  attributes: Readonly<Record<string, SendableAttributeValue>> | undefined,
): Record<string, MessageAttributeValue> | undefined {
  if (attributes === undefined) return undefined;
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(attributes))
    setOwn(out, name, toAttributeValue(value));
  return out;
}

/**
 * `record[name] = value`, except that `__proto__` (a valid attribute name) becomes an own
 * property instead of replacing what the record inherits.
 */
function setOwn<T>(record: Record<string, T>, name: string, value: T): void {
  if (name === '__proto__') {
    Object.defineProperty(record, name, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    record[name] = value;
  }
}

/**
 * The size SQS counts for message attributes against a message's 1 MiB limit (and the Extended
 * Clients against their threshold): each name, DataType and value, in bytes.
 */
export function attributesSize(
  attributes: Readonly<Record<string, MessageAttributeValue | undefined>> | undefined,
): number {
  let size = 0;
  if (attributes === undefined) return size;
  for (const name in attributes) {
    size += Buffer.byteLength(name);
    const value = attributes[name];
    if (value === undefined) continue;
    if (value.DataType !== undefined) size += Buffer.byteLength(value.DataType);
    if (value.StringValue !== undefined) size += Buffer.byteLength(value.StringValue);
    if (value.BinaryValue !== undefined) size += value.BinaryValue.byteLength;
  }
  return size;
}
