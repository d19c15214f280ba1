/**
 * SNS envelopes without a server: reading the notification (every field SNS writes, every way a
 * body can fail to be one), the attribute conversion, the 'auto' mode, the core stream's unwrap
 * on receive, one unwrap only, and the option's validation.
 */
import type { Message } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Lease } from '../../src/core/lease.js';
import { LeasedMessage, type Settler } from '../../src/core/leased-message.js';
import { unwrapSnsEnvelope } from '../../src/core/sns-envelope.js';
import {
  batchListener,
  ConfigError,
  NonRetryableError,
  perMessageListener,
  SnsEnvelopeError,
  sqsMessages,
} from '../../src/index.js';
import { snsEnvelopeDecoder } from '../../src/listeners/decoders/sns-envelope.js';
import { parseSnsEnvelope } from '../../src/shared/sns-envelope.js';
import { sqsMessage } from '../support/fake-sqs.js';
import { openStream, QUEUE_URL, take } from '../support/unit.js';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:orders';

/** A notification as SNS writes it to an SQS queue (no Subject: SNS leaves the key out). */
function envelope(message: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    Type: 'Notification',
    MessageId: '6f8b3a52-0d1e-5e4f-9a7b-1c2d3e4f5a6b',
    TopicArn: TOPIC,
    Message: message,
    Timestamp: '2026-03-01T12:00:00.123Z',
    SignatureVersion: '1',
    Signature: 'EXAMPLEpH+..',
    SigningCertURL: 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-x.pem',
    UnsubscribeURL: 'https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=x',
    ...extra,
  });
}

const settler: Settler = {
  ack: () => Promise.resolve(),
  nack: () => Promise.resolve(),
  timeOut: () => Promise.resolve(),
};

