/**
 * The stop trade-off against a real server, which (like SQS) keeps a long poll open after the
 * client aborted it: with 'abort' (the default) a message sent just after the stop is taken by
 * that orphaned poll and hidden for a visibility timeout, a cost these tests pin; with 'finish'
 * the stream reads the poll to its end and gives the message back at once.
 */
import { describe, expect, it } from 'vitest';
import type { SqsMessagesOptions } from '../../src/core/stream-config.js';
import { sqsMessages } from '../../src/index.js';
import { silentLogger } from '../../src/shared/logger.js';
import {
  countingClient,
  createQueue,
  eventually,
  queueCounts,
  receiveNow,
  requestsOf,
  sendMessages,
  sleep,
} from '../support/sqs.js';

/**
 * Starts a consumer on an empty queue, stops it (options.signal) during its long poll, sends one
 * message right after the stop, and waits for the stream to drain.
 */
async function sendRightAfterStop(options: Partial<SqsMessagesOptions>) {
  const { queueUrl } = await createQueue({ visibilitySecs: 30 });
  const { client, log } = countingClient();
  const controller = new AbortController();
  const stream = sqsMessages(queueUrl, {
    client,
    signal: controller.signal,
    waitTime: 5,
    visibilitySecs: 3,
    idleSleepMax: 0,
    logger: silentLogger,
    env: {},
    ...options,
  });
  const seen: string[] = [];
  const consuming = (async () => {
    for await (const message of stream) seen.push(message.messageId);
  })();
  expect(
    await eventually(() =>
      requestsOf(log, 'ReceiveMessageCommand').some((r) => r.doneAt === undefined),
    ),
  ).toBe(true);
  // Past the stream's short grace for receives just sent: this one is an idle long poll.
  await sleep(500);
  controller.abort();
  const [id] = await sendMessages(queueUrl, ['sent after the stop']);
  await consuming;
  await stream.drained();
  return { queueUrl, id: id!, seen, stream };
}

describe('openPollsOnStop', () => {
  it("'abort' (default): the orphaned poll takes a message sent after the stop and hides it a visibility timeout", async () => {
    const { queueUrl, id, seen, stream } = await sendRightAfterStop({});

    expect(stream.config.openPollsOnStop).toBe('abort');
    expect(seen).toEqual([]);
    // Nobody reads what the orphaned poll took: in flight, invisible to everyone.
    expect(await eventually(async () => (await queueCounts(queueUrl)).inFlight === 1, 3_000)).toBe(
      true,
    );
    expect(await receiveNow(queueUrl)).toEqual([]);
    // Back after the 3 s visibility, with a receive counted against it.
    const back: Array<{ id: string | undefined; count: string | undefined }> = [];
    await eventually(async () => {
      for (const m of await receiveNow(queueUrl)) {
        back.push({ id: m.MessageId, count: m.Attributes?.ApproximateReceiveCount });
      }
      return back.length > 0;
    }, 8_000);
    expect(back).toEqual([{ id, count: '2' }]);
  });

  it("'finish': the stream reads the poll to its end and the message is visible right after drained()", async () => {
    const { queueUrl, id, seen, stream } = await sendRightAfterStop({ openPollsOnStop: 'finish' });

    expect(seen).toEqual([]);
    expect(stream.stats()).toMatchObject({ received: 1, released: 1, inFlight: 0 });
    const [m, ...rest] = await receiveNow(queueUrl);
    expect(rest).toEqual([]);
    expect(m?.MessageId).toBe(id);
    // Received once by the finished poll (and released), now by us.
    expect(m?.Attributes?.ApproximateReceiveCount).toBe('2');
  });

  it("'finish' ends when the poll does when nothing arrives, within a shorter shutdownTimeout", async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    const { client, log } = countingClient();
    const controller = new AbortController();
    const stream = sqsMessages(queueUrl, {
      client,
      signal: controller.signal,
      waitTime: 20,
      idleSleepMax: 0,
      shutdownTimeout: 1,
      openPollsOnStop: 'finish',
      logger: silentLogger,
      env: {},
    });
    const consuming = (async () => {
      for await (const message of stream) message.nack();
    })();
    await eventually(() =>
      requestsOf(log, 'ReceiveMessageCommand').some((r) => r.doneAt === undefined),
    );
    const stoppedAt = Date.now();
    controller.abort();
    await consuming;
    await stream.drained();
    const tookMs = Date.now() - stoppedAt;

    expect(tookMs).toBeGreaterThanOrEqual(800);
    expect(tookMs).toBeLessThan(10_000);
  });

  it("'abort': a break during an idle 20 s long poll returns at once", async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    await sendMessages(queueUrl, ['one']);
    const { client, log } = countingClient();
    // Default maxInFlight (20): while the one message is held, a second receive long-polls.
    const stream = sqsMessages(queueUrl, {
      client,
      idleSleepMax: 0,
      logger: silentLogger,
      env: {},
    });

    let breakAt = Number.NaN;
    for await (const message of stream) {
      await message.ack();
      await eventually(() =>
        requestsOf(log, 'ReceiveMessageCommand').some((r) => r.doneAt === undefined),
      );
      await sleep(500);
      breakAt = Date.now();
      break;
    }
    await stream.drained();
    const tookMs = Date.now() - breakAt;

    expect(requestsOf(log, 'ReceiveMessageCommand').at(-1)?.input.WaitTimeSeconds).toBe(20);
    expect(tookMs).toBeLessThan(3_000);
    expect(await queueCounts(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });
});
