import { describe, expect, it } from 'vitest';
import { sqsMessages } from '../../src/index.js';
import {
  countingClient,
  createQueue,
  numbered,
  queueCounts,
  requestsOf,
  sendMessages,
} from '../support/sqs.js';

describe('draining a queue with for await', () => {
  it('deletes 100 acked messages in at most 11 DeleteMessageBatch requests and leaves the queue empty', async () => {
    const { queueUrl } = await createQueue();
    const sent = await sendMessages(queueUrl, numbered(100));
    const { client, counts, log } = countingClient();
    const stream = sqsMessages(queueUrl, { client, waitTime: 1, idleSleepMax: 0 });

    const seen: string[] = [];
    for await (const message of stream) {
      seen.push(message.messageId);
      message.ack();
      if (seen.length === sent.length) break;
    }
    await stream.drained();

    // Every message exactly once, none missing, none extra.
    expect(seen).toHaveLength(100);
    expect(new Set(seen)).toEqual(new Set(sent));
    // What the queue holds afterwards: nothing, neither visible nor in flight.
    expect(await queueCounts(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    // Deletes went out batched.
    expect(counts.DeleteMessageCommand ?? 0).toBe(0);
    expect(counts.DeleteMessageBatchCommand ?? 0).toBeLessThanOrEqual(11);
    const deleted = requestsOf(log, 'DeleteMessageBatchCommand').flatMap(
      (r) => r.input.Entries as unknown[],
    );
    expect(deleted).toHaveLength(100);
    expect(stream.stats().acked).toBe(100);
  });
});
