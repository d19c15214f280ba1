/**
 * Lambda-shaped SQS records from leased messages: Lambda's field names, attribute names and
 * camel-cased message attributes, and the queue's ARN and region worked out from its URL (or
 * the client's region where the URL does not tell, as with a local emulator).
 */
import { createHash } from 'node:crypto';
import type { MessageAttributeValue, SQSClient } from '@aws-sdk/client-sqs';
import { currentAttributes, type LeasedMessage, messageOrigin } from '../core/leased-message.js';
import type { QueueAttributes } from '../core/queue-info.js';
import type {
  LambdaSqsMessageAttribute,
  LambdaSqsRecord,
  LambdaSqsRecordAttributes,
} from './lambda-types.js';

/** Where records come from: the queue's ARN, its region and account, and the ARN partition. */
export interface EventSource {
  arn: string;
  region: string;
  account: string;
  partition: string;
}

/** Lambda's optional system attributes, copied when SQS sent them. */
const OPTIONAL_ATTRIBUTES = [
  'SequenceNumber',
  'MessageGroupId',
  'MessageDeduplicationId',
  'AWSTraceHeader',
  'DeadLetterQueueSourceArn',
] as const;

const REGION = /(?:^|\.)((?:[a-z]{2}|us-gov|us-iso[a-z]?|eu-iso[a-z]?)-[a-z]+-\d{1,2})(?:\.|$)/;
const DEFAULT_ACCOUNT = '000000000000';
const DEFAULT_REGION = 'us-east-1';

/** The ARN partition of a region: `aws`, `aws-cn`, `aws-us-gov`, `aws-iso*`. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('eu-isoe-')) return 'aws-iso-e';
  if (region.startsWith('us-isof-')) return 'aws-iso-f';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  return 'aws';
}

/**
 * The queue's ARN from its URL (`https://sqs.<region>.amazonaws.com/<account>/<name>`, the
 * legacy `<region>.queue.amazonaws.com`, VPC endpoints, emulators' `/<account>/<name>` paths).
 * `fallbackRegion` is used when the host names no region (an emulator on localhost).
 */
