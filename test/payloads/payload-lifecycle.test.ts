/**
 * What happens to the S3 object and the message around settling, on fauxqs: with
 * `deletePayloadOnAck` the object goes only after SQS confirmed the delete, and stays for a
 * nack or a move to the DLQ; a missing object follows `onMissingPayload`.
 */
import { randomUUID } from 'node:crypto';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type LeasedMessage,
  type LogFields,
  type Logger,
  NonRetryableError,
  perMessageListener,
  sendMessage,
  silentLogger,
} from '../../src/index.js';
import { formatPointer } from '../../src/payloads/pointer.js';
import { startListener, stopAllListeners } from '../support/listen.js';
import {
  adminClient,
  countingClient,
  createQueue,
  entriesOf,
  eventually,
  messagesOf,
  queueCounts,
  receiveNow,
  requestsOf,
} from '../support/sqs.js';
import { countingS3, createBucket, objectExists } from './s3-support.js';

afterEach(stopAllListeners);

async function empty(queueUrl: string): Promise<boolean> {
  const c = await queueCounts(queueUrl);
  return c.visible + c.inFlight + c.delayed === 0;
}

function recordingLogger(): Logger & { lines: Array<[string, string, LogFields | undefined]> } {
  const lines: Array<[string, string, LogFields | undefined]> = [];
  const at = (level: string) => (message: string, fields?: LogFields) => {
    lines.push([level, message, fields]);
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

describe('deletePayloadOnAck', () => {
  it('deletes the object after SQS confirmed the delete; a nack keeps it for the retry', async () => {
    const bucket = await createBucket();
    const s3 = countingS3();
    const sqs = countingClient();
    const { queueUrl } = await createQueue({ visibilitySecs: 1 });
    const offload = { largePayloads: { s3Client: s3.client, bucket, thresholdBytes: 0 } };
    const ok = await sendMessage(adminClient(), queueUrl, 'handled at once', offload);
    const flaky = await sendMessage(adminClient(), queueUrl, 'fails once', offload);
    const bodies = new Map<string, string[]>();
    const handler = (m: LeasedMessage) => {
      const list = bodies.get(m.messageId) ?? [];
      list.push(m.body);
      bodies.set(m.messageId, list);
      if (m.messageId === flaky.messageId && m.receiveCount === 1) throw new Error('once');
    };
    startListener(
      perMessageListener(handler, {
        largePayloads: { s3Client: s3.client, allowedBuckets: [bucket], deletePayloadOnAck: true },
        logger: silentLogger,
        env: {},
      }),
      queueUrl,
      { client: sqs.client, visibilitySecs: 1 },
    );
    const okKey = ok.payloadPointer!.key;
    const flakyKey = flaky.payloadPointer!.key;
    expect(await eventually(async () => !(await objectExists(bucket, okKey)))).toBe(true);
    // The failed first try left the payload in place: the retry read it in full, then acked.
    expect(await eventually(async () => bodies.get(flaky.messageId)?.length === 2)).toBe(true);
    expect(bodies.get(flaky.messageId)).toEqual(['fails once', 'fails once']);
    expect(await eventually(async () => !(await objectExists(bucket, flakyKey)))).toBe(true);
    expect(await empty(queueUrl)).toBe(true);
    // Never before the delete: each object's DeleteObject went out after SQS had answered the
    // DeleteMessageBatch that carried its message's receipt handle.
    const handleOfKey = new Map<string, string>();
    for (const receive of requestsOf(sqs.log, 'ReceiveMessageCommand')) {
      for (const m of messagesOf(receive)) {
        const key = (JSON.parse(m.Body!) as [string, { s3Key: string }])[1].s3Key;
        handleOfKey.set(key, m.ReceiptHandle!);
      }
    }
    const deletes = requestsOf(sqs.log, 'DeleteMessageBatchCommand');
    const objectDeletes = s3.log.filter((r) => r.command === 'DeleteObjectCommand');
    expect(objectDeletes.map((r) => r.input.Key).sort()).toEqual([okKey, flakyKey].sort());
    for (const request of objectDeletes) {
      const handle = handleOfKey.get(request.input.Key as string);
      const batch = deletes.find((d) => entriesOf(d).some((e) => e.ReceiptHandle === handle));
      expect(batch?.doneSeq).toBeDefined();
      expect(batch!.doneSeq!).toBeLessThan(request.seq);
    }
  });

  it('a message moved to the DLQ keeps its payload: the copy still points to it', async () => {
    const bucket = await createBucket();
    const s3 = countingS3();
    const { queueUrl, dlqUrl } = await createQueue({ maxReceiveCount: 5 });
    const sent = await sendMessage(adminClient(), queueUrl, 'poison', {
      largePayloads: { s3Client: s3.client, bucket, thresholdBytes: 0 },
    });
    startListener(
      perMessageListener(
        () => {
          throw new NonRetryableError('no');
        },
        {
          largePayloads: {
            s3Client: s3.client,
            allowedBuckets: [bucket],
            deletePayloadOnAck: true,
          },
          logger: silentLogger,
          env: {},
        },
      ),
      queueUrl,
    );
    expect(
      await eventually(
        async () => (await empty(queueUrl)) && (await queueCounts(dlqUrl!)).visible === 1,
      ),
    ).toBe(true);
    const [dead] = await receiveNow(dlqUrl!);
    // What SQS delivered (the pointer and its marker), not the fetched payload.
    expect(dead!.Body).toBe(formatPointer(sent.payloadPointer!));
    expect(await objectExists(bucket, sent.payloadPointer!.key)).toBe(true);
    expect(s3.counts.DeleteObjectCommand).toBeUndefined();
  });
});

describe('onMissingPayload', () => {
  async function sendDangling(queueUrl: string, bucket: string): Promise<string> {
    const result = await adminClient().send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: formatPointer({ bucket, key: randomUUID() }),
        MessageAttributes: { ExtendedPayloadSize: { DataType: 'Number', StringValue: '10' } },
      }),
    );
    return result.MessageId!;
  }

  it("'fail' (default): retried, then redriven to the DLQ after maxReceiveCount", async () => {
    const bucket = await createBucket();
    const s3 = countingS3();
    const { queueUrl, dlqUrl } = await createQueue({ visibilitySecs: 1, maxReceiveCount: 2 });
    const id = await sendDangling(queueUrl, bucket);
    let handled = 0;
    const failures: unknown[] = [];
    startListener(
      perMessageListener(
        () => {
          handled++;
        },
        {
          largePayloads: { s3Client: s3.client, allowedBuckets: [bucket] },
          onFailure: (_m, error) => failures.push(error),
          logger: silentLogger,
          env: {},
        },
      ),
      queueUrl,
      { visibilitySecs: 1 },
    );
    expect(
      await eventually(
        async () => (await empty(queueUrl)) && (await queueCounts(dlqUrl!)).visible === 1,
        20_000,
      ),
    ).toBe(true);
    const [dead] = await receiveNow(dlqUrl!);
    expect(dead!.MessageId).toBe(id);
    expect(handled).toBe(0);
    expect(failures).toHaveLength(2);
    expect(failures[0]).toMatchObject({ name: 'PayloadError', code: 'PayloadMissing', bucket });
  });

  it("'ack': logged and deleted, the handler never called", async () => {
    const bucket = await createBucket();
    const s3 = countingS3();
    const { queueUrl, dlqUrl } = await createQueue({ visibilitySecs: 1, maxReceiveCount: 2 });
    const id = await sendDangling(queueUrl, bucket);
    const logger = recordingLogger();
    let handled = 0;
    startListener(
      perMessageListener(
        () => {
          handled++;
        },
        {
          largePayloads: { s3Client: s3.client, allowedBuckets: [bucket], onMissingPayload: 'ack' },
          logger,
          env: {},
        },
      ),
      queueUrl,
      { visibilitySecs: 1 },
    );
    expect(
      await eventually(async () =>
        logger.lines.some(([level, message]) => level === 'warn' && message.includes('missing')),
      ),
    ).toBe(true);
    expect(await eventually(() => empty(queueUrl))).toBe(true);
    // Deleted, not redelivered nor redriven.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await empty(queueUrl)).toBe(true);
    expect((await queueCounts(dlqUrl!)).visible).toBe(0);
    expect(handled).toBe(0);
    expect(s3.counts.GetObjectCommand).toBe(1);
    const warning = logger.lines.find(([, message]) => message.includes('missing'));
    expect(warning?.[2]).toMatchObject({ messageId: id, bucket });
  });
});
