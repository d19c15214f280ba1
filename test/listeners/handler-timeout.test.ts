/** handlerTimeout: the signal aborts, the message comes back, a late ack is refused, the listener goes on. */
import { afterEach, describe, expect, it } from 'vitest';
import {
  batchListener,
  type LeasedMessage,
  LeaseLostError,
  perMessageListener,
} from '../../src/index.js';
import { silentLogger } from '../../src/shared/logger.js';
import { startListener, stopAllListeners } from '../support/listen.js';
import {
  countingClient,
  createQueue,
  eventually,
  queueCounts,
  requestsOf,
  sendMessages,
  sleep,
} from '../support/sqs.js';

afterEach(stopAllListeners);

function untilAborted(signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve) =>
    signal.addEventListener('abort', () => resolve(signal.reason), { once: true }),
  );
}

describe('handlerTimeout', () => {
  it('aborts a handler waiting on its signal, the message reappears and the listener keeps going', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 1 });
    const [stuckId] = await sendMessages(queueUrl, ['stuck-once']);
    const reasons: unknown[] = [];
    const deliveries: number[] = [];
    const listener = perMessageListener(
      async (m: LeasedMessage) => {
        deliveries.push(m.receiveCount);
        // The first delivery waits forever on its signal; the second one succeeds.
        if (m.body === 'stuck-once' && m.receiveCount === 1)
          reasons.push(await untilAborted(m.signal));
      },
      { handlerTimeout: 1, workerThreads: 1, logger: silentLogger, env: {} },
    );
    const run = startListener(listener, queueUrl, {
      client: countingClient().client,
      visibilitySecs: 1,
    });
    await sendMessages(queueUrl, ['later']);
    expect(await eventually(() => deliveries.length === 3, 15_000)).toBe(true);
    const result = await run.stop();
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toBeInstanceOf(LeaseLostError);
    expect((reasons[0] as LeaseLostError).reason).toBe('handlerTimeout');
    expect((reasons[0] as LeaseLostError).messageId).toBe(stuckId);
    expect(result).toMatchObject({ processed: 3, succeeded: 2, failed: 1 });
    expect(await queueCounts(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('a handler ignoring its signal cannot ack after the timeout: the message comes again', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 1 });
    await sendMessages(queueUrl, ['slow']);
    const { client, log } = countingClient();
    const lateAcks: unknown[] = [];
    let deliveries = 0;
    const listener = perMessageListener(
      async (m: LeasedMessage) => {
        deliveries++;
        if (m.receiveCount > 1) return; // the redelivery is quick and succeeds
        await sleep(1_800); // ignores m.signal
        lateAcks.push(
          await m.ack().then(
            () => 'acked',
            (e: unknown) => e,
          ),
        );
      },
      { handlerTimeout: 0.5, workerThreads: 2, logger: silentLogger, env: {} },
    );
    const run = startListener(listener, queueUrl, { client, visibilitySecs: 1 });
    expect(await eventually(() => lateAcks.length === 1 && deliveries === 2, 15_000)).toBe(true);
    await run.stop();
    expect(lateAcks[0]).toBeInstanceOf(LeaseLostError);
    // Only the redelivery's delete went out.
    const deletes = requestsOf(log, 'DeleteMessageBatchCommand').flatMap(
      (r) => r.input.Entries as unknown[],
    );
    expect(deletes).toHaveLength(1);
    expect(await queueCounts(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('in batch mode aborts every message of the batch and gives them all back', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 1 });
    await sendMessages(queueUrl, ['a', 'b', 'c']);
    const aborted = new Set<string>();
    let calls = 0;
    const listener = batchListener(
      async (batch: LeasedMessage[]) => {
        calls++;
        if (batch.some((m) => m.receiveCount === 1)) {
          await Promise.all(
            batch.map((m) => untilAborted(m.signal).then(() => aborted.add(m.messageId))),
          );
        }
      },
      { handlerTimeout: 0.5, batchWindowMs: 200, logger: silentLogger, env: {} },
    );
    const run = startListener(listener, queueUrl, {
      client: countingClient().client,
      visibilitySecs: 1,
    });
    const emptied = async () => {
      const { visible, inFlight } = await queueCounts(queueUrl);
      return aborted.size === 3 && visible + inFlight === 0;
    };
    expect(await eventually(emptied, 15_000)).toBe(true);
    await run.stop();
    expect(calls).toBeGreaterThanOrEqual(2);
  });
});
