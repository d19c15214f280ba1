/**
 * Two listeners on two queues in one process: registered with sqsListener(), run by
 * runListeners() with an AbortSignal and no signal handlers; both consume, and after the abort
 * runListeners() resolves with a report per listener.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  clearListeners,
  type LeasedMessage,
  registeredListeners,
  runListeners,
  silentLogger,
  sqsListener,
} from '../../src/index.js';
import {
  countingClient,
  createQueue,
  eventually,
  numbered,
  queueCounts,
  sendMessages,
} from '../support/sqs.js';

afterEach(clearListeners);

const empty = (queueUrl: string) => async () => {
  const c = await queueCounts(queueUrl);
  return c.visible + c.inFlight + c.delayed === 0;
};

describe('runListeners with two listeners', () => {
  it('both consume; abort resolves with one report per listener', async () => {
    const [orders, invoices] = await Promise.all([
      createQueue({ name: 'orders', visibilitySecs: 30 }),
      createQueue({ name: 'invoices', visibilitySecs: 30 }),
    ]);
    await sendMessages(orders.queueUrl, numbered(5));
    await sendMessages(invoices.queueUrl, numbered(7));
    const seen = { orders: new Set<string>(), invoices: new Set<string>() };
    const { client } = countingClient();
    const common = { client, waitTime: 1, idleSleepMax: 0, env: {} };
    sqsListener({ ...common, queueUrl: orders.queueUrl, name: 'orders' }, (m: LeasedMessage) => {
      seen.orders.add(m.messageId);
    });
    sqsListener(
      { ...common, queueUrl: invoices.queueUrl, name: 'invoices', mode: 'batch' },
      (batch: LeasedMessage[]) => {
        for (const m of batch) seen.invoices.add(m.messageId);
      },
    );
    expect(registeredListeners()).toHaveLength(2);

    const sigterms = process.listenerCount('SIGTERM');
    const controller = new AbortController();
    const run = runListeners({
      signal: controller.signal,
      handleSignals: false,
      logger: silentLogger,
      env: {},
    });
    try {
      // handleSignals: false installs no process signal handlers.
      expect(process.listenerCount('SIGTERM')).toBe(sigterms);
      expect(
        await eventually(() => seen.orders.size === 5 && seen.invoices.size === 7, 10_000),
      ).toBe(true);
      expect(await eventually(empty(orders.queueUrl), 10_000)).toBe(true);
      expect(await eventually(empty(invoices.queueUrl), 10_000)).toBe(true);
    } finally {
      controller.abort();
    }
    const reports = await run;
    expect(
      reports.map((r) => ({
        name: r.name,
        queueUrl: r.queueUrl,
        result: r.result,
        timedOut: r.timedOut,
      })),
    ).toEqual([
      {
        name: 'orders',
        queueUrl: orders.queueUrl,
        result: { processed: 5, succeeded: 5, failed: 0, gaveUp: 0, filtered: 0, released: 0 },
        timedOut: false,
      },
      {
        name: 'invoices',
        queueUrl: invoices.queueUrl,
        result: { processed: 7, succeeded: 7, failed: 0, gaveUp: 0, filtered: 0, released: 0 },
        timedOut: false,
      },
    ]);
    expect(reports[0]!.stats.acked).toBe(5);
    expect(reports[1]!.stats.acked).toBe(7);
  });

  it('an already-aborted signal resolves at once with empty reports and receives nothing', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    await sendMessages(queueUrl, numbered(3));
    const { client, counts } = countingClient();
    sqsListener({ client, queueUrl, waitTime: 1, env: {} }, () => {});
    const reports = await runListeners({
      signal: AbortSignal.abort(),
      handleSignals: false,
      logger: silentLogger,
      env: {},
    });
    expect(reports.map((r) => r.result)).toEqual([
      { processed: 0, succeeded: 0, failed: 0, gaveUp: 0, filtered: 0, released: 0 },
    ]);
    expect(counts.ReceiveMessageCommand ?? 0).toBe(0);
    expect(await queueCounts(queueUrl)).toEqual({ visible: 3, inFlight: 0, delayed: 0 });
  });

  it('with no listener registered, runListeners rejects', async () => {
    await expect(
      runListeners({ handleSignals: false, logger: silentLogger, env: {} }),
    ).rejects.toThrow(/listeners/);
  });
});
