/**
 * `maxConcurrentPerGroup` end to end on fauxqs: one noisy tenant (90 % of a standard queue,
 * sent first, slow handler) and nine quiet ones. With the cap the quiet tenants are handled while
 * the noisy one is still backlogged; without it they wait behind it. fauxqs 1.9.2 drops
 * MessageGroupId on standard queues, so a client wrapper stamps each received message with the
 * tenant named in its body, as SQS fair queues return it (see fair-queue-fauxqs.test.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type LeasedMessage, perMessageListener } from '../../src/index.js';
import { silentLogger } from '../../src/shared/logger.js';
import { fairQueueClient } from '../support/fair-queue.js';
import { startListener, stopAllListeners } from '../support/listen.js';
import {
  countingClient,
  createQueue,
  eventually,
  queueCounts,
  sendMessages,
  sleep,
} from '../support/sqs.js';

afterEach(stopAllListeners);

const NOISY = 90;
const QUIET = 10;

async function scenario(maxConcurrentPerGroup: number | undefined) {
  const { queueUrl } = await createQueue({ visibilitySecs: 30 });
  const bodies = [
    ...Array.from({ length: NOISY }, (_, n) => ({ g: 'noisy', n })),
    ...Array.from({ length: QUIET }, (_, n) => ({ g: `quiet-${1 + (n % 9)}`, n })),
  ];
  await sendMessages(queueUrl, bodies);
  const handled: string[] = [];
  const running = new Map<string, number>();
  let mostNoisy = 0;
  let noisyDone = 0;
  let quietDone = 0;
  let noisyWhenQuietDone = -1;
  const listener = perMessageListener(
    async (m: LeasedMessage) => {
      const group = m.groupId ?? '';
      running.set(group, (running.get(group) ?? 0) + 1);
      if (group === 'noisy') mostNoisy = Math.max(mostNoisy, running.get(group) ?? 0);
      await sleep(group === 'noisy' ? 50 : 5);
      running.set(group, (running.get(group) ?? 1) - 1);
      handled.push(m.messageId);
      if (group === 'noisy') noisyDone++;
      else if (++quietDone === QUIET) noisyWhenQuietDone = noisyDone;
    },
    { workerThreads: 10, maxConcurrentPerGroup, logger: silentLogger, env: {} },
  );
  const run = startListener(listener, queueUrl, {
    client: fairQueueClient(
      countingClient().client,
      (m) => (JSON.parse(m.Body ?? '{}') as { g: string }).g,
    ),
    visibilitySecs: 30,
  });
  const all = await eventually(() => handled.length >= NOISY + QUIET, 60_000, 50);
  // Anything handled twice would show up here, after a pause for late duplicates.
  await sleep(300);
  const result = await run.stop();
  return {
    all,
    handled,
    mostNoisy,
    noisyWhenQuietDone,
    result,
    counts: await queueCounts(queueUrl),
  };
}

describe('maxConcurrentPerGroup on a fair queue (fauxqs)', () => {
  it('cap 2 of 10 workers: the quiet tenants are handled while the noisy one is backlogged', async () => {
    const s = await scenario(2);
    expect(s.all).toBe(true);
    expect(s.mostNoisy).toBe(2);
    // The noisy backlog (90 at 2 × 50 ms) needs seconds; the quiet ten were done early.
    expect(s.noisyWhenQuietDone).toBeGreaterThanOrEqual(0);
    expect(s.noisyWhenQuietDone).toBeLessThan(NOISY / 3);
    expect(s.handled.length).toBe(NOISY + QUIET);
    expect(new Set(s.handled).size).toBe(NOISY + QUIET);
    expect(s.result).toMatchObject({ processed: NOISY + QUIET, succeeded: NOISY + QUIET });
    expect(s.result.deferred).toBeGreaterThan(0);
    expect(s.counts).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  }, 90_000);

  it('without the cap the noisy tenant takes every worker and the quiet ones wait behind it', async () => {
    const s = await scenario(undefined);
    expect(s.all).toBe(true);
    expect(s.mostNoisy).toBe(10);
    expect(s.noisyWhenQuietDone).toBeGreaterThanOrEqual(NOISY / 2);
    expect(new Set(s.handled).size).toBe(NOISY + QUIET);
    expect(s.result.deferred).toBeUndefined();
    expect(s.counts).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  }, 90_000);
});
