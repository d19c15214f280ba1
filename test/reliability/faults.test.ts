/**
 * The library under each kind of fault the fault layer injects, and under an outage:
 * - every kind at a high rate on every action (receives, deletes, lease extensions) at once:
 *   every message ends deleted after a successful handling, the queue ends empty;
 * - an outage while handlers hold leases: extensions fail, the leases are lost (their signals
 *   abort with LeaseLostError), nothing crashes, and after the outage polling resumes by itself.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  type LeasedMessage,
  LeaseLostError,
  perMessageListener,
  silentLogger,
} from '../../src/index.js';
import { FAULT_KINDS, injectFaults } from '../support/faults.js';
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

const emptyQueue = async (queueUrl: string) => {
  const c = await queueCounts(queueUrl);
  return c.visible + c.inFlight + c.delayed === 0;
};

describe('fault layer', () => {
  it('every kind of fault at 25 % on every action: all messages handled and deleted, none lost', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 2 });
    const sent = await sendMessages(queueUrl, numbered(80));
    const { client } = countingClient();
    // Batch requests are few (deletes coalesce), so they get a higher rate and entry failures a
    // higher weight: otherwise a run can end without a single entry failure injected.
    const faults = injectFaults(client, {
      rate: 0.25,
      rates: { DeleteMessageBatch: 0.5, ChangeMessageVisibilityBatch: 0.5 },
      weights: { entryFailed: 4 },
      delayMs: [100, 600],
      seed: 42,
    });
    const ok = new Map<string, number>();
    let n = 0;
    const handler = async (m: LeasedMessage) => {
      // Every third handler outlives half the visibility, so leases are extended.
      await new Promise((r) => setTimeout(r, n++ % 3 === 0 ? 3_000 : 20));
      ok.set(m.messageId, (ok.get(m.messageId) ?? 0) + 1);
    };
    const run = startListener(
      perMessageListener(handler, { workerThreads: 20, logger: silentLogger, env: {} }),
      queueUrl,
      { client, visibilitySecs: 2, maxExtend: 120 },
    );
    expect(await eventually(() => emptyQueue(queueUrl), 45_000, 250)).toBe(true);
    faults.calm();
    await run.stop();
    // Every message was handled, and SQS confirmed the delete of every one of them.
    expect([...ok.keys()].sort()).toEqual([...sent].sort());
    expect(sent.filter((id) => !faults.deleted.has(id))).toEqual([]);
    for (const kind of FAULT_KINDS.filter((k) => k !== 'outage'))
      expect(faults.counts[kind], `${kind} injected`).toBeGreaterThan(0);
    // Each action got faults: receives, deletes and lease extensions.
    const actions = Object.keys(faults.byAction).map((k) => k.split('.')[0]);
    expect(new Set(actions)).toEqual(
      new Set(['ReceiveMessage', 'DeleteMessageBatch', 'ChangeMessageVisibilityBatch']),
    );
    // Still empty after waiting out the visibility: nothing hidden by a lost response.
    await new Promise((r) => setTimeout(r, 2_500));
    expect(await queueCounts(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  }, 60_000);
});

describe('leases under an outage', () => {
  it('extensions fail: the signals abort with LeaseLostError, nothing crashes, polling resumes after', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 2 });
    const first = await sendMessages(queueUrl, numbered(8));
    const { client } = countingClient();
    const faults = injectFaults(client);
    const aborted = new Map<string, { reason: unknown; at: number }>();
    const handled: Array<{ id: string; receiveCount: number }> = [];
    let outageStarted = 0;
    let outageEnded = 0;
    const handler = async (m: LeasedMessage) => {
      if (m.receiveCount === 1 && first.includes(m.messageId)) {
        // First delivery: hold the message until the lease is lost.
        await new Promise<void>((resolve) => {
          m.signal.addEventListener('abort', () => {
            aborted.set(m.messageId, { reason: m.signal.reason, at: Date.now() });
            resolve();
          });
        });
        // A success reported after the lease was lost cannot be acked: the message comes back.
        return true;
      }
      handled.push({ id: m.messageId, receiveCount: m.receiveCount });
      return true;
    };
    const run = startListener(
      perMessageListener(handler, { workerThreads: 8, logger: silentLogger, env: {} }),
      queueUrl,
      { client, visibilitySecs: 2, maxExtend: 120, maxInFlight: 8 },
    );
    // Leases are extended while the handlers wait (visibility 2 s).
    await new Promise((r) => setTimeout(r, 3_000));
    expect(faults.visibilityChangesApplied).toBeGreaterThan(0);
    expect(aborted.size).toBe(0);
    outageStarted = Date.now();
    await faults.outage(6_000);
    outageEnded = Date.now();
    // Every held lease was lost during the outage, with a LeaseLostError as the reason.
    expect([...aborted.keys()].sort()).toEqual([...first].sort());
    for (const { reason, at } of aborted.values()) {
      expect(reason).toBeInstanceOf(LeaseLostError);
      expect((reason as LeaseLostError).reason).toMatch(/^(expired|extendFailed)$/);
      expect(at).toBeGreaterThanOrEqual(outageStarted);
      expect(at).toBeLessThanOrEqual(outageEnded);
    }
    expect(faults.counts.outage).toBeGreaterThan(0);
    // After the outage: new messages flow, the lost ones come back, the queue ends empty.
    const second = await sendMessages(queueUrl, numbered(5));
    expect(await eventually(() => emptyQueue(queueUrl), 30_000, 250)).toBe(true);
    const result = await run.stop();
    const ids = handled.map((h) => h.id);
    expect([...new Set(ids)].sort()).toEqual([...first, ...second].sort());
    for (const h of handled.filter((x) => first.includes(x.id)))
      expect(h.receiveCount).toBeGreaterThanOrEqual(2);
    expect(run.stream.stats().lost).toBeGreaterThanOrEqual(first.length);
    expect(result.processed).toBe(first.length + handled.length);
  }, 60_000);
});
