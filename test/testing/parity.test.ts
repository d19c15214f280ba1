/**
 * The in-memory SQS must behave like SQS where this library depends on it. Each scenario runs
 * unchanged against fauxqs (a real SQS-compatible server) and against the in-memory SQS, and
 * asserts the same outcomes. Scenarios fauxqs cannot show (the 12-hour limit) are in
 * in-memory-sqs.test.ts.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import { describe, expect, it, type TestContext } from 'vitest';
import { type LeasedMessage, perMessageListener, sqsMessages } from '../../src/index.js';
import { silentLogger } from '../../src/shared/logger.js';
import { backends, countsOn, createQueueOn, receiveOn, sendOn } from '../support/backends.js';
import { type RunningListener, startListener } from '../support/listen.js';
import { eventually, sleep } from '../support/sqs.js';

/** Starts a listener that is stopped when the test ends, pass or fail (tests run concurrently). */
function listen(context: TestContext, ...args: Parameters<typeof startListener>): RunningListener {
  const run = startListener(...args);
  context.onTestFinished(async () => {
    await run.stop();
  });
  return run;
}

async function errorName(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'no error';
  } catch (error) {
    return (error as Error).name;
  }
}

describe.each(backends)('$name', ({ make }) => {
  describe.concurrent('scenarios', () => {
    it('a listener that succeeds deletes every message: the queue ends empty', async (context) => {
      const backend = make();
      const { queueUrl } = await createQueueOn(backend);
      const ids = await sendOn(
        backend,
        queueUrl,
        Array.from({ length: 25 }, (_, n) => ({ n })),
      );
      const handled = new Set<string>();
      const run = listen(
        context,
        perMessageListener((m) => {
          handled.add(m.messageId);
        }),
        queueUrl,
        { client: backend.client },
      );
      const empty = async () => {
        const c = await countsOn(backend, queueUrl);
        return handled.size === 25 && c.visible + c.inFlight === 0;
      };
      expect(await eventually(empty, 10_000, 50)).toBe(true);
      const result = await run.stop();
      expect(result).toMatchObject({ processed: 25, succeeded: 25, failed: 0 });
      expect([...handled].sort()).toEqual([...ids].sort());
      expect(await countsOn(backend, queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    });

    it('a message that keeps failing moves to the DLQ after maxReceiveCount receives', async (context) => {
      const backend = make();
      const { queueUrl, dlqUrl } = await createQueueOn(backend, { maxReceiveCount: 2 });
      const [poisonId] = await sendOn(backend, queueUrl, [{ poison: true }, { ok: 1 }, { ok: 2 }]);
      const tries: number[] = [];
      const run = listen(
        context,
        perMessageListener((m) => {
          if (m.messageId !== poisonId) return true;
          tries.push(m.receiveCount);
          return false;
        }),
        queueUrl,
        { client: backend.client, visibilitySecs: 1 },
      );
      const inDlq = async () => (await countsOn(backend, dlqUrl!)).visible === 1;
      expect(await eventually(inDlq, 10_000, 50)).toBe(true);
      await run.stop();
      expect(tries).toEqual([1, 2]);
      expect(await countsOn(backend, queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
      const [dead] = await receiveOn(backend, dlqUrl!);
      expect(dead?.MessageId).toBe(poisonId);
      expect(JSON.parse(dead?.Body ?? '')).toEqual({ poison: true });
    });

    it('every receive issues a new receipt handle; the old one no longer works', async () => {
      const backend = make();
      const { queueUrl } = await createQueueOn(backend);
      await sendOn(backend, queueUrl, ['one']);
      const [first] = await receiveOn(backend, queueUrl);
      await backend.client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: first!.ReceiptHandle!,
          VisibilityTimeout: 0,
        }),
      );
      const [second] = await receiveOn(backend, queueUrl);
      expect(second?.MessageId).toBe(first?.MessageId);
      expect(second?.ReceiptHandle).not.toBe(first?.ReceiptHandle);
      expect(second?.Attributes?.ApproximateReceiveCount).toBe('2');

      const extendOld = await backend.client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: [{ Id: 'a', ReceiptHandle: first!.ReceiptHandle!, VisibilityTimeout: 60 }],
        }),
      );
      expect(extendOld.Failed?.map((f) => f.Code)).toEqual(['ReceiptHandleIsInvalid']);
      // A delete with the old handle deletes nothing (fauxqs reports success, the in-memory SQS
      // reports the entry failed); the message is still there.
      await backend.client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: [{ Id: 'a', ReceiptHandle: first!.ReceiptHandle! }],
        }),
      );
      expect(await countsOn(backend, queueUrl)).toMatchObject({ inFlight: 1 });
      const deleteNew = await backend.client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: [{ Id: 'a', ReceiptHandle: second!.ReceiptHandle! }],
        }),
      );
      expect(deleteNew.Successful?.map((s) => s.Id)).toEqual(['a']);
      expect(await countsOn(backend, queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    });

    it('batch requests take 1 to 10 entries with distinct ids', async () => {
      const backend = make();
      const { queueUrl } = await createQueueOn(backend);
      await sendOn(backend, queueUrl, ['x']);
      const [m] = await receiveOn(backend, queueUrl);
      const entry = (Id: string) => ({
        Id,
        ReceiptHandle: m!.ReceiptHandle!,
        VisibilityTimeout: 5,
      });
      const eleven = Array.from({ length: 11 }, (_, i) => entry(`e${i}`));
      for (const Command of [DeleteMessageBatchCommand, ChangeMessageVisibilityBatchCommand]) {
        const send = (Entries: ReturnType<typeof entry>[]) =>
          backend.client.send(new Command({ QueueUrl: queueUrl, Entries }));
        expect(await errorName(send(eleven))).toBe('TooManyEntriesInBatchRequest');
        expect(await errorName(send([entry('same'), entry('same')]))).toBe(
          'BatchEntryIdsNotDistinct',
        );
        expect(await errorName(send([]))).toBe('EmptyBatchRequest');
      }
      // Nothing was applied by the refused requests.
      expect(await countsOn(backend, queueUrl)).toEqual({ visible: 0, inFlight: 1, delayed: 0 });
    });

    it('a received message is hidden for its visibility timeout, then comes back', async () => {
      const backend = make();
      const { queueUrl } = await createQueueOn(backend);
      await sendOn(backend, queueUrl, ['again']);
      const [first] = await receiveOn(backend, queueUrl, { visibilitySecs: 1 });
      expect(first?.Attributes?.ApproximateReceiveCount).toBe('1');
      expect(await receiveOn(backend, queueUrl)).toEqual([]);
      expect(await countsOn(backend, queueUrl)).toEqual({ visible: 0, inFlight: 1, delayed: 0 });
      await sleep(1_200);
      const [again] = await receiveOn(backend, queueUrl);
      expect(again?.MessageId).toBe(first?.MessageId);
      expect(again?.Attributes?.ApproximateReceiveCount).toBe('2');
    });

    it('a long poll returns as soon as a message arrives, and an abort ends it at once', async () => {
      const backend = make();
      const { queueUrl } = await createQueueOn(backend);
      const started = Date.now();
      const polling = receiveOn(backend, queueUrl, { waitTime: 5 });
      await sleep(200);
      const [id] = await sendOn(backend, queueUrl, ['late']);
      const got = await polling;
      expect(got.map((m) => m.MessageId)).toEqual([id]);
      expect(Date.now() - started).toBeLessThan(2_000);

      const controller = new AbortController();
      const aborted = receiveOn(backend, queueUrl, { waitTime: 5, signal: controller.signal });
      await sleep(100);
      const abortedAt = Date.now();
      controller.abort();
      expect(await errorName(aborted)).toBe('AbortError');
      expect(Date.now() - abortedAt).toBeLessThan(500);
    });

    it('message attributes and system attributes reach the LeasedMessage', async () => {
      const backend = make();
      const { queueUrl } = await createQueueOn(backend, { fifo: true });
      const before = Date.now();
      await sendOn(backend, queueUrl, [{ hello: 'world' }], () => ({
        MessageGroupId: 'g1',
        MessageAttributes: {
          priority: { DataType: 'String', StringValue: 'high' },
          tries: { DataType: 'Number', StringValue: '3' },
          blob: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2, 3]) },
        },
      }));
      const controller = new AbortController();
      const stream = sqsMessages(queueUrl, {
        client: backend.client,
        signal: controller.signal,
        waitTime: 1,
        idleSleepMax: 0,
        logger: silentLogger,
        env: {},
      });
      let message: LeasedMessage | undefined;
      for await (const m of stream) {
        message = m;
        await m.ack();
        break;
      }
      await stream.drained();
      expect(message?.json).toEqual({ hello: 'world' });
      const attributes = message!.messageAttributes();
      expect(attributes.priority).toBe('high');
      expect(attributes.tries).toBe(3);
      expect([...(attributes.blob as Uint8Array)]).toEqual([1, 2, 3]);
      expect(message?.receiveCount).toBe(1);
      expect(message?.groupId).toBe('g1');
      expect(message!.sentAt!.getTime()).toBeGreaterThanOrEqual(before - 1_000);
      expect(message!.sentAt!.getTime()).toBeLessThanOrEqual(Date.now());
      expect(await countsOn(backend, queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    });

    it('FIFO: each group is handled in send order, one message at a time', async (context) => {
      const backend = make();
      const { queueUrl } = await createQueueOn(backend, { fifo: true });
      const groups = ['a', 'b', 'c'];
      const bodies = groups.flatMap((g) => [0, 1, 2, 3].map((i) => ({ g, i })));
      await sendOn(backend, queueUrl, bodies, (n) => ({ MessageGroupId: bodies[n]!.g }));
      const seen: Record<string, number[]> = { a: [], b: [], c: [] };
      const running = new Set<string>();
      let overlapped = false;
      const run = listen(
        context,
        perMessageListener(
          async (m) => {
            const { g, i } = m.json as { g: string; i: number };
            if (running.has(g)) overlapped = true;
            running.add(g);
            await sleep(20);
            seen[g]!.push(i);
            running.delete(g);
          },
          { workerThreads: 3 },
        ),
        queueUrl,
        { client: backend.client },
      );
      const done = () => Object.values(seen).every((s) => s.length === 4);
      expect(await eventually(done, 10_000, 50)).toBe(true);
      await run.stop();
      expect(seen).toEqual({ a: [0, 1, 2, 3], b: [0, 1, 2, 3], c: [0, 1, 2, 3] });
      expect(overlapped).toBe(false);
      expect(await countsOn(backend, queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    });

    it('ending a stream early gives back what was received but not handed out', async () => {
      const backend = make();
      const { queueUrl } = await createQueueOn(backend);
      await sendOn(
        backend,
        queueUrl,
        Array.from({ length: 10 }, (_, n) => ({ n })),
      );
      const stream = sqsMessages(queueUrl, {
        client: backend.client,
        waitTime: 0,
        batchSize: 10,
        maxInFlight: 10,
        concurrentReceives: 1,
        idleSleepMax: 0,
        logger: silentLogger,
        env: {},
      });
      for await (const m of stream) {
        await m.ack();
        break;
      }
      await stream.drained();
      const stats = stream.stats();
      expect(stats.received).toBe(10);
      expect(stats.released).toBe(9);
      expect(await countsOn(backend, queueUrl)).toEqual({ visible: 9, inFlight: 0, delayed: 0 });
    });
  });
});
