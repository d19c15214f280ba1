/**
 * `sendMessage()` against fake clients: where the threshold lies, what an offloaded message
 * looks like, and the inputs it refuses before sending anything.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand, type SendMessageCommandInput, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { ConfigError, type S3ClientLike, sendMessage } from '../../src/index.js';
import { formatPointer } from '../../src/payloads/pointer.js';

const QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/orders';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function fakes() {
  const sent: SendMessageCommandInput[] = [];
  const puts: Array<{ Bucket?: string; Key?: string; Body?: unknown }> = [];
  const sqs = new SQSClient({ region: 'us-east-1' });
  sqs.send = (async (command: unknown) => {
    if (!(command instanceof SendMessageCommand)) throw new Error('unexpected command');
    sent.push(command.input);
    return { MessageId: `id-${sent.length}` };
  }) as never;
  const s3: S3ClientLike = {
    send: (async (command: unknown) => {
      if (!(command instanceof PutObjectCommand)) throw new Error('unexpected command');
      puts.push(command.input);
      return {};
    }) as never,
  };
  return { sqs, s3, sent, puts };
}

describe('sendMessage', () => {
  it('sends a body at the threshold as is, and offloads one byte more', async () => {
    const { sqs, s3, sent, puts } = fakes();
    const options = { largePayloads: { s3Client: s3, bucket: 'payloads', thresholdBytes: 100 } };
    const small = await sendMessage(sqs, QUEUE, 'é'.repeat(50), options); // 100 bytes
    expect(small.payloadPointer).toBeUndefined();
    expect(sent[0]).toMatchObject({ MessageBody: 'é'.repeat(50) });
    expect(puts).toHaveLength(0);

    const body = `${'é'.repeat(50)}!`; // 101 bytes
    const big = await sendMessage(sqs, QUEUE, body, options);
    expect(puts).toHaveLength(1);
    const key = puts[0]!.Key!;
    expect(key).toMatch(UUID);
    expect(puts[0]).toMatchObject({ Bucket: 'payloads', Body: body });
    expect(sent[1]!.MessageBody).toBe(formatPointer({ bucket: 'payloads', key }));
    expect(sent[1]!.MessageBody).toBe(
      `["software.amazon.payloadoffloading.PayloadS3Pointer",{"s3BucketName":"payloads","s3Key":"${key}"}]`,
    );
    expect(sent[1]!.MessageAttributes).toEqual({
      ExtendedPayloadSize: { DataType: 'Number', StringValue: '101' },
    });
    expect(big).toEqual({
      messageId: 'id-2',
      sequenceNumber: undefined,
      payloadPointer: { bucket: 'payloads', key, size: 101 },
    });
  });

  it("counts the attributes' bytes toward the threshold, and keeps them on the pointer", async () => {
    const { sqs, s3, sent, puts } = fakes();
    const options = {
      messageAttributes: { kind: 'big' }, // 4 + 6 + 3 = 13 bytes
      largePayloads: { s3Client: s3, bucket: 'payloads', thresholdBytes: 100 },
    };
    await sendMessage(sqs, QUEUE, 'x'.repeat(87), options);
    expect(puts).toHaveLength(0);
    await sendMessage(sqs, QUEUE, 'x'.repeat(88), options);
    expect(puts).toHaveLength(1);
    expect(sent[1]!.MessageAttributes).toEqual({
      kind: { DataType: 'String', StringValue: 'big' },
      ExtendedPayloadSize: { DataType: 'Number', StringValue: '88' },
    });
  });

  it('defaults the threshold to SQS’s 1 MiB, and offloads everything at 0', async () => {
    const { sqs, s3, puts } = fakes();
    await sendMessage(sqs, QUEUE, 'x'.repeat(1_048_576), {
      largePayloads: { s3Client: s3, bucket: 'payloads' },
    });
    expect(puts).toHaveLength(0);
    await sendMessage(sqs, QUEUE, 'x'.repeat(1_048_577), {
      largePayloads: { s3Client: s3, bucket: 'payloads' },
    });
    await sendMessage(sqs, QUEUE, 'x', {
      largePayloads: { s3Client: s3, bucket: 'payloads', thresholdBytes: 0 },
    });
    expect(puts).toHaveLength(2);
    expect(new Set(puts.map((p) => p.Key)).size).toBe(2);
  });

  it('without largePayloads, is a plain SendMessage whatever the size', async () => {
    const { sqs, sent } = fakes();
    await sendMessage(sqs, QUEUE, 'x'.repeat(2_000_000), { messageGroupId: 'g' });
    expect(sent[0]).toMatchObject({ QueueUrl: QUEUE, MessageGroupId: 'g' });
    expect(sent[0]!.MessageAttributes).toBeUndefined();
  });

  const refused: Array<[string, () => Parameters<typeof sendMessage>, string]> = [
    ['a bad queue URL', () => [fakes().sqs, 'orders', 'b'], 'queueUrl'],
    ['a body that is not a string', () => [fakes().sqs, QUEUE, { a: 1 } as never], 'body'],
    [
      'a reserved attribute name',
      () => [fakes().sqs, QUEUE, 'b', { messageAttributes: { SQSLargePayloadSize: 1 } }],
      'messageAttributes',
    ],
    [
      'a threshold over 1 MiB',
      () => [
        fakes().sqs,
        QUEUE,
        'b',
        { largePayloads: { s3Client: fakes().s3, bucket: 'p', thresholdBytes: 2_000_000 } },
      ],
      'largePayloads.thresholdBytes',
    ],
    [
      'a fractional threshold',
      () => [
        fakes().sqs,
        QUEUE,
        'b',
        { largePayloads: { s3Client: fakes().s3, bucket: 'p', thresholdBytes: 1.5 } },
      ],
      'largePayloads.thresholdBytes',
    ],
    [
      'a bucket ARN',
      () => [
        fakes().sqs,
        QUEUE,
        'b',
        { largePayloads: { s3Client: fakes().s3, bucket: 'arn:aws:s3:::payloads' } },
      ],
      'largePayloads.bucket',
    ],
    [
      'no S3 client',
      () => [fakes().sqs, QUEUE, 'b', { largePayloads: { bucket: 'p' } as never }],
      'largePayloads.s3Client',
    ],
  ];
  it.each(refused)('refuses %s with a ConfigError naming it', async (_what, args, option) => {
    const error = await sendMessage(...args()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).option).toBe(option);
  });

  it('refuses a 10th attribute on an offloaded message before uploading anything', async () => {
    const { sqs, s3, sent, puts } = fakes();
    const messageAttributes = Object.fromEntries(
      Array.from({ length: 10 }, (_, i) => [`a${i}`, i]),
    );
    const error = await sendMessage(sqs, QUEUE, 'x'.repeat(200), {
      messageAttributes,
      largePayloads: { s3Client: s3, bucket: 'p', thresholdBytes: 100 },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(puts).toHaveLength(0);
    expect(sent).toHaveLength(0);
  });
});
