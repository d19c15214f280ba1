/**
 * Failures are retried by SQS itself: a message that always fails is moved to the DLQ after
 * maxReceiveCount deliveries, for both adapters, and everything else is deleted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  BatchResult,
  batchListener,
  type LeasedMessage,
  perMessageListener,
  silentLogger,
} from '../../src/index.js';
import { startListener, stopAllListeners } from '../support/listen.js';
import {
  countingClient,
  createQueue,
  eventually,
  numbered,
  queueCounts,
  receiveNow,
  sendMessages,
} from '../support/sqs.js';

afterEach(stopAllListeners);

const MAX_RECEIVES = 2;

async function expectRedriven(queueUrl: string, dlqUrl: string, poison: string[]) {
  // The source queue ends empty and the DLQ holds the poison messages (and only them).
  expect(
    await eventually(async () => {
      const [source, dlq] = await Promise.all([queueCounts(queueUrl), queueCounts(dlqUrl)]);
      return (
        source.visible + source.inFlight + source.delayed === 0 && dlq.visible === poison.length
      );
    }, 20_000),
  ).toBe(true);
  const inDlq = await receiveNow(dlqUrl);
  expect(inDlq.map((m) => m.MessageId).sort()).toEqual([...poison].sort());
}

describe('redrive to the DLQ', () => {
  it('per-message: always-failing messages end in the DLQ after maxReceiveCount deliveries', async () => {
    const { queueUrl, dlqUrl } = await createQueue({
      visibilitySecs: 1,
      maxReceiveCount: MAX_RECEIVES,
    });
    const ids = await sendMessages(queueUrl, numbered(6));
    const poison = ids.filter((_, n) => n % 3 === 0);
    const deliveries = new Map<string, number>();
    const handler = (m: LeasedMessage) => {
      deliveries.set(m.messageId, (deliveries.get(m.messageId) ?? 0) + 1);
      if (poison.includes(m.messageId)) throw new Error('poison');
    };
    const { client } = countingClient();
    const run = startListener(
      perMessageListener(handler, { logger: silentLogger, env: {} }),
      queueUrl,
      {
        client,
        visibilitySecs: 1,
      },
    );
    await expectRedriven(queueUrl, dlqUrl!, poison);
    const result = await run.stop();
    for (const id of ids) expect(deliveries.get(id)).toBe(poison.includes(id) ? MAX_RECEIVES : 1);
    expect(result).toEqual({
      processed: 4 + poison.length * MAX_RECEIVES,
      succeeded: 4,
      failed: poison.length * MAX_RECEIVES,
      gaveUp: 0,
      filtered: 0,
      released: 0,
    });
  });

  it('batch: messages failed by BatchResult end in the DLQ; the rest of each batch is deleted', async () => {
    const { queueUrl, dlqUrl } = await createQueue({
      visibilitySecs: 1,
      maxReceiveCount: MAX_RECEIVES,
    });
    const ids = await sendMessages(queueUrl, numbered(8));
    const poison = ids.filter((_, n) => n % 4 === 1);
    const deliveries = new Map<string, number>();
    const handler = (batch: LeasedMessage[]) => {
      for (const m of batch) deliveries.set(m.messageId, (deliveries.get(m.messageId) ?? 0) + 1);
      return BatchResult.failed(batch.filter((m) => poison.includes(m.messageId)));
    };
    const { client } = countingClient();
    const run = startListener(batchListener(handler, { logger: silentLogger, env: {} }), queueUrl, {
      client,
      visibilitySecs: 1,
    });
    await expectRedriven(queueUrl, dlqUrl!, poison);
    const result = await run.stop();
    for (const id of ids) expect(deliveries.get(id)).toBe(poison.includes(id) ? MAX_RECEIVES : 1);
    expect(result).toEqual({
      processed: 6 + poison.length * MAX_RECEIVES,
      succeeded: 6,
      failed: poison.length * MAX_RECEIVES,
      gaveUp: 0,
      filtered: 0,
      released: 0,
    });
  });
});
