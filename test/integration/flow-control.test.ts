import { describe, expect, it } from 'vitest';
import { sqsMessages } from '../../src/index.js';
import {
  countingClient,
  createQueue,
  messagesOf,
  nextSeq,
  numbered,
  queueCounts,
  requestsOf,
  sendMessages,
  sleep,
} from '../support/sqs.js';

const MAX_IN_FLIGHT = 5;

describe('flow control', () => {
  it('never leases more than maxInFlight messages, in hand or asked for', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    const sent = await sendMessages(queueUrl, numbered(50));
    const { client, log } = countingClient();
    const stream = sqsMessages(queueUrl, {
      client,
      maxInFlight: MAX_IN_FLIGHT,
      waitTime: 1,
      idleSleepMax: 0,
    });

    // An eager consumer: it takes every message it is given at once and settles each a little
    // later, so only the stream's flow control limits how many it holds.
    let unsettled = 0;
    let mostUnsettled = 0;
    const ackSeqs: number[] = [];
    const handled = new Set<string>();
    const settling: Promise<void>[] = [];
    for await (const message of stream) {
      unsettled++;
      mostUnsettled = Math.max(mostUnsettled, unsettled);
      settling.push(
        (async () => {
          await sleep(5 + Math.random() * 20);
          handled.add(message.messageId);
          unsettled--;
          ackSeqs.push(nextSeq());
          await message.ack();
        })(),
      );
      if (settling.length === sent.length) break;
    }
    await Promise.all(settling);
    await stream.drained();

    expect(handled).toEqual(new Set(sent));
    expect(await queueCounts(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    expect(mostUnsettled).toBeLessThanOrEqual(MAX_IN_FLIGHT);
    // The consumer really was eager: it held more than one message at a time.
    expect(mostUnsettled).toBeGreaterThan(1);

    // From the request log: when each receive went out, the messages received and not yet
    // acked plus what every receive still open asked for never exceeded maxInFlight.
    const receives = requestsOf(log, 'ReceiveMessageCommand');
    for (const receive of receives) {
      const asked = receive.input.MaxNumberOfMessages as number;
      expect(asked).toBeLessThanOrEqual(MAX_IN_FLIGHT);
      const at = receive.seq;
      const received = receives
        .filter((r) => r.doneSeq !== undefined && r.doneSeq < at)
        .reduce((n, r) => n + messagesOf(r).length, 0);
      const acked = ackSeqs.filter((seq) => seq < at).length;
      const open = receives
        .filter((r) => r.seq <= at && (r.doneSeq === undefined || r.doneSeq > at))
        .reduce((n, r) => n + (r.input.MaxNumberOfMessages as number), 0);
      expect(received - acked + open).toBeLessThanOrEqual(MAX_IN_FLIGHT);
    }
  });
});
