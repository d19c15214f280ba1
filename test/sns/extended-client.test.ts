/**
 * The SNS Extended Client on fauxqs: a payload over SNS's 256 KB limit lives in S3, and the
 * topic publishes a pointer with the `ExtendedPayloadSize` marker. Through an enveloped
 * subscription the marker is inside the envelope: the SNS decoder unwraps it first, and the S3
 * decoder fetches the payload from the SNS attributes it hands on. A raw subscription gives the
 * same result.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  type LeasedMessage,
  perMessageListener,
  type SnsNotification,
  silentLogger,
} from '../../src/index.js';
import { formatPointer, payloadSizeAttribute } from '../../src/payloads/pointer.js';
import { countingS3, createBucket, putObject } from '../payloads/s3-support.js';
import { startListener, stopAllListeners } from '../support/listen.js';
import { createQueue, eventually, queueCounts } from '../support/sqs.js';
import { createTopic, publish, subscribe } from './sns-support.js';

afterEach(stopAllListeners);

interface Seen {
  body: string;
  attributes: Record<string, unknown>;
  sns: SnsNotification | undefined;
  pointer: LeasedMessage['payloadPointer'];
}

const empty = async (queueUrl: string) => {
  const c = await queueCounts(queueUrl);
  return c.visible + c.inFlight + c.delayed === 0;
};

describe('SNS Extended Client payloads', () => {
  it('an enveloped and a raw subscription both get the S3 payload and the same attributes', async () => {
    const bucket = await createBucket();
    const key = 'sns/order-1.json';
    const payload = JSON.stringify({ orderId: 1, lines: 'x'.repeat(300_000) });
    await putObject(bucket, key, payload);
    const topicArn = await createTopic('large');
    const [enveloped, raw] = await Promise.all([
      createQueue({ name: 'large-enveloped' }),
      createQueue({ name: 'large-raw' }),
    ]);
    await subscribe(topicArn, enveloped.queueUrl, false);
    await subscribe(topicArn, raw.queueUrl, true);
    const size = Buffer.byteLength(payload);
    await publish(topicArn, formatPointer({ bucket, key }), {
      ExtendedPayloadSize: payloadSizeAttribute(size),
      tenant: { DataType: 'String', StringValue: 'acme' },
    });

    const s3 = countingS3();
    const largePayloads = { s3Client: s3.client, allowedBuckets: [bucket] };
    const seen: { enveloped: Seen[]; raw: Seen[] } = { enveloped: [], raw: [] };
    const see = (m: LeasedMessage): Seen => ({
      body: m.body,
      attributes: m.messageAttributes(),
      sns: m.sns,
      pointer: m.payloadPointer,
    });
    const common = { largePayloads, logger: silentLogger, env: {} };
    startListener(
      perMessageListener((m) => void seen.enveloped.push(see(m)), { ...common, envelope: 'sns' }),
      enveloped.queueUrl,
    );
    startListener(
      perMessageListener((m) => void seen.raw.push(see(m)), common),
      raw.queueUrl,
    );
    expect(
      await eventually(() => seen.enveloped.length === 1 && seen.raw.length === 1, 10_000),
    ).toBe(true);

    const [e, r] = [seen.enveloped[0]!, seen.raw[0]!];
    expect(e.body).toBe(payload);
    expect(r.body).toBe(payload);
    expect(e.attributes).toEqual({ tenant: 'acme' });
    expect(r.attributes).toEqual(e.attributes);
    expect(e.pointer).toEqual({ bucket, key, size });
    expect(r.pointer).toEqual(e.pointer);
    expect(e.sns?.topicArn).toBe(topicArn);
    expect(s3.counts.GetObjectCommand).toBe(2);
    expect(await eventually(() => empty(enveloped.queueUrl), 10_000)).toBe(true);
    expect(await eventually(() => empty(raw.queueUrl), 10_000)).toBe(true);
  });
});
