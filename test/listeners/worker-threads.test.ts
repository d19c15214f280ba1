/** `workerThreads` bounds handler concurrency: it is reached, and never exceeded. */
import { afterEach, describe, expect, it } from 'vitest';
import { batchListener, perMessageListener, silentLogger } from '../../src/index.js';
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

function gauge() {
  let now = 0;
  const g = {
    max: 0,
    done: 0,
    async around(ms: number) {
      now++;
      g.max = Math.max(g.max, now);
      try {
        await new Promise((r) => setTimeout(r, ms));
      } finally {
        now--;
        g.done++;
      }
    },
  };
  return g;
}

const empty = (queueUrl: string) => async () => {
  const c = await queueCounts(queueUrl);
  return c.visible + c.inFlight + c.delayed === 0;
};

describe('workerThreads', () => {
  it('per-message workerThreads 4: four handlers at once, never more', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    await sendMessages(queueUrl, numbered(20));
    const g = gauge();
    const { client } = countingClient();
    const run = startListener(
      perMessageListener(() => g.around(200), { workerThreads: 4, logger: silentLogger, env: {} }),
      queueUrl,
      { client },
    );
    const started = Date.now();
    try {
      expect(await eventually(() => g.done === 20, 15_000)).toBe(true);
      expect(await eventually(empty(queueUrl), 10_000)).toBe(true);
    } finally {
      await run.stop();
    }
    expect(g.max).toBe(4);
    // 20 × 200 ms at 4 at once is ≥ 1 s; one at a time would be ≥ 4 s.
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('WORKER_THREADS from the environment applies when no option is given', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    await sendMessages(queueUrl, numbered(9));
    const g = gauge();
    const { client } = countingClient();
    const run = startListener(
      perMessageListener(() => g.around(150), {
        logger: silentLogger,
        env: { WORKER_THREADS: '3' },
      }),
      queueUrl,
      { client },
    );
    try {
      expect(await eventually(() => g.done === 9, 15_000)).toBe(true);
    } finally {
      await run.stop();
    }
    expect(g.max).toBe(3);
  });

  it('batch workerThreads 2: two batches at once, never more', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    await sendMessages(queueUrl, numbered(12));
    const g = gauge();
    let handled = 0;
    const { client } = countingClient();
    const run = startListener(
      batchListener(
        async (batch) => {
          await g.around(200);
          handled += batch.length;
        },
        { batchSize: 2, workerThreads: 2, logger: silentLogger, env: {} },
      ),
      queueUrl,
      { client },
    );
    try {
      expect(await eventually(() => handled === 12, 15_000)).toBe(true);
      expect(await eventually(empty(queueUrl), 10_000)).toBe(true);
    } finally {
      await run.stop();
    }
    expect(g.max).toBe(2);
  });
});
