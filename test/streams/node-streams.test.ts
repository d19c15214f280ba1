/**
 * Node streams over sqsMessages(): backpressure bounds what is received, and destroying a
 * pipeline gives back what was not handed out. Run against the in-memory SQS (real timers).
 */
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { ackingWritable, type LeasedMessage, sqsMessages, toReadable } from '../../src/index.js';
import { silentLogger } from '../../src/shared/logger.js';
import { createInMemorySqs } from '../../src/testing/index.js';
import { sleep } from '../support/sqs.js';

function setUp(count: number, options: { shutdownTimeout?: number } = {}) {
  const sqs = createInMemorySqs();
  const queueUrl = sqs.createQueue('stream');
  sqs.sendMessages(
    queueUrl,
    Array.from({ length: count }, (_, n) => ({ n })),
  );
  const controller = new AbortController();
  const stream = sqsMessages(queueUrl, {
    client: sqs.client,
    signal: controller.signal,
    batchSize: 5,
    maxInFlight: 20,
    waitTime: 1,
    idleSleepMax: 0,
    logger: silentLogger,
    env: {},
    ...options,
  });
  return { sqs, queueUrl, controller, stream };
}

describe('Node streams', () => {
  it('a slow Writable makes the stream stop receiving: what is received and unsettled never exceeds maxInFlight', async () => {
    const { sqs, queueUrl, controller, stream } = setUp(100);
    let handled = 0;
    let worst = 0;
    const done = pipeline(
      Readable.from(stream),
      ackingWritable(async () => {
        await sleep(5);
        handled++;
        // Everything received and not yet settled is bounded by maxInFlight (Readable.from's
        // read-ahead included): the stream does not buffer without limit.
        worst = Math.max(worst, stream.stats().inFlight);
      }),
    );
    await sleep(300);
    const partway = stream.stats();
    expect(handled).toBeGreaterThan(5);
    expect(handled).toBeLessThan(100);
    expect(partway.received).toBeLessThanOrEqual(handled + 20 + 1);
    expect(worst).toBeLessThanOrEqual(20);
    expect(worst).toBeGreaterThan(10); // the bound was reached: the test can see a breach
    expect(sqs.visible(queueUrl).length).toBeGreaterThan(0); // still waiting in SQS, not in memory
    await sqs.untilEmpty(queueUrl);
    controller.abort();
    await done;
    await stream.drained();
    expect(sqs.counts(queueUrl)).toMatchObject({ deleted: 100, visible: 0, inFlight: 0 });
  });

  it('toReadable: destroying the pipeline gives back at once what was read ahead but not handed out', async () => {
    const { sqs, queueUrl, stream } = setUp(30);
    const got: LeasedMessage[] = [];
    const sink = new Writable({
      objectMode: true,
      highWaterMark: 1,
      write(message: LeasedMessage, _encoding, callback) {
        got.push(message);
        // Holds the third message and then fails the pipeline.
        if (got.length === 3) callback(new Error('sink failed'));
        else {
          void message.ack();
          callback();
        }
      },
    });
    await expect(pipeline(toReadable(stream, { highWaterMark: 4 }), sink)).rejects.toThrow(
      'sink failed',
    );
    await sleep(100);
    // 2 acked; the third is the sink's (still leased until it settles it); the rest is back.
    expect(sqs.counts(queueUrl)).toMatchObject({ deleted: 2, inFlight: 1, visible: 27 });
    await got[2]!.nack({ delaySeconds: 0 });
    await stream.drained();
    expect(sqs.counts(queueUrl)).toMatchObject({ deleted: 2, inFlight: 0, visible: 28 });
  });

  it('Readable.from: what its buffer held is released only at the stream shutdownTimeout', async () => {
    const { sqs, queueUrl, stream } = setUp(30, { shutdownTimeout: 1 });
    const readable = Readable.from(stream);
    let taken = 0;
    for await (const message of readable) {
      await (message as LeasedMessage).ack();
      if (++taken === 2) break;
    }
    await sleep(100);
    // Readable.from read ahead (up to its highWaterMark of 16): those count as handed out and
    // stay leased; only the stream's own read-ahead was released at once.
    const early = sqs.counts(queueUrl);
    expect(early.deleted).toBe(2);
    expect(early.inFlight).toBeGreaterThan(0);
    await stream.drained(); // shutdownTimeout: 1 s
    expect(sqs.counts(queueUrl)).toMatchObject({ deleted: 2, inFlight: 0, visible: 28 });
  });
});
