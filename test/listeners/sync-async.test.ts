/** Sync and async handlers both work, in both adapters, and their results are honoured. */
import { afterAll, describe, expect, it } from 'vitest';
import {
  batchListener,
  type LeasedMessage,
  type Listener,
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
  sendMessages,
} from '../support/sqs.js';

// Concurrent tests stop their own listeners; this only catches leftovers.
afterAll(stopAllListeners);

const options = { logger: silentLogger, env: {} };
const even = (m: LeasedMessage) => (m.json as { n: number }).n % 2 === 0;

/** Runs a listener that fails odd messages on first delivery; 4 messages, visibility 1 s. */
async function run(listener: (seen: Map<string, number>) => Listener) {
  const { queueUrl } = await createQueue({ visibilitySecs: 1 });
  const ids = await sendMessages(queueUrl, numbered(4));
  const seen = new Map<string, number>();
  const { client } = countingClient();
  const running = startListener(listener(seen), queueUrl, { client, visibilitySecs: 1 });
  try {
    expect(
      await eventually(() => ids.every((id, n) => seen.get(id) === (n % 2 ? 2 : 1)), 10_000),
    ).toBe(true);
    expect(
      await eventually(async () => {
        const c = await queueCounts(queueUrl);
        return c.visible + c.inFlight + c.delayed === 0;
      }, 10_000),
    ).toBe(true);
  } finally {
    const result = await running.stop();
    expect(result).toEqual({
      processed: 6,
      succeeded: 4,
      failed: 2,
      gaveUp: 0,
      filtered: 0,
      released: 0,
    });
  }
}

const count = (seen: Map<string, number>, m: LeasedMessage) =>
  seen.set(m.messageId, (seen.get(m.messageId) ?? 0) + 1);
const retried = (m: LeasedMessage) => m.receiveCount > 1;

describe.concurrent('sync and async handlers', () => {
  it('per-message, sync handler returning a boolean', async () => {
    await run((seen) =>
      perMessageListener((m) => {
        count(seen, m);
        return even(m) || retried(m);
      }, options),
    );
  });

  it('per-message, async handler resolving a boolean', async () => {
    await run((seen) =>
      perMessageListener(async (m) => {
        await new Promise((r) => setTimeout(r, 5));
        count(seen, m);
        return even(m) || retried(m);
      }, options),
    );
  });

  it('per-message, thenables: awaited like promises; a `then` getter that throws fails the message', async () => {
    await run((seen) =>
      perMessageListener((m) => {
        count(seen, m);
        if (even(m) || retried(m)) {
          // biome-ignore lint/suspicious/noThenProperty: a thenable that is not a Promise is the point
          return { then: (resolve: (ok: boolean) => void) => resolve(true) };
        }
        return Object.defineProperty({}, 'then', {
          get() {
            throw new Error('then getter');
          },
        });
      }, options),
    );
  });

  it('batch, sync handler returning batchItemFailures', async () => {
    await run((seen) =>
      batchListener((batch) => {
        for (const m of batch) count(seen, m);
        return {
          batchItemFailures: batch
            .filter((m) => !even(m) && !retried(m))
            .map((m) => ({ itemIdentifier: m.messageId })),
        };
      }, options),
    );
  });

  it('batch, async handler resolving batchItemFailures', async () => {
    await run((seen) =>
      batchListener(async (batch) => {
        await new Promise((r) => setTimeout(r, 5));
        for (const m of batch) count(seen, m);
        return {
          batchItemFailures: batch
            .filter((m) => !even(m) && !retried(m))
            .map((m) => ({ itemIdentifier: m.messageId })),
        };
      }, options),
    );
  });
});
