/**
 * SNS notification envelopes, read as a pure function: what an SQS queue subscribed to an SNS
 * topic without `RawMessageDelivery` receives as its body. Used by the core stream (on receive)
 * and by the listeners' decode stage; both record the outcome on the message through
 * `src/core/sns-envelope.ts`.
 *
 * The envelope is not authenticated here: its `Signature` is not checked. An SQS subscription is
 * authorized by the queue policy (only the topic may send), not by the signature, and a message
 * that reached the queue by another way (any principal with `sqs:SendMessage`) could carry any
 * envelope it likes, signed or not.
 */
import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import { ConfigError, NonRetryableError, type SqsListenerErrorOptions } from './errors.js';

/**
 * How a body is read: `'sns'` expects every message to be an SNS notification (anything else is
 * a poison message); `'auto'` unwraps the bodies that are SNS notifications and leaves the rest.
 */
export type EnvelopeMode = 'sns' | 'auto';

/** Where an SNS-delivered message came from: the notification's own fields (`message.sns`). */
export interface SnsNotification {
  /** The topic it was published to (`TopicArn`). */
  readonly topicArn: string;
  /** SNS's id of the publish (`MessageId`), the same in every subscribed queue; not SQS's id. */
  readonly messageId: string;
  /** The `Subject` given to Publish, when one was. */
  readonly subject: string | undefined;
  /** When SNS accepted the publish (`Timestamp`). */
  readonly timestamp: Date;
}

/**
 * A body that should have been an SNS notification (`envelope: 'sns'`) is not one. Retrying
 * cannot change a body, so it is non-retryable: a listener moves the message to its
 * dead-letter queue at once. Code `InvalidSnsEnvelope`.
 *
 * @example
 * ```ts
 * for await (const message of sqsMessages(queueUrl, { envelope: 'sns' })) {
 *   if (message.envelopeError instanceof SnsEnvelopeError) {
 *     console.error(message.envelopeError.message); // not an SNS notification
 *     message.nack();
 *     continue;
 *   }
 *   await handle(message.json);
 *   message.ack();
 * }
 * ```
 */
export class SnsEnvelopeError extends NonRetryableError {
  override name = 'SnsEnvelopeError';

  constructor(message: string, options: SqsListenerErrorOptions = {}) {
    super(message, { ...options, code: 'InvalidSnsEnvelope' });
  }
}

/** An envelope read: its inner body, its attributes in SQS's form, and where it came from. */
export interface SnsEnvelope {
  body: string;
  attributes: Record<string, MessageAttributeValue>;
  sns: SnsNotification;
}

const MODES: readonly string[] = ['sns', 'auto'];

/** Validates the `envelope` option: `undefined` (off), `'sns'` or `'auto'`. */
export function resolveEnvelopeMode(value: unknown): EnvelopeMode | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !MODES.includes(value)) {
    throw new ConfigError({
      option: 'envelope',
      value,
      allowed: "'sns' (every body is an SNS notification) or 'auto' (only those that are)",
      from: 'option',
    });
  }
  return value as EnvelopeMode;
}

/**
 * A cheap test before parsing, for `'auto'`: a body without the `"TopicArn"` key is left alone
 * without a second JSON parse (the handler's `json` parses it once more). SNS writes its keys
 * plainly; a body spelling the key with escapes is left alone under 'auto'.
 */
export function mayBeSnsEnvelope(body: string): boolean {
  return body.includes('"TopicArn"');
}

/**
 * Reads `body` as an SNS notification: the envelope, or the reason it is not one (a short text,
 * for the error message). Never throws, whatever the body.
 */
export function parseSnsEnvelope(body: string): SnsEnvelope | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return 'the body is not JSON';
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return 'the body is not a JSON object';
  }
  const envelope = parsed as Record<string, unknown>;
  const type = envelope.Type;
  if (type !== 'Notification') {
    // A cross-account subscription sends a SubscriptionConfirmation first; it is not a message
    // for the handler, and confirming it is the topic owner's decision.
    return type === undefined
      ? 'it has no "Type"'
      : `its "Type" is ${show(type)}, not "Notification"${type === 'SubscriptionConfirmation' ? ' (confirm the subscription with its SubscribeURL)' : ''}`;
  }
  const { TopicArn, MessageId, Message, Timestamp, Subject } = envelope;
  if (typeof TopicArn !== 'string' || !TopicArn.startsWith('arn:')) {
    return `its "TopicArn" is ${show(TopicArn)}, not an ARN`;
  }
  if (typeof MessageId !== 'string' || MessageId === '') {
    return `its "MessageId" is ${show(MessageId)}`;
  }
  if (typeof Message !== 'string') return `its "Message" is ${show(Message)}, not a string`;
  const timestamp = typeof Timestamp === 'string' ? new Date(Timestamp) : undefined;
  if (timestamp === undefined || Number.isNaN(timestamp.getTime())) {
    return `its "Timestamp" is ${show(Timestamp)}, not a date`;
  }
  // SNS leaves Subject out when Publish had none; some emulators write null.
  if (Subject !== undefined && Subject !== null && typeof Subject !== 'string') {
    return `its "Subject" is ${show(Subject)}`;
  }
  const attributes = toSqsAttributes(envelope.MessageAttributes);
  if (typeof attributes === 'string') return attributes;
  return {
    body: Message,
    attributes,
    sns: {
      topicArn: TopicArn,
      messageId: MessageId,
      subject: typeof Subject === 'string' ? Subject : undefined,
      timestamp,
    },
  };
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * SNS's attributes (`{ Type, Value }`, Binary in base64) in SQS's form, so that the shared
 * simplification (`messageAttributes()`) and later decoders (the S3 pointer's
 * `ExtendedPayloadSize`) read them as they read a raw delivery's. `String.Array` keeps its JSON
 * text as a String: SQS has no array type, and a raw delivery shows it the same way.
 */
function toSqsAttributes(value: unknown): Record<string, MessageAttributeValue> | string {
  // No prototype: an attribute named "__proto__" (a valid name) stays an attribute.
  const out: Record<string, MessageAttributeValue> = Object.create(null);
  if (value === undefined || value === null) return out;
  if (typeof value !== 'object' || Array.isArray(value)) {
    return `its "MessageAttributes" is ${show(value)}, not an object`;
  }
  for (const [name, attribute] of Object.entries(value)) {
    const { Type, Value } = (attribute ?? {}) as { Type?: unknown; Value?: unknown };
    if (typeof Type !== 'string' || typeof Value !== 'string') {
      return `its message attribute ${show(name)} is not a { Type, Value } pair of strings`;
    }
    if (Type === 'Binary' || Type.startsWith('Binary.')) {
      if (!BASE64.test(Value)) return `its Binary attribute ${show(name)} is not base64`;
      const bytes = Buffer.from(Value, 'base64');
      // A plain Uint8Array, as the SDK gives for a raw delivery's Binary attribute.
      out[name] = { DataType: Type, BinaryValue: new Uint8Array(bytes) };
    } else {
      out[name] = { DataType: Type, StringValue: Value };
    }
  }
  return out;
}

/** A value shown in a reason, cut short: the body is the producer's, and may be large. */
function show(value: unknown): string {
  if (value === undefined) return 'missing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