export function eventSourceFromUrl(queueUrl: string, fallbackRegion: string): EventSource {
  // Not `new URL()`: it refuses hosts such as fauxqs's `sqs.us-east-1.127.0.0.1`.
  const parts = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?([^/:?#]*)(?::\d*)?([^?#]*)/i.exec(queueUrl);
  const host = (parts?.[1] ?? '').toLowerCase();
  const segments = (parts?.[2] ?? '').split('/').filter((s) => s !== '');
  const region = REGION.exec(host)?.[1] ?? fallbackRegion;
  const name = segments.at(-1) ?? 'unknown';
  const account =
    segments.length >= 2 && /^\d{12}$/.test(segments.at(-2) ?? '')
      ? (segments.at(-2) as string)
      : DEFAULT_ACCOUNT;
  const partition = partitionOf(region);
  return { arn: `arn:${partition}:sqs:${region}:${account}:${name}`, region, account, partition };
}

/** The client's region, or `AWS_REGION`, or us-east-1; never rejects. */
async function regionOf(client: SQSClient | undefined): Promise<string> {
  try {
    const configured: unknown = client?.config.region;
    const region = typeof configured === 'function' ? await configured() : configured;
    if (typeof region === 'string' && region !== '') return region;
  } catch {
    // A region provider that fails: the fallbacks below.
  }
  return process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || DEFAULT_REGION;
}

// One per stream's queue: the region lookup runs once, and goes with the stream.
const sources = new WeakMap<QueueAttributes, Promise<EventSource>>();
let unknownSource: Promise<EventSource> | undefined;

/** Where `message` came from (its stream's queue), worked out once per stream. */
export function eventSourceOf(message: LeasedMessage): Promise<EventSource> {
  const origin = message[messageOrigin];
  if (origin === undefined) {
    // A message from a source other than sqsMessages() (a test double): stand-ins.
    unknownSource ??= regionOf(undefined).then((region) => eventSourceFromUrl('', region));
    return unknownSource;
  }
  let source = sources.get(origin.queue);
  if (source === undefined) {
    const { queueUrl } = origin.queue;
    source = regionOf(origin.client).then((region) => eventSourceFromUrl(queueUrl, region));
    sources.set(origin.queue, source);
  }
  return source;
}

function md5Hex(data: string): string {
  return createHash('md5').update(data, 'utf8').digest('hex');
}

/**
 * SQS's MD5 of message attributes: for each attribute, by name, the name, the data type, a
 * transport byte (1 string, 2 binary) and the value, each length-prefixed (4 bytes, big-endian).
 */
export function md5OfAttributes(
  attributes: Readonly<Record<string, MessageAttributeValue>>,
): string {
  const hash = createHash('md5');
  const length = (n: number) => {
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32BE(n);
    hash.update(prefix);
  };
  const field = (bytes: Uint8Array) => {
    length(bytes.byteLength);
    hash.update(bytes);
  };
  for (const name of Object.keys(attributes).sort()) {
    const value = attributes[name];
    if (typeof value !== 'object' || value === null) continue;
    field(Buffer.from(name, 'utf8'));
    field(Buffer.from(value.DataType ?? 'String', 'utf8'));
    if (value.BinaryValue !== undefined) {
      hash.update(Uint8Array.of(2));
      field(value.BinaryValue);
    } else {
      hash.update(Uint8Array.of(1));
      field(Buffer.from(value.StringValue ?? '', 'utf8'));
    }
  }
  return hash.digest('hex');
}

function toLambdaAttribute(value: MessageAttributeValue): LambdaSqsMessageAttribute {
  const out: LambdaSqsMessageAttribute = {
    stringListValues: [],
    binaryListValues: [],
    dataType: value.DataType ?? 'String',
  };
  if (value.BinaryValue !== undefined) {
    out.binaryValue = Buffer.from(value.BinaryValue).toString('base64');
  } else if (value.StringValue !== undefined) {
    out.stringValue = value.StringValue;
  }
  return out;
}

function systemAttributes(message: LeasedMessage): LambdaSqsRecordAttributes {
  const raw = message.raw.Attributes ?? {};
  const sent = raw.SentTimestamp ?? '0';
  const out: LambdaSqsRecordAttributes = {
    ApproximateReceiveCount: raw.ApproximateReceiveCount ?? String(message.receiveCount),
    SentTimestamp: sent,
    SenderId: raw.SenderId ?? '',
    ApproximateFirstReceiveTimestamp: raw.ApproximateFirstReceiveTimestamp ?? sent,
  };
  for (const name of OPTIONAL_ATTRIBUTES) {
    const value = raw[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/**
 * One Lambda record. `body` and the attributes are what the listener's decoders left (the SNS
 * message, the S3 payload), as the handler of a listener sees them; their MD5s are SQS's own
 * when nothing was decoded, else computed the way SQS computes them.
 */
export function toLambdaRecord(message: LeasedMessage, source: EventSource): LambdaSqsRecord {
  const { raw } = message;
  const body = message.body;
  const attributes = message[currentAttributes] ?? {};
  const messageAttributes: Record<string, LambdaSqsMessageAttribute> = {};
  for (const name of Object.keys(attributes)) {
    const value = attributes[name];
    // The SDK keeps the name of an attribute called `__proto__` but not its value.
    if (typeof value !== 'object' || value === null) continue;
    // defineProperty: an attribute may be called `__proto__` (SQS allows it).
    Object.defineProperty(messageAttributes, name, {
      value: toLambdaAttribute(value),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  const record: LambdaSqsRecord = {
    messageId: message.messageId,
    receiptHandle: message.receiptHandle,
    body,
    attributes: systemAttributes(message),
    messageAttributes,
    md5OfBody: body === raw.Body && raw.MD5OfBody ? raw.MD5OfBody : md5Hex(body),
    eventSource: 'aws:sqs',
    eventSourceARN: source.arn,
    awsRegion: source.region,
  };
  if (Object.keys(attributes).length > 0) {
    record.md5OfMessageAttributes =
      attributes === raw.MessageAttributes && raw.MD5OfMessageAttributes
        ? raw.MD5OfMessageAttributes
        : md5OfAttributes(attributes);
  }
  return record;
}
