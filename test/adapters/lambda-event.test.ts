/**
 * The records lambdaHandler() builds: exactly Lambda's fields, compared with what fauxqs holds
 * (the queue's ARN, the system attributes, the attribute MD5 SQS computed); FIFO attributes;
 * decoded bodies and attributes get fresh MD5s; ARNs and regions from every form of queue URL.
 */
import { createHash } from 'node:crypto';
import {
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import {
  eventSourceFromUrl,
  md5OfAttributes,
  partitionOf,
  toLambdaRecord,
} from '../../src/adapters/lambda-event.js';
import { Lease } from '../../src/core/lease.js';
import { decodeMessage, LeasedMessage, type Settler } from '../../src/core/leased-message.js';
import { batchListener, lambdaHandler, silentLogger } from '../../src/index.js';
import { startListener, stopAllListeners } from '../support/listen.js';
import {
  adminClient,
  countingClient,
  createQueue,
  eventually,
  sendMessages,
} from '../support/sqs.js';

afterAll(stopAllListeners);

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

/** Runs a Lambda handler over `queueUrl` until it received `count` records; returns the events and raw messages. */
async function captureEvents(queueUrl: string, count: number) {
  const events: SQSEvent[] = [];
  const raw = new Map<string, Message>();
  const { client, log } = countingClient();
  const run = startListener(
    batchListener(
      lambdaHandler(async (event) => {
        events.push(event as SQSEvent);
      }),
      { logger: silentLogger, env: {}, tracing: false },
    ),
    queueUrl,
    { client },
  );
  const records = () => events.flatMap((e) => e.Records);
  expect(await eventually(() => records().length >= count, 10_000)).toBe(true);
  await run.stop();
  for (const entry of log) {
    for (const m of (entry.output?.Messages as Message[] | undefined) ?? [])
      raw.set(m.MessageId!, m);
  }
  return { records: records(), raw };
}

async function queueArn(queueUrl: string): Promise<string> {
  const result = await adminClient().send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  return result.Attributes!.QueueArn!;
}

describe('records on fauxqs', () => {
  it("have exactly Lambda's fields, attributes and ARN", async () => {
    const { queueUrl } = await createQueue();
    const [id] = await sendMessages(queueUrl, ['{"orderId":7}'], () => ({
      MessageAttributes: {
        kind: { DataType: 'String', StringValue: 'order' },
        size: { DataType: 'Number', StringValue: '3' },
        price: { DataType: 'Number.float', StringValue: '9.5' },
        blob: { DataType: 'Binary', BinaryValue: Uint8Array.of(1, 2, 3) },
        // SQS allows the name; the SDK keeps the name and drops the value: no record field.
        ['__proto__']: { DataType: 'String', StringValue: 'tricky' },
      },
    }));
    const { records, raw } = await captureEvents(queueUrl, 1);
    const [record] = records;
    const sqs = raw.get(id!)!;
    expect(Object.keys(record!).sort()).toEqual(
      [
        'attributes',
        'awsRegion',
        'body',
        'eventSource',
        'eventSourceARN',
        'md5OfBody',
        'md5OfMessageAttributes',
        'messageAttributes',
        'messageId',
        'receiptHandle',
      ].sort(),
    );
    expect(record).toMatchObject({
      messageId: id,
      receiptHandle: sqs.ReceiptHandle,
      body: '{"orderId":7}',
      md5OfBody: md5('{"orderId":7}'),
      md5OfMessageAttributes: sqs.MD5OfMessageAttributes,
      eventSource: 'aws:sqs',
      eventSourceARN: await queueArn(queueUrl),
      awsRegion: 'us-east-1',
    });
    const none = { stringListValues: [], binaryListValues: [] };
    expect(record!.messageAttributes).toEqual({
      kind: { stringValue: 'order', dataType: 'String', ...none },
      size: { stringValue: '3', dataType: 'Number', ...none },
      price: { stringValue: '9.5', dataType: 'Number.float', ...none },
      blob: { binaryValue: 'AQID', dataType: 'Binary', ...none },
    });
    expect(Object.getPrototypeOf(record!.messageAttributes)).toBe(Object.prototype);
    const a = record!.attributes;
    expect(Object.keys(a).sort()).toEqual(
      [
        'ApproximateFirstReceiveTimestamp',
        'ApproximateReceiveCount',
        'SenderId',
        'SentTimestamp',
      ].sort(),
    );
    expect(a).toMatchObject({
      ApproximateReceiveCount: '1',
      SentTimestamp: sqs.Attributes!.SentTimestamp,
      SenderId: sqs.Attributes!.SenderId,
      ApproximateFirstReceiveTimestamp: sqs.Attributes!.ApproximateFirstReceiveTimestamp,
    });
    expect(Number(a.SentTimestamp)).toBeGreaterThan(1_700_000_000_000);
    // Plain data, like the JSON Lambda delivers.
    expect(JSON.parse(JSON.stringify(record))).toEqual(record);
  });

  it("md5OfAttributes() computes SQS's MD5 of message attributes (used for decoded attributes)", async () => {
    const { queueUrl } = await createQueue();
    await sendMessages(queueUrl, ['x'], () => ({
      MessageAttributes: {
        kind: { DataType: 'String', StringValue: 'ordér ✓' },
        size: { DataType: 'Number', StringValue: '3' },
        Price: { DataType: 'Number.float', StringValue: '9.5' },
        blob: { DataType: 'Binary', BinaryValue: Uint8Array.of(0, 1, 255) },
        empty: { DataType: 'String.custom', StringValue: '' },
      },
    }));
    const received = await adminClient().send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MessageAttributeNames: ['All'] }),
    );
    const [m] = received.Messages ?? [];
    expect(m?.MD5OfMessageAttributes).toMatch(/^[0-9a-f]{32}$/);
    expect(md5OfAttributes(m!.MessageAttributes!)).toBe(m!.MD5OfMessageAttributes);
  });

  it('FIFO records carry MessageGroupId, MessageDeduplicationId and SequenceNumber; no attributes, no md5OfMessageAttributes', async () => {
    const { queueUrl } = await createQueue({ fifo: true });
    const [id] = await sendMessages(queueUrl, ['a'], () => ({
      MessageGroupId: 'customer-1',
      MessageDeduplicationId: 'dedup-1',
    }));
    const { records, raw } = await captureEvents(queueUrl, 1);
    const [record] = records;
    expect(record!.attributes).toMatchObject({
      MessageGroupId: 'customer-1',
      MessageDeduplicationId: 'dedup-1',
      SequenceNumber: raw.get(id!)!.Attributes!.SequenceNumber,
    });
    expect(record!.attributes.SequenceNumber).toMatch(/^\d+$/);
    expect(record!.messageAttributes).toEqual({});
    expect('md5OfMessageAttributes' in record!).toBe(false);
    expect(record!.eventSourceARN).toBe(await queueArn(queueUrl));
  });
});

