/**
 * A handler may settle its message itself; the adapter then leaves it alone: an ack inside a
 * handler that then fails still deletes, a `nack({ delaySeconds: 0 })` inside a handler that then
 * succeeds brings the message back at once (the queue's visibility is 30 s), not deleted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  BatchResult,
  batchListener,
  type LeasedMessage,
  type Logger,
  perMessageListener,
} from '../../src/index.js';
import { startListener, stopAllListeners } from '../support/listen.js';
import {
  countingClient,
  createQueue,
  eventually,
  numbered,
  queueCounts,
  sendMessages,
} from '../support/sqs.js';

afterEach(stopAllListeners);

/** A logger that keeps the lines, to check the adapter did not try to settle again. */
function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (message: string) => {
    lines.push(`${level} ${message}`);
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

const empty = (queueUrl: string) => async () => {
  const c = await queueCounts(queueUrl);
  return c.visible + c.inFlight + c.delayed === 0;
};

describe('messages settled by the handler', () => {
  it('per-message: ack() then throw → deleted; nack({ delaySeconds: 0 }) then success → back at once', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    const [ackThenThrow, nackThenOk, falseAfterAck] = await sendMessages(queueUrl, numbered(3));
    const deliveries = new Map<string, number[]>();
    const handler = async (m: LeasedMessage) => {
      deliveries.set(m.messageId, [...(deliveries.get(m.messageId) ?? []), Date.now()]);
      if (m.messageId === ackThenThrow) {
        await m.ack();
        throw new Error('after ack');
      }
      if (m.messageId === falseAfterAck) {
        await m.ack();
        return false;
      }
      // nackThenOk: give it back at once on the first delivery, succeed on the second.
      if (m.receiveCount === 1) await m.nack({ delaySeconds: 0 });
      return true;
    };
    const { client } = countingClient();
    const logger = recordingLogger();
    const run = startListener(perMessageListener(handler, { logger, env: {} }), queueUrl, {
      client,
      visibilitySecs: 30,
    });
    try {
      expect(await eventually(() => (deliveries.get(nackThenOk!)?.length ?? 0) >= 2, 10_000)).toBe(
        true,
      );
      expect(await eventually(empty(queueUrl), 10_000)).toBe(true);
    } finally {
      await run.stop();
    }
    // Back well before the 30 s visibility: the adapter did not override the handler's nack.
    const [first, second] = deliveries.get(nackThenOk!)!;
    expect(second! - first!).toBeLessThan(10_000);
    // Acked by the handler: deleted, never delivered again, although the handler failed after.
    expect(deliveries.get(ackThenThrow!)).toHaveLength(1);
    expect(deliveries.get(falseAfterAck!)).toHaveLength(1);
    // The adapter did not try to settle them again (a conflicting settle would be logged).
    expect(logger.lines.filter((l) => /ack failed|nack failed/.test(l))).toEqual([]);
    expect(await queueCounts(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('batch: a message the handler acked stays deleted when the result fails it; one it nacked comes back', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    const ids = await sendMessages(queueUrl, numbered(4));
    const [acked, nacked] = ids;
    const deliveries = new Map<string, number>();
    const handler = async (batch: LeasedMessage[]) => {
      for (const m of batch) deliveries.set(m.messageId, (deliveries.get(m.messageId) ?? 0) + 1);
      const mine = batch.filter((m) => m.messageId === acked);
      for (const m of mine) await m.ack();
      for (const m of batch)
        if (m.messageId === nacked && m.receiveCount === 1) await m.nack({ delaySeconds: 0 });
      // Fail the acked message in the result: it must stay deleted.
      return BatchResult.failed(mine);
    };
    const { client } = countingClient();
    const logger = recordingLogger();
    const run = startListener(batchListener(handler, { logger, env: {} }), queueUrl, {
      client,
      visibilitySecs: 30,
    });
    let result: Awaited<ReturnType<typeof run.stop>>;
    try {
      expect(await eventually(() => (deliveries.get(nacked!) ?? 0) >= 2, 10_000)).toBe(true);
      expect(await eventually(empty(queueUrl), 10_000)).toBe(true);
    } finally {
      result = await run.stop();
    }
    expect(ids.map((id) => deliveries.get(id))).toEqual([1, 2, 1, 1]);
    expect(result.processed).toBe(5);
    expect(logger.lines.filter((l) => /ack failed|nack failed/.test(l))).toEqual([]);
    expect(await queueCounts(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });
});
