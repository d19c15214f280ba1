/**
 * Large payloads end to end on fauxqs (SQS + S3): `sendMessage()` offloads, a listener with
 * `largePayloads` reads what it and the Java/Python Extended Clients write, refuses buckets
 * outside the allowlist without calling S3, and handles slow, failing and missing objects
 * without losing a message.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  batchListener,
  type LeasedMessage,
  type MessageAttributeRecord,
  type PayloadPointer,
  perMessageListener,
  sendMessage,
  silentLogger,
} from '../../src/index.js';
import { formatPointer } from '../../src/payloads/pointer.js';
import {
  FIXTURE_BUCKET,
  FIXTURE_PAYLOAD,
  POINTER_FIXTURES,
} from '../fixtures/extended-client-pointers.js';
import { startListener, stopAllListeners } from '../support/listen.js';
import {
  adminClient,
  countingClient,
  createQueue,
  eventually,
  queueCounts,
  receiveNow,
} from '../support/sqs.js';
import { countingS3, createBucket, putObject } from './s3-support.js';

afterEach(stopAllListeners);

interface Seen {
  body: string;
  attributes: MessageAttributeRecord;
  pointer: PayloadPointer | undefined;
  receiveCount: number;
  raw: LeasedMessage['raw'];
}

/** A handler that records what it saw, per message id. */
function recorder() {
  const seen = new Map<string, Seen[]>();
  const handler = (m: LeasedMessage) => {
    const list = seen.get(m.messageId) ?? [];
    list.push({
      body: m.body,
      attributes: m.messageAttributes(),
      pointer: m.payloadPointer,
      receiveCount: m.receiveCount,
      raw: m.raw,
    });
    seen.set(m.messageId, list);
  };
  return { seen, handler };
}

async function empty(queueUrl: string): Promise<boolean> {
  const c = await queueCounts(queueUrl);
  return c.visible + c.inFlight + c.delayed === 0;
}

