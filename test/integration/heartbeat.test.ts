import { describe, expect, it } from 'vitest';
import { type LeasedMessage, sqsMessages } from '../../src/index.js';
import {
  countingClient,
  createQueue,
  entriesOf,
  numbered,
  queueCounts,
  receiveNow,
  requestsOf,
  rounds,
  sendMessages,
  sleep,
} from '../support/sqs.js';

const HOLD_MS = 7_000;

/**
 * Takes `count` messages from a stream whose queue and leases have a 2 s visibility, holds them
 * unsettled for 7 s while a second consumer polls the queue, then acks them.
 */
async function holdAndWatch(count: number) {
  const { queueUrl } = await createQueue({ visibilitySecs: 2 });
  const sent = await sendMessages(queueUrl, numbered(count));
  const { client, counts, log } = countingClient();
  const stream = sqsMessages(queueUrl, {
    client,
    visibilitySecs: 2,
    waitTime: 1,
    idleSleepMax: 0,
    maxInFlight: 20,
  });
  const iterator = stream[Symbol.asyncIterator]();
  const held: LeasedMessage[] = [];
  while (held.length < count) {
    const { value, done } = await iterator.next();
    if (done) throw new Error('stream ended early');
    held.push(value);
  }

  // A second consumer polls the same queue the whole time the messages are held.
  const stolen: string[] = [];
  const until = Date.now() + HOLD_MS;
  while (Date.now() < until) {
    for (const m of await receiveNow(queueUrl, { visibilitySecs: 1 })) stolen.push(m.MessageId!);
    await sleep(200);
  }
  const lost = held.filter((m) => m.signal.aborted);

  await Promise.all(held.map((m) => m.ack()));
  await iterator.return?.();
  await stream.drained();
  return { queueUrl, sent, held, stolen, lost, counts, log };
}

describe('lease heartbeat', () => {
  it.concurrent('keeps one unsettled message invisible for 7 s on a 2 s visibility', async () => {
    const { queueUrl, sent, held, stolen, lost, counts, log } = await holdAndWatch(1);

    expect(held.map((m) => m.messageId)).toEqual(sent);
    expect(stolen).toEqual([]);
    expect(lost).toEqual([]);
    // Extensions only as batches; 7 s on a 2 s visibility needs at least 3 of them.
    expect(counts.ChangeMessageVisibilityCommand ?? 0).toBe(0);
    const extensions = requestsOf(log, 'ChangeMessageVisibilityBatchCommand');
    expect(extensions.length).toBeGreaterThanOrEqual(3);
    for (const round of rounds(extensions)) expect(round).toHaveLength(1);
    expect(await queueCounts(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it.concurrent('extends 12 unsettled messages together, at most 2 requests per round', async () => {
    const { queueUrl, sent, held, stolen, lost, counts, log } = await holdAndWatch(12);

    expect(new Set(held.map((m) => m.messageId))).toEqual(new Set(sent));
    expect(stolen).toEqual([]);
    expect(lost).toEqual([]);
    expect(counts.ChangeMessageVisibilityCommand ?? 0).toBe(0);
    const extensionRounds = rounds(requestsOf(log, 'ChangeMessageVisibilityBatchCommand'));
    expect(extensionRounds.length).toBeGreaterThanOrEqual(3);
    const handles = new Set(held.map((m) => m.receiptHandle));
    for (const round of extensionRounds) {
      expect(round.length).toBeLessThanOrEqual(Math.ceil(held.length / 10));
      const extended = round.flatMap(entriesOf).map((e) => e.ReceiptHandle);
      // Extended together: every held lease exactly once per round, nothing else.
      expect(extended).toHaveLength(handles.size);
      expect(new Set(extended)).toEqual(handles);
    }
    expect(await queueCounts(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });
});
