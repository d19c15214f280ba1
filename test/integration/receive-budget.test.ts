/**
 * Issue 14 on fauxqs: an idle stream holds one long poll (≈ 1 ReceiveMessage per waitTime),
 * however large its maxInFlight; maxInFlightBytes counts a payload fetched from S3 while its
 * message is held, and nothing once everything is settled.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { perMessageListener, sendMessage, silentLogger, sqsMessages } from '../../src/index.js';
import { countingS3, createBucket } from '../payloads/s3-support.js';
import { startListener, stopAllListeners } from '../support/listen.js';
import {
  adminClient,
  countingClient,
  createQueue,
  eventually,
  queueCounts,
  requestsOf,
  sleep,
} from '../support/sqs.js';

afterEach(stopAllListeners);

describe('receive budget on fauxqs', () => {
  it('an idle stream with maxInFlight 100 sends about one receive per waitTime', async () => {
    const { queueUrl } = await createQueue();
    const { client, log } = countingClient();
    const controller = new AbortController();
    const stream = sqsMessages(queueUrl, {
      client,
      signal: controller.signal,
      maxInFlight: 100,
      waitTime: 1,
      idleSleepMax: 0,
      logger: silentLogger,
      env: {},
    });
    const consumed = (async () => {
      for await (const _ of stream) throw new Error('no message expected');
    })();
    await sleep(4_500);
    controller.abort();
    await consumed;
    // Four 1 s polls and a fifth one open, one at a time (a fixed four would send ~20).
    const receives = requestsOf(log, 'ReceiveMessageCommand').length;
    expect(receives).toBeGreaterThanOrEqual(3);
    expect(receives).toBeLessThanOrEqual(6);
  });

  it('counts a payload fetched from S3 while its message is held, and 0 once settled', async () => {
    const bucket = await createBucket();
    const s3 = countingS3();
    const { queueUrl } = await createQueue();
    const body = 'y'.repeat(300_000);
    await sendMessage(adminClient(), queueUrl, body, {
      largePayloads: { s3Client: s3.client, bucket, thresholdBytes: 1000 },
    });
    const during: number[] = [];
    const run = startListener(
      perMessageListener(
        () => {
          during.push(run.stream.stats().bytesInFlight);
        },
        { largePayloads: { s3Client: s3.client, allowedBuckets: [bucket] }, env: {} },
      ),
      queueUrl,
    );
    expect(
      await eventually(async () => {
        const c = await queueCounts(queueUrl);
        return during.length === 1 && c.visible + c.inFlight === 0;
      }),
    ).toBe(true);
    // The pointer message (body + marker attribute) plus the 300,000-byte payload.
    expect(during[0]).toBeGreaterThan(300_000);
    expect(during[0]).toBeLessThan(301_000);
    expect(await eventually(async () => run.stream.stats().bytesInFlight === 0)).toBe(true);
    await run.stop();
  });
});
