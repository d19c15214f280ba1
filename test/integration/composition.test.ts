import { Readable, Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { filter, take } from 'ix/Ix.asynciterable.operators';
import { describe, expect, it } from 'vitest';
import { type LeasedMessage, sqsMessages } from '../../src/index.js';
import {
  countingClient,
  createQueue,
  eventually,
  numbered,
  queueCounts,
  receiveIdsWithin,
  sendMessages,
} from '../support/sqs.js';

/** Wraps an async iterable, recording what it hands out; return() goes straight through. */
function recording<T>(source: AsyncIterable<T>, into: T[]): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]() {
      const iterator = source[Symbol.asyncIterator]();
      return {
        async next() {
          const result = await iterator.next();
          if (!result.done) into.push(result.value);
          return result;
        },
        async return() {
          return (await iterator.return?.()) ?? { value: undefined, done: true };
        },
      };
    },
  };
}

describe('composing with IxJS operators', () => {
  it('pipe(filter, take) consumes n messages and releases the rest that were buffered', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    const sent = await sendMessages(queueUrl, numbered(10));
    const { client } = countingClient();
    const stream = sqsMessages(queueUrl, { client, maxInFlight: 10, waitTime: 1, idleSleepMax: 0 });

    const skipped: string[] = [];
    const taken: LeasedMessage[] = [];
    const even = stream.pipe(
      filter((message: LeasedMessage) => {
        if ((message.json as { n: number }).n % 2 === 0) return true;
        // Not ours: give it back at once.
        skipped.push(message.messageId);
        void message.nack({ delaySeconds: 0 });
        return false;
      }),
      take(3),
    );
    for await (const message of even) {
      taken.push(message);
      await message.ack();
    }
    await stream.drained();

    expect(taken.map((m) => (m.json as { n: number }).n).sort()).toEqual([0, 2, 4]);
    expect(stream.stats().received).toBe(10);
    const takenIds = taken.map((m) => m.messageId);
    const rest = sent.filter((id) => !takenIds.includes(id));
    expect(rest).toHaveLength(7);
    // The skipped ones and the never handed out ones: all receivable at once.
    expect(await receiveIdsWithin(queueUrl, rest, 1_000)).toEqual(new Set(rest));
    expect(await queueCounts(queueUrl)).toEqual({ visible: 0, inFlight: 7, delayed: 0 });
  });
});

describe('composing with Node streams', () => {
  it('Readable.from(stream) piped into an acking Writable deletes every message', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    const sent = await sendMessages(queueUrl, numbered(25));
    const { client } = countingClient();
    const controller = new AbortController();
    const stream = sqsMessages(queueUrl, {
      client,
      signal: controller.signal,
      waitTime: 1,
      idleSleepMax: 0,
    });

    const acked = new Set<string>();
    const sink = new Writable({
      objectMode: true,
      write(message: LeasedMessage, _encoding, callback) {
        message.ack().then(() => {
          acked.add(message.messageId);
          if (acked.size === sent.length) controller.abort();
          callback();
        }, callback);
      },
    });
    await pipeline(Readable.from(stream), sink);
    await stream.drained();

    expect(acked).toEqual(new Set(sent));
    expect(await queueCounts(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('destroying the Readable early gives back what it had not handed to the reader', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    const sent = await sendMessages(queueUrl, numbered(10));
    const { client } = countingClient();
    const stream = sqsMessages(queueUrl, {
      client,
      maxInFlight: 10,
      // A message the Readable pulled into its own buffer is handed out as far as the stream
      // knows: it is released at the shutdown deadline rather than at once.
      shutdownTimeout: 1,
      waitTime: 1,
      idleSleepMax: 0,
    });
    const pulled: LeasedMessage[] = [];
    const readable = Readable.from(recording(stream, pulled), { highWaterMark: 1 });

    const read: string[] = [];
    for await (const message of readable as AsyncIterable<LeasedMessage>) {
      read.push(message.messageId);
      await message.ack();
      if (read.length === 3) break; // destroys the Readable
    }
    await finished(readable).catch(() => {});
    const pulledIds = pulled.map((m) => m.messageId);
    const neverPulled = sent.filter((id) => !pulledIds.includes(id));
    const pulledNotRead = pulledIds.filter((id) => !read.includes(id));

    expect(neverPulled.length).toBeGreaterThan(0);
    // Never handed out by the stream: receivable at once.
    expect(await receiveIdsWithin(queueUrl, neverPulled, 1_000)).toEqual(new Set(neverPulled));
    // Left in the Readable's buffer: released at the 1 s shutdown deadline.
    expect(await receiveIdsWithin(queueUrl, pulledNotRead, 3_000)).toEqual(new Set(pulledNotRead));
    expect(await eventually(async () => (await queueCounts(queueUrl)).inFlight === 7, 1_000)).toBe(
      true,
    );
    await stream.drained();
    expect(await queueCounts(queueUrl)).toEqual({ visible: 0, inFlight: 7, delayed: 0 });
  });
});
