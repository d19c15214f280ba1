/**
 * The in-memory SQS shares the library's attribute conversion and SQS limits: its inspection
 * helpers show attributes exactly as `LeasedMessage.messageAttributes()` does, and it refuses
 * what SQS refuses (an oversized message) with SQS's error.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { sqsMessages } from '../../src/index.js';
import { silentLogger } from '../../src/shared/logger.js';
import { SQS_MAX_MESSAGE_BYTES } from '../../src/shared/sqs-limits.js';
import { createInMemorySqs } from '../../src/testing/index.js';

const bytes = Uint8Array.of(0, 1, 254, 255);

describe('in-memory SQS attributes', () => {
  it('inspection helpers agree with LeasedMessage.messageAttributes() on the same message', async () => {
    const sqs = createInMemorySqs();
    const queueUrl = sqs.createQueue('attributes');
    sqs.sendMessage(queueUrl, 'x', {
      messageAttributes: {
        name: 'Ada',
        count: 42,
        price: 3.14,
        bigId: 12_345_678_901_234_567_890n,
        payload: bytes,
        exact: { DataType: 'Number', StringValue: '-9007199254740993' },
        float: { DataType: 'Number.float', StringValue: '0.1' },
        uuid: { DataType: 'String.uuid', StringValue: '0f8fad5b-d9cb-469f-a165-70867728950e' },
        image: { DataType: 'Binary.png', BinaryValue: bytes },
      },
    });
    const expected = {
      name: 'Ada',
      count: 42,
      price: 3.14,
      // Beyond double precision: the exact text, in both places.
      bigId: '12345678901234567890',
      payload: bytes,
      exact: '-9007199254740993',
      float: 0.1,
      uuid: '0f8fad5b-d9cb-469f-a165-70867728950e',
      image: bytes,
    };
    expect(sqs.visible(queueUrl)[0]?.messageAttributes).toStrictEqual(expected);

    const controller = new AbortController();
    const stream = sqsMessages(queueUrl, {
      client: sqs.client,
      signal: controller.signal,
      waitTime: 1,
      logger: silentLogger,
      env: {},
    });
    const iterator = stream[Symbol.asyncIterator]();
    const message = (await iterator.next()).value!;
    expect(message.messageAttributes()).toStrictEqual(expected);
    expect(sqs.inFlight(queueUrl)[0]?.messageAttributes).toStrictEqual(message.messageAttributes());
    await message.ack();
    expect(sqs.deleted(queueUrl)[0]?.messageAttributes).toStrictEqual(expected);
    controller.abort();
    await iterator.return?.();
    await stream.drained();
  });
});

describe('in-memory SQS limits', () => {
  // SQS counts the body plus each attribute's name, DataType and value.
  const attributeBytes = 'tag'.length + 'String'.length + 'abc'.length;

  it('takes a message of exactly 1 MiB, body and attributes together', async () => {
    const sqs = createInMemorySqs();
    const queueUrl = sqs.createQueue('sizes');
    const body = 'x'.repeat(SQS_MAX_MESSAGE_BYTES - attributeBytes);
    sqs.sendMessage(queueUrl, body, { messageAttributes: { tag: 'abc' } });
    await sqs.client.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: 'é'.repeat(SQS_MAX_MESSAGE_BYTES / 2),
      }),
    );
    expect(sqs.counts(queueUrl).visible).toBe(2);
  });

  it.each([
    ['a body of 1 MiB + 1 byte', 'x'.repeat(SQS_MAX_MESSAGE_BYTES + 1), undefined],
    // Two bytes per character in UTF-8: the limit is in bytes, not characters.
    [
      'a body of 1 MiB of characters but 2 MiB of bytes',
      'é'.repeat(SQS_MAX_MESSAGE_BYTES),
      undefined,
    ],
    [
      'a 1 MiB body with an attribute',
      'x'.repeat(SQS_MAX_MESSAGE_BYTES - attributeBytes + 1),
      { tag: { DataType: 'String', StringValue: 'abc' } },
    ],
  ])('refuses %s with InvalidParameterValue, as SQS does', async (_what, body, attributes) => {
    const sqs = createInMemorySqs();
    const queueUrl = sqs.createQueue('sizes');
    await expect(
      sqs.client.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: body,
          MessageAttributes: attributes,
        }),
      ),
    ).rejects.toMatchObject({
      name: 'InvalidParameterValue',
      message: expect.stringContaining(`shorter than ${SQS_MAX_MESSAGE_BYTES} bytes`),
    });
    expect(() => sqs.sendMessage(queueUrl, body, { messageAttributes: attributes })).toThrow(
      /shorter than 1048576 bytes/,
    );
    expect(sqs.counts(queueUrl)).toMatchObject({ visible: 0, delayed: 0 });
  });
});
