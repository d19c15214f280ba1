import { describe, expect, it } from 'vitest';
import { LeaseLostError, sqsMessages } from '../../src/index.js';
import {
  countingClient,
  createQueue,
  entriesOf,
  messagesOf,
  queueCounts,
  receiveIdsWithin,
  receiveNow,
  requestsOf,
  sendMessages,
  sleep,
} from '../support/sqs.js';

const VISIBILITY_SECS = 2;
const MAX_EXTEND_SECS = 4;

describe('maxExtend', () => {
  it('stops extending at the budget, aborts the signal with reason maxExtend and gives the message up', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: VISIBILITY_SECS });
    const [id] = await sendMessages(queueUrl, ['long job']);
    const { client, counts, log } = countingClient();
    const stream = sqsMessages(queueUrl, {
      client,
      visibilitySecs: VISIBILITY_SECS,
      maxExtend: MAX_EXTEND_SECS,
      maxInFlight: 1,
      waitTime: 1,
      idleSleepMax: 0,
    });
    const iterator = stream[Symbol.asyncIterator]();
    const { value: message } = await iterator.next();
    if (!message) throw new Error('no message');
    const receive = requestsOf(log, 'ReceiveMessageCommand').find((r) =>
      messagesOf(r).some((m) => m.MessageId === id),
    );
    const receivedAt = receive!.doneAt!;
    // End receiving now so that no later poll of this stream competes for the message once the
    // lease is given up; a message already handed out keeps its lease after the iteration ends.
    await iterator.return?.();

    // Until the signal aborts, nobody else can receive the message.
    const stolenBeforeAbort: string[] = [];
    while (!message.signal.aborted && Date.now() - receivedAt < 10_000) {
      for (const m of await receiveNow(queueUrl, { visibilitySecs: 1 })) {
        if (!message.signal.aborted) stolenBeforeAbort.push(m.MessageId!);
      }
      await sleep(100);
    }
    const abortedAfterMs = Date.now() - receivedAt;

    expect(stolenBeforeAbort).toEqual([]);
    expect(message.signal.aborted).toBe(true);
    const reason = message.signal.reason as LeaseLostError;
    expect(reason).toBeInstanceOf(LeaseLostError);
    expect(reason.reason).toBe('maxExtend');
    expect(reason.message).toContain(message.messageId);
    expect(reason.message).toContain(`maxExtend budget of ${MAX_EXTEND_SECS}s`);
    // The lease cannot outlive the budget; it may end up to one visibility early, because
    // extensions come in whole visibility periods measured from when they are sent.
    expect(abortedAfterMs).toBeGreaterThanOrEqual((MAX_EXTEND_SECS - VISIBILITY_SECS) * 1000);
    expect(abortedAfterMs).toBeLessThan((MAX_EXTEND_SECS + 1.5) * 1000);

    // Acking a lost lease fails and sends nothing.
    await expect(message.ack()).rejects.toBeInstanceOf(LeaseLostError);
    expect(counts.DeleteMessageBatchCommand ?? 0).toBe(0);
    // The message comes back for another consumer once its visibility runs out.
    expect(await receiveIdsWithin(queueUrl, [id!], 3_000)).toEqual(new Set([id]));
    await stream.drained();
    expect(await queueCounts(queueUrl)).toEqual({ visible: 0, inFlight: 1, delayed: 0 });

    // It was extended, but no extension asked for visibility past maxExtend since receive.
    const extensions = requestsOf(log, 'ChangeMessageVisibilityBatchCommand');
    expect(extensions.length).toBeGreaterThanOrEqual(1);
    for (const request of extensions) {
      for (const entry of entriesOf(request)) {
        const endsAt = request.at + (entry.VisibilityTimeout ?? 0) * 1000;
        // 50 ms: our clock readings and the stream's differ by a few ms around the receive.
        expect(endsAt).toBeLessThanOrEqual(receivedAt + MAX_EXTEND_SECS * 1000 + 50);
      }
    }
  });
});
