/**
 * Batch-mode failure kinds on fauxqs: messages a batch result names (`reported_failed`), the
 * later messages of their FIFO group (`fifo_order`), a result that cannot be read
 * (`invalid_result`), and a filter that throws (`filter_threw`). The kinds add up to the
 * listener's `failed`, and none of the messages is deleted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { batchListener, type LeasedMessage, silentLogger } from '../../src/index.js';
import { countersOf } from '../../src/listeners/listener-counters.js';
import { createInMemorySqs } from '../../src/testing/index.js';
import { startListener, stopAllListeners } from '../support/listen.js';
import { createQueue, eventually, queueCounts, sendMessages } from '../support/sqs.js';

afterEach(stopAllListeners);

const sum = (record: Record<string, number>) => Object.values(record).reduce((a, b) => a + b, 0);

describe('failure kinds (batch mode)', () => {
  it('FIFO: the reported message and the later ones of its group; a throwing filter', async () => {
    // The in-memory SQS hands a group's messages out together, as SQS may: one batch.
    const sqs = createInMemorySqs();
    const queueUrl = sqs.createQueue('orders.fifo', { visibilityTimeout: 60 });
    for (const body of ['a1', 'a2', 'a3']) sqs.sendMessage(queueUrl, body, { groupId: 'a' });
    sqs.sendMessage(queueUrl, 'filter-throws', { groupId: 'b' });
    let handled = 0;
    const listener = batchListener(
      (batch: LeasedMessage[]) => {
        handled += batch.length;
        const first = batch.find((m) => m.body === 'a1');
        return { batchItemFailures: first ? [{ itemIdentifier: first.messageId }] : [] };
      },
      {
        logger: silentLogger,
        env: {},
        filter: (m) => {
          if (m.body === 'filter-throws') throw new Error('filter bug');
          return true;
        },
      },
    );
    const run = startListener(listener, queueUrl, { client: sqs.client, visibilitySecs: 60 });
    expect(await eventually(() => handled >= 3, 10_000)).toBe(true);
    const result = await run.stop();
    const failures = countersOf(listener)?.snapshot().failures;
    expect(failures).toMatchObject({ reported_failed: 1, fifo_order: 2, filter_threw: 1 });
    expect(sum(failures ?? {})).toBe(result.failed);
    expect(sqs.deleted(queueUrl)).toEqual([]);
  });

  it('a result that cannot be read fails the whole batch as invalid_result', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 60 });
    await sendMessages(queueUrl, ['x', 'y']);
    let handled = 0;
    const listener = batchListener(
      (batch: LeasedMessage[]) => {
        handled += batch.length;
        return 'not a batch result' as never;
      },
      { logger: silentLogger, env: {} },
    );
    const run = startListener(listener, queueUrl, { visibilitySecs: 60 });
    expect(await eventually(() => handled >= 2, 10_000)).toBe(true);
    const result = await run.stop();
    const failures = countersOf(listener)?.snapshot().failures;
    expect(failures?.invalid_result).toBe(2);
    expect(sum(failures ?? {})).toBe(result.failed);
    const left = await queueCounts(queueUrl);
    expect(left.visible + left.inFlight).toBe(2);
  });
});