function leased(body: string, raw: Partial<Message> = {}): LeasedMessage {
  const message: Message = { MessageId: 'sqs-1', ReceiptHandle: 'rh-1', Body: body, ...raw };
  return new LeasedMessage(message, new Lease('sqs-1', 'rh-1', Date.now(), 30), settler);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('unwrapping a notification', () => {
  it('shows the published message, its attributes and where it came from', () => {
    const m = leased(
      envelope('{"orderId":7}', {
        Subject: 'new order',
        MessageAttributes: {
          tenant: { Type: 'String', Value: 'acme' },
          amount: { Type: 'Number', Value: '12.5' },
          big: { Type: 'Number', Value: '12345678901234567890' },
          blob: { Type: 'Binary', Value: Buffer.from([0, 1, 254, 255]).toString('base64') },
          tags: { Type: 'String.Array', Value: '["a",1,true]' },
          traceparent: {
            Type: 'String',
            Value: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
          },
        },
      }),
      // What SQS itself attached to the envelope is not what the publisher sent.
      { MessageAttributes: { sqsOnly: { DataType: 'String', StringValue: 'x' } } },
    );
    expect(unwrapSnsEnvelope(m, 'sns')).toBeUndefined();

    expect(m.body).toBe('{"orderId":7}');
    expect(m.json).toEqual({ orderId: 7 });
    expect(m.raw.Body).toContain('"Type":"Notification"');
    const attributes = m.messageAttributes();
    expect(attributes).toEqual({
      tenant: 'acme',
      amount: 12.5,
      big: '12345678901234567890',
      blob: new Uint8Array([0, 1, 254, 255]),
      tags: '["a",1,true]',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    expect(Object.getPrototypeOf(attributes.blob)).toBe(Uint8Array.prototype);
    expect(m.sns).toEqual({
      topicArn: TOPIC,
      messageId: '6f8b3a52-0d1e-5e4f-9a7b-1c2d3e4f5a6b',
      subject: 'new order',
      timestamp: new Date('2026-03-01T12:00:00.123Z'),
    });
    expect(m.envelopeError).toBeUndefined();
  });

  it('gives no attributes (not the envelope message’s) when the notification has none', () => {
    const m = leased(envelope('hi', { Subject: null }), {
      MessageAttributes: { sqsOnly: { DataType: 'String', StringValue: 'x' } },
    });
    unwrapSnsEnvelope(m, 'sns');
    expect(m.body).toBe('hi');
    expect(m.messageAttributes()).toEqual({});
    expect(m.sns?.subject).toBeUndefined();
  });

  it('unwraps once: an inner body that is itself an envelope stays what was published', () => {
    const inner = envelope('deepest');
    const m = leased(envelope(inner));
    unwrapSnsEnvelope(m, 'sns'); // the stream, on receive
    unwrapSnsEnvelope(m, 'sns'); // the listener's decoder
    snsEnvelopeDecoder({ envelope: 'auto' })?.(m);
    expect(m.body).toBe(inner);
  });

  it('a message without `envelope` is untouched and has no sns', () => {
    const m = leased(envelope('x'));
    expect(m.sns).toBeUndefined();
    expect(m.envelopeError).toBeUndefined();
    expect(m.body).toBe(m.raw.Body);
  });
});

describe("a body that is not a notification under 'sns'", () => {
  const cases: Array<[string, string, RegExp]> = [
    ['plain text', 'hello', /not JSON/],
    ['plain JSON', '{"orderId":7}', /no "Type"/],
    ['a JSON array', '[1,2]', /not a JSON object/],
    ['JSON null', 'null', /not a JSON object/],
    ['a string', '"Notification"', /not a JSON object/],
    [
      'a subscription confirmation',
      envelope('confirm me', { Type: 'SubscriptionConfirmation' }),
      /"SubscriptionConfirmation".*SubscribeURL/,
    ],
    ['a wrong TopicArn', envelope('x', { TopicArn: 'orders' }), /TopicArn/],
    ['a missing MessageId', envelope('x', { MessageId: undefined }), /MessageId/],
    ['an object Message', envelope('x', { Message: { a: 1 } }), /"Message" is \{"a":1\}/],
    ['a bad Timestamp', envelope('x', { Timestamp: 'yesterday' }), /Timestamp/],
    ['a numeric Subject', envelope('x', { Subject: 3 }), /Subject/],
    ['attributes as a list', envelope('x', { MessageAttributes: [] }), /MessageAttributes/],
    [
      'an attribute without Value',
      envelope('x', { MessageAttributes: { a: { Type: 'String' } } }),
      /attribute "a"/,
    ],
    [
      'an attribute that is null',
      envelope('x', { MessageAttributes: { a: null } }),
      /attribute "a"/,
    ],
    [
      'a Binary attribute not in base64',
      envelope('x', { MessageAttributes: { a: { Type: 'Binary', Value: 'not base64!' } } }),
      /Binary attribute "a" is not base64/,
    ],
    ['an empty body', '', /not JSON/],
    ['deeply nested JSON', `${'['.repeat(200_000)}${']'.repeat(200_000)}`, /./],
  ];

  it.each(cases)('%s: a non-retryable SnsEnvelopeError, the message untouched', (_, body, why) => {
    const m = leased(body);
    const error = unwrapSnsEnvelope(m, 'sns');
    expect(error).toBeInstanceOf(SnsEnvelopeError);
    expect(error).toBeInstanceOf(NonRetryableError);
    expect(error?.code).toBe('InvalidSnsEnvelope');
    expect(error?.messageId).toBe('sqs-1');
    expect(error?.message).toMatch(why);
    expect(error?.message).toContain("envelope: 'sns'");
    expect(m.envelopeError).toBe(error);
    expect(m.body).toBe(body);
    expect(m.sns).toBeUndefined();
    // The same body under 'auto' is simply left alone.
    const other = leased(body);
    expect(unwrapSnsEnvelope(other, 'auto')).toBeUndefined();
    expect(other.body).toBe(body);
    expect(other.envelopeError).toBeUndefined();
  });

  it('the listener decoder throws it (the decode stage fails the message)', () => {
    const decode = snsEnvelopeDecoder({ envelope: 'sns' });
    expect(() => decode?.(leased('{"orderId":7}'))).toThrow(SnsEnvelopeError);
  });

  it("a stream's 'auto' reading does not hide a plain body from a listener's 'sns'", () => {
    const m = leased('{"orderId":7}');
    expect(unwrapSnsEnvelope(m, 'auto')).toBeUndefined();
    expect(unwrapSnsEnvelope(m, 'sns')).toBeInstanceOf(SnsEnvelopeError);
  });

  it('keeps the reason short whatever the producer sent', () => {
    const error = unwrapSnsEnvelope(
      leased(envelope('x', { TopicArn: 'y'.repeat(100_000) })),
      'sns',
    );
    expect(error?.message.length).toBeLessThan(400);
  });
});

describe("'auto'", () => {
  it('does not parse a body without a TopicArn key', () => {
    const parse = vi.spyOn(JSON, 'parse');
    const m = leased('{"orderId":7}');
    unwrapSnsEnvelope(m, 'auto');
    expect(parse).not.toHaveBeenCalled();
    expect(m.json).toEqual({ orderId: 7 });
  });

  it('unwraps a notification', () => {
    const m = leased(envelope('inner'));
    unwrapSnsEnvelope(m, 'auto');
    expect(m.body).toBe('inner');
    expect(m.sns?.topicArn).toBe(TOPIC);
  });
});

describe('parseSnsEnvelope', () => {
  it('keeps an attribute named __proto__ as an attribute', () => {
    const read = parseSnsEnvelope(
      envelope('x', { MessageAttributes: { ['__proto__']: { Type: 'String', Value: 'p' } } }),
    );
    if (typeof read === 'string') throw new Error(read);
    expect(Object.keys(read.attributes)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(read.attributes, '__proto__')?.value).toEqual({
      DataType: 'String',
      StringValue: 'p',
    });
  });
});

describe('the core stream', () => {
  it("with envelope 'sns' hands out unwrapped messages, and a plain one untouched with envelopeError", async () => {
    const s = openStream({ envelope: 'sns' });
    s.fake.enqueue(
      sqsMessage('a', { body: envelope('{"n":1}') }),
      sqsMessage('b', { body: '{"n":2}' }),
    );
    const [a, b] = await take(s.iterator, 2);
    expect(a?.body).toBe('{"n":1}');
    expect(a?.sns?.topicArn).toBe(TOPIC);
    expect(a?.envelopeError).toBeUndefined();
    expect(b?.body).toBe('{"n":2}');
    expect(b?.sns).toBeUndefined();
    expect(b?.envelopeError).toBeInstanceOf(SnsEnvelopeError);
    expect(s.stream.config.envelope).toBe('sns');
    await Promise.all([a?.ack(), b?.ack()]);
    await s.close();
  });

  it('without envelope leaves bodies alone and builds no decoder', async () => {
    const s = openStream();
    s.fake.enqueue(sqsMessage('a', { body: envelope('{"n":1}') }));
    const [a] = await take(s.iterator, 1);
    expect(a?.body).toBe(envelope('{"n":1}'));
    expect(a?.sns).toBeUndefined();
    expect(s.stream.config.envelope).toBeUndefined();
    expect(snsEnvelopeDecoder({})).toBeUndefined();
    await a?.ack();
    await s.close();
  });
});

describe('the envelope option', () => {
  const bad: unknown[] = ['SNS', 'raw', '', true, 1, null, {}];

  it.each(bad)('%j is a ConfigError for sqsMessages and both listeners', (value) => {
    const options = { envelope: value } as unknown as { envelope: 'sns' };
    for (const make of [
      () => sqsMessages(QUEUE_URL, { ...options, env: {} }),
      () => perMessageListener(() => {}, { ...options, env: {} }),
      () => batchListener(() => {}, { ...options, env: {} }),
    ]) {
      let error: unknown;
      try {
        make();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).option).toBe('envelope');
      expect((error as Error).message).toMatch(/'sns'.*'auto'/);
    }
  });
});
