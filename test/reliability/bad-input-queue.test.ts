/**
 * Bad queue URLs against fauxqs. Malformed URLs are refused at creation (more shapes in
 * test/unit/config.test.ts); a URL naming no queue ends the iteration with a ReceiveError
 * (code QueueDoesNotExist) after one receive, not a hot loop.
 *
 * FIFO "with a non-FIFO setting": SQS ties FIFO-ness to the name (a FIFO queue's name must end
 * in `.fifo`, a standard one's must not), so a `.fifo` URL can never point to a standard queue
 * nor the reverse: adding or dropping the suffix names a queue that does not exist, which is the
 * same QueueDoesNotExist error. What a user can get wrong is consuming a FIFO queue with
 * settings made for standard queues (several workers, batches of 10): that must still work,
 * each message handled once and every group in order.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConfigError,
  type LeasedMessage,
  perMessageListener,
  ReceiveError,
  silentLogger,
  sqsMessages,
} from '../../src/index.js';
import { startListener, stopAllListeners } from '../support/listen.js';
import {
  countingClient,
  createQueue,
  eventually,
  queueCounts,
  requestsOf,
  sendMessages,
} from '../support/sqs.js';

afterEach(stopAllListeners);

describe('queue URL', () => {
  it.each([
    ['no scheme', 'sqs.us-east-1.amazonaws.com/123456789012/q'],
    ['a trailing slash', 'https://sqs.us-east-1.amazonaws.com/123456789012/q/'],
    ['a fragment', 'https://sqs.us-east-1.amazonaws.com/123456789012/q#x'],
    ['a newline', 'https://sqs.us-east-1.amazonaws.com/123456789012/q\n'],
  ])('malformed (%s): ConfigError naming queueUrl, before any request', (_what, url) => {
    const { client, counts } = countingClient();
    expect(() => sqsMessages(url, { client, env: {} })).toThrow(ConfigError);
    expect(() => sqsMessages(url, { client, env: {} })).toThrow(
      `Invalid option queueUrl (environment variable QUEUE_URL): got ${JSON.stringify(url)}; allowed: an SQS queue URL of the form https://sqs.<region>.amazonaws.com/<account-id>/<queue-name> (an emulator: http://<host>:<port>/<account-id>/<queue-name>). To give the queue by name instead, pass queueName (env QUEUE_NAME)`,
    );
    expect(counts).toEqual({});
  });

  async function missingQueue(url: string) {
    const { client, log } = countingClient();
    const stream = sqsMessages(url, { client, waitTime: 1, idleSleepMax: 0, env: {} });
    const startedAt = Date.now();
    let error: unknown;
    try {
      for await (const _ of stream) throw new Error('no message expected');
    } catch (e) {
      error = e;
    }
    // No hot loop: the stream ended after its first receive(s) and sends nothing more.
    const receives = requestsOf(log, 'ReceiveMessageCommand').length;
    await new Promise((r) => setTimeout(r, 500));
    expect(requestsOf(log, 'ReceiveMessageCommand').length).toBe(receives);
    expect(receives).toBeLessThanOrEqual(stream.config.concurrentReceives ?? 1);
    expect(Date.now() - startedAt).toBeLessThan(5_000);
    return error;
  }

  it('naming a queue that does not exist: ReceiveError QueueDoesNotExist, no hot loop', async () => {
    const { queueUrl } = await createQueue();
    const url = queueUrl.replace(/[^/]+$/, 'no-such-queue-x1');
    const error = await missingQueue(url);
    expect(error).toBeInstanceOf(ReceiveError);
    expect(error).toMatchObject({ code: 'QueueDoesNotExist', retryable: false, queueUrl: url });
    expect((error as Error).message).toBe(
      `Cannot receive from ${url}: QueueDoesNotExist: The specified queue does not exist.`,
    );
  });

  it('a standard queue URL with .fifo appended: the same QueueDoesNotExist', async () => {
    const { queueUrl } = await createQueue();
    const error = await missingQueue(`${queueUrl}.fifo`);
    expect(error).toBeInstanceOf(ReceiveError);
    expect(error).toMatchObject({ code: 'QueueDoesNotExist' });
  });

  it('a FIFO queue URL without its .fifo suffix: the same QueueDoesNotExist', async () => {
    const { queueUrl } = await createQueue({ fifo: true });
    const error = await missingQueue(queueUrl.replace(/\.fifo$/, ''));
    expect(error).toBeInstanceOf(ReceiveError);
    expect(error).toMatchObject({ code: 'QueueDoesNotExist' });
  });

  it('a FIFO queue consumed with standard-queue settings (8 workers, batches of 10): each message once, groups in order', async () => {
    const { queueUrl } = await createQueue({ fifo: true, visibilitySecs: 5 });
    const groups = ['a', 'b', 'c'];
    const bodies = Array.from({ length: 24 }, (_, n) => ({ group: groups[n % 3]!, n }));
    const sent = await sendMessages(queueUrl, bodies, (i) => ({
      MessageGroupId: bodies[i]!.group,
      MessageDeduplicationId: `d${i}`,
    }));
    const seen: Array<{ group: string; n: number; id: string }> = [];
    const handler = async (m: LeasedMessage) => {
      const body = m.json as { group: string; n: number };
      await new Promise((r) => setTimeout(r, 5));
      seen.push({ ...body, id: m.messageId });
    };
    const run = startListener(
      perMessageListener(handler, { workerThreads: 8, logger: silentLogger, env: {} }),
      queueUrl,
      { client: countingClient().client, batchSize: 10, visibilitySecs: 5 },
    );
    expect(
      await eventually(async () => {
        const c = await queueCounts(queueUrl);
        return c.visible + c.inFlight === 0;
      }, 20_000),
      `handled ${seen.length} of ${sent.length}: ${JSON.stringify(await queueCounts(queueUrl))}`,
    ).toBe(true);
    await run.stop();
    expect(seen.map((s) => s.id).sort()).toEqual([...sent].sort());
    for (const group of groups) {
      const order = seen.filter((s) => s.group === group).map((s) => s.n);
      expect(order).toEqual([...order].sort((x, y) => x - y));
    }
  });
});