describe('records of decoded messages', () => {
  const settler: Settler = {
    ack: () => Promise.resolve(),
    nack: () => Promise.resolve(),
    timeOut: () => Promise.resolve(),
  };
  const source = eventSourceFromUrl('https://sqs.eu-west-1.amazonaws.com/123456789012/q', 'x');

  it('show the body and attributes a decoder left, with their MD5s computed', () => {
    const raw: Message = {
      MessageId: 'm1',
      ReceiptHandle: 'rh',
      Body: '{"Type":"Notification"}',
      MD5OfBody: md5('{"Type":"Notification"}'),
      Attributes: {
        ApproximateReceiveCount: '3',
        SentTimestamp: '1700000000000',
        AWSTraceHeader: 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1',
        DeadLetterQueueSourceArn: 'arn:aws:sqs:eu-west-1:123456789012:q-dlq',
        // Not one of Lambda's record attributes: left out.
        SomethingNew: 'x',
      } as Message['Attributes'],
    };
    const m = new LeasedMessage(raw, new Lease('m1', 'rh', Date.now(), 30), settler);
    const attributes = {
      kind: { DataType: 'String', StringValue: 'order' },
      // An own attribute named __proto__ (as a decoder may set): a field, not a prototype.
      ['__proto__']: { DataType: 'String', StringValue: 'tricky' },
    };
    m[decodeMessage]('inner', attributes);
    const record = toLambdaRecord(m, source);
    expect(record.body).toBe('inner');
    expect(record.md5OfBody).toBe(md5('inner'));
    expect(record.md5OfMessageAttributes).toBe(md5OfAttributes(attributes));
    expect(record.messageAttributes.kind?.stringValue).toBe('order');
    expect(Object.hasOwn(record.messageAttributes, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(record.messageAttributes)).toBe(Object.prototype);
    const parsed: object = JSON.parse(JSON.stringify(record.messageAttributes));
    expect(Object.getOwnPropertyDescriptor(parsed, '__proto__')?.value).toMatchObject({
      stringValue: 'tricky',
    });
    // Missing system attributes get Lambda-shaped stand-ins.
    expect(record.attributes).toEqual({
      ApproximateReceiveCount: '3',
      SentTimestamp: '1700000000000',
      SenderId: '',
      ApproximateFirstReceiveTimestamp: '1700000000000',
      AWSTraceHeader: 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1',
      DeadLetterQueueSourceArn: 'arn:aws:sqs:eu-west-1:123456789012:q-dlq',
    });
  });
});

describe('eventSourceFromUrl', () => {
  const cases: Array<[string, string, string]> = [
    [
      'https://sqs.us-east-2.amazonaws.com/123456789012/orders',
      'arn:aws:sqs:us-east-2:123456789012:orders',
      'us-east-2',
    ],
    [
      'https://eu-west-1.queue.amazonaws.com/123456789012/jobs.fifo',
      'arn:aws:sqs:eu-west-1:123456789012:jobs.fifo',
      'eu-west-1',
    ],
    [
      'https://sqs.cn-north-1.amazonaws.com.cn/123456789012/q',
      'arn:aws-cn:sqs:cn-north-1:123456789012:q',
      'cn-north-1',
    ],
    [
      'https://sqs.us-gov-west-1.amazonaws.com/123456789012/q',
      'arn:aws-us-gov:sqs:us-gov-west-1:123456789012:q',
      'us-gov-west-1',
    ],
    [
      'https://vpce-0a1b-2c3d.sqs.ap-southeast-2.vpce.amazonaws.com/123456789012/q',
      'arn:aws:sqs:ap-southeast-2:123456789012:q',
      'ap-southeast-2',
    ],
    [
      'https://sqs.eu-central-1.api.aws/123456789012/q',
      'arn:aws:sqs:eu-central-1:123456789012:q',
      'eu-central-1',
    ],
    [
      'http://sqs.us-east-1.localhost.localstack.cloud:4566/000000000000/q',
      'arn:aws:sqs:us-east-1:000000000000:q',
      'us-east-1',
    ],
    // An emulator on loopback: the client's region.
    [
      'http://127.0.0.1:4566/000000000000/local',
      'arn:aws:sqs:ca-central-1:000000000000:local',
      'ca-central-1',
    ],
    [
      'http://localhost:9324/queue/default',
      'arn:aws:sqs:ca-central-1:000000000000:default',
      'ca-central-1',
    ],
    ['not a url', 'arn:aws:sqs:ca-central-1:000000000000:unknown', 'ca-central-1'],
  ];
  for (const [url, arn, region] of cases) {
    it(url, () => {
      expect(eventSourceFromUrl(url, 'ca-central-1')).toMatchObject({ arn, region });
    });
  }

  it('partitions', () => {
    expect(
      ['us-east-1', 'cn-northwest-1', 'us-gov-east-1', 'us-iso-east-1', 'us-isob-east-1'].map(
        partitionOf,
      ),
    ).toEqual(['aws', 'aws-cn', 'aws-us-gov', 'aws-iso', 'aws-iso-b']);
  });
});