describe('large payloads', () => {
  it('a 2 MiB body round-trips: sendMessage offloads it, the handler reads all of it', async () => {
    const bucket = await createBucket();
    const s3 = countingS3();
    const { queueUrl } = await createQueue();
    const body = JSON.stringify({ blob: 'x'.repeat(2 * 1024 * 1024) });
    const big = await sendMessage(adminClient(), queueUrl, body, {
      messageAttributes: { kind: 'big' },
      largePayloads: { s3Client: s3.client, bucket },
    });
    const small = await sendMessage(adminClient(), queueUrl, '{"small":true}', {
      largePayloads: { s3Client: s3.client, bucket },
    });
    expect(big.payloadPointer).toEqual({
      bucket,
      key: expect.any(String),
      size: Buffer.byteLength(body),
    });
    expect(small.payloadPointer).toBeUndefined();

    const { seen, handler } = recorder();
    startListener(
      perMessageListener(handler, {
        largePayloads: { s3Client: s3.client, allowedBuckets: [bucket] },
        logger: silentLogger,
        env: {},
      }),
      queueUrl,
    );
    expect(await eventually(async () => seen.size === 2 && (await empty(queueUrl)))).toBe(true);
    const [got] = seen.get(big.messageId)!;
    expect(got!.body).toBe(body);
    expect(got!.attributes).toEqual({ kind: 'big' }); // the marker is not shown
    expect(got!.pointer).toEqual(big.payloadPointer);
    // What SQS carried: the Java pointer and marker, byte for byte.
    expect(got!.raw.Body).toBe(formatPointer(big.payloadPointer!));
    expect(got!.raw.MessageAttributes?.ExtendedPayloadSize).toMatchObject({
      DataType: 'Number',
      StringValue: String(Buffer.byteLength(body)),
    });
    expect(seen.get(small.messageId)![0]).toMatchObject({
      body: '{"small":true}',
      pointer: undefined,
    });
    expect(s3.counts.GetObjectCommand).toBe(1);
  });

  it('batch mode: offloaded and plain messages of one batch each show their own body', async () => {
    const bucket = await createBucket();
    const s3 = countingS3();
    const { queueUrl } = await createQueue();
    const bodies = Array.from({ length: 6 }, (_, i) => `${i}:${'z'.repeat(i % 2 ? 10 : 2000)}`);
    for (const body of bodies) {
      await sendMessage(adminClient(), queueUrl, body, {
        largePayloads: { s3Client: s3.client, bucket, thresholdBytes: 1000 },
      });
    }
    const got = new Map<string, PayloadPointer | undefined>();
    startListener(
      batchListener(
        (messages) => {
          for (const m of messages) got.set(m.body, m.payloadPointer);
        },
        {
          batchSize: 10,
          batchWindowMs: 300,
          largePayloads: { s3Client: s3.client, allowedBuckets: '*' },
          logger: silentLogger,
          env: {},
        },
      ),
      queueUrl,
    );
    expect(await eventually(async () => got.size === 6 && (await empty(queueUrl)))).toBe(true);
    for (const body of bodies) {
      expect(got.has(body)).toBe(true);
      expect(got.get(body) === undefined).toBe(body.length < 1000);
    }
    expect(s3.counts.GetObjectCommand).toBe(3);
  });

  it('reads what the Java (both markers, both class names) and Python clients write', async () => {
    await createBucket(FIXTURE_BUCKET);
    for (const f of POINTER_FIXTURES) await putObject(FIXTURE_BUCKET, f.key, FIXTURE_PAYLOAD);
    const { queueUrl } = await createQueue();
    const ids = new Map<string, string>();
    for (const f of POINTER_FIXTURES) {
      const sent = await adminClient().send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: f.body,
          MessageAttributes: f.messageAttributes,
        }),
      );
      ids.set(sent.MessageId!, f.key);
    }
    const { seen, handler } = recorder();
    startListener(
      perMessageListener(handler, {
        largePayloads: { s3Client: countingS3().client, allowedBuckets: [FIXTURE_BUCKET] },
        logger: silentLogger,
        env: {},
      }),
      queueUrl,
    );
    expect(await eventually(async () => seen.size === 4 && (await empty(queueUrl)))).toBe(true);
    for (const [id, key] of ids) {
      const [got] = seen.get(id)!;
      expect(got!.body).toBe(FIXTURE_PAYLOAD);
      expect(got!.attributes).toEqual({});
      expect(got!.pointer).toEqual({
        bucket: FIXTURE_BUCKET,
        key,
        size: Buffer.byteLength(FIXTURE_PAYLOAD),
      });
    }
  });

  it('a bucket outside the allowlist: to the DLQ as it came, without a single S3 request', async () => {
    const allowed = await createBucket();
    const other = await createBucket();
    await putObject(other, 'secret', 'not for this listener');
    const s3 = countingS3();
    const { queueUrl, dlqUrl } = await createQueue({ maxReceiveCount: 5 });
    const body = formatPointer({ bucket: other, key: 'secret' });
    await adminClient().send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: body,
        MessageAttributes: { ExtendedPayloadSize: { DataType: 'Number', StringValue: '21' } },
      }),
    );
    const { seen, handler } = recorder();
    const failures: unknown[] = [];
    startListener(
      perMessageListener(handler, {
        largePayloads: { s3Client: s3.client, allowedBuckets: [allowed] },
        onFailure: (_m, error) => failures.push(error),
        // A user's own rule cannot make it retryable.
        isNonRetryable: () => false,
        logger: silentLogger,
        env: {},
      }),
      queueUrl,
    );
    expect(
      await eventually(
        async () => (await empty(queueUrl)) && (await queueCounts(dlqUrl!)).visible === 1,
      ),
    ).toBe(true);
    const [dead] = await receiveNow(dlqUrl!);
    expect(dead!.Body).toBe(body);
    expect(seen.size).toBe(0);
    expect(s3.counts).toEqual({});
    expect(failures).toEqual([
      expect.objectContaining({ name: 'PayloadPointerError', code: 'PayloadBucketNotAllowed' }),
    ]);
  });

  it('a slow S3 never loses the message: the lease is heartbeated while GetObject waits', async () => {
    const bucket = await createBucket();
    const s3 = countingS3({ getDelayMs: 3500 });
    const { queueUrl } = await createQueue({ visibilitySecs: 1 });
    const sent = await sendMessage(adminClient(), queueUrl, 'slow payload', {
      largePayloads: { s3Client: s3.client, bucket, thresholdBytes: 0 },
    });
    const sqs = countingClient();
    const { seen, handler } = recorder();
    startListener(
      perMessageListener(handler, {
        largePayloads: { s3Client: s3.client, allowedBuckets: [bucket] },
        logger: silentLogger,
        env: {},
      }),
      queueUrl,
      { client: sqs.client, visibilitySecs: 1 },
    );
    expect(await eventually(async () => seen.size === 1 && (await empty(queueUrl)))).toBe(true);
    expect(seen.get(sent.messageId)).toEqual([
      expect.objectContaining({ body: 'slow payload', receiveCount: 1 }),
    ]);
    // Only one delivery, one fetch; the visibility was extended meanwhile.
    expect(s3.counts.GetObjectCommand).toBe(1);
    expect(sqs.counts.ChangeMessageVisibilityBatchCommand ?? 0).toBeGreaterThan(0);
  });

  it('S3 failing GetObject: the message is retried and nothing is lost', async () => {
    const bucket = await createBucket();
    const s3 = countingS3({ failFirstGets: 2 });
    const { queueUrl, dlqUrl } = await createQueue({ visibilitySecs: 1, maxReceiveCount: 5 });
    const sent = await sendMessage(adminClient(), queueUrl, 'precious', {
      largePayloads: { s3Client: s3.client, bucket, thresholdBytes: 0 },
    });
    const { seen, handler } = recorder();
    const failures: unknown[] = [];
    startListener(
      perMessageListener(handler, {
        largePayloads: { s3Client: s3.client, allowedBuckets: [bucket] },
        onFailure: (_m, error) => failures.push(error),
        logger: silentLogger,
        env: {},
      }),
      queueUrl,
      { visibilitySecs: 1 },
    );
    expect(await eventually(async () => seen.size === 1 && (await empty(queueUrl)), 15_000)).toBe(
      true,
    );
    expect(seen.get(sent.messageId)).toEqual([
      expect.objectContaining({ body: 'precious', receiveCount: 3 }),
    ]);
    expect(failures).toHaveLength(2);
    expect(failures[0]).toMatchObject({
      name: 'PayloadError',
      code: 'PayloadFetchFailed',
      retryable: true,
      cause: expect.objectContaining({ name: 'SlowDown' }),
    });
    expect(s3.counts.GetObjectCommand).toBe(3);
    expect((await queueCounts(dlqUrl!)).visible).toBe(0);
  });
});
