/**
 * FIFO lanes with several messages of one group in hand at once — what real SQS can return in
 * one receive and fauxqs cannot (it hands out one in-flight message per group) — against a
 * faked client.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sqsMessages } from '../../src/core/sqs-messages.js';
import { batchListener, type LeasedMessage, perMessageListener } from '../../src/index.js';
import { silentLogger } from '../../src/shared/logger.js';
import { FakeSqs, sqsMessage } from '../support/fake-sqs.js';
import { QUEUE_URL } from '../support/unit.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

function groupMessage(group: string, seq: number) {
  return sqsMessage(`${group}${seq}`, {
    body: JSON.stringify({ group, seq }),
    attributes: { MessageGroupId: group, ApproximateReceiveCount: '1' },
  });
}

function fakeWith(...ids: Array<[string, number]>): FakeSqs {
  return new FakeSqs().enqueue(...ids.map(([g, s]) => groupMessage(g, s)));
}

const tick = () => new Promise((r) => setTimeout(r, 5));

/** Order applies to FIFO queues only, and SQS says so by the name: `.fifo`. */
const FIFO_QUEUE_URL = `${QUEUE_URL}.fifo`;

/** A stream over the fake (the listener starts the iteration); closing aborts and drains it. */
function openStream(
  options: { waitTime: number; maxInFlight: number },
  fake: FakeSqs,
  queueUrl = FIFO_QUEUE_URL,
) {
  const controller = new AbortController();
  const stream = sqsMessages(queueUrl, {
    ...options,
    client: fake.client,
    signal: controller.signal,
    idleSleepMax: 0.05,
    logger: silentLogger,
    env: {},
  });
  return {
    stream,
    close: async () => {
      controller.abort();
      await stream.drained();
    },
  };
}

describe('FIFO lanes (per-message)', () => {
  it('runs one group in order, one at a time, while other groups run in parallel', async () => {
    const fake = fakeWith(['A', 1], ['A', 2], ['A', 3], ['B', 1], ['B', 2]);
    const { stream, close } = openStream({ waitTime: 1, maxInFlight: 10 }, fake);
    closers.push(close);
    const events: string[] = [];
    const listener = perMessageListener(
      async (m: LeasedMessage) => {
        events.push(`start ${m.messageId}`);
        await tick();
        events.push(`end ${m.messageId}`);
      },
      { workerThreads: 4, logger: silentLogger, env: {} },
    );
    const done = listener(stream);
    await vitestEventually(() => fake.deleted.length === 5);
    await close();
    const result = await done;
    const startsOf = (g: string) => events.filter((e) => e.startsWith(`start ${g}`));
    expect(startsOf('A')).toEqual(['start A1', 'start A2', 'start A3']);
    expect(startsOf('B')).toEqual(['start B1', 'start B2']);
    // Within a group, each starts only after the previous ended.
    for (const [prev, next] of [
      ['A1', 'A2'],
      ['A2', 'A3'],
      ['B1', 'B2'],
    ] as const) {
      expect(events.indexOf(`end ${prev}`)).toBeLessThan(events.indexOf(`start ${next}`));
    }
    // A and B overlapped: B1 started before A1 ended.
    expect(events.indexOf('start B1')).toBeLessThan(events.indexOf('end A1'));
    expect(result).toMatchObject({ processed: 5, succeeded: 5, failed: 0, released: 0 });
  });

  it('a failure releases the later messages of its group unhandled; other groups go on', async () => {
    const fake = fakeWith(['A', 1], ['A', 2], ['A', 3], ['A', 4], ['B', 1], ['B', 2]);
    const { stream, close } = openStream({ waitTime: 1, maxInFlight: 10 }, fake);
    closers.push(close);
    const handled: string[] = [];
    const listener = perMessageListener(
      async (m: LeasedMessage) => {
        handled.push(m.messageId);
        await tick();
        return m.messageId !== 'A2';
      },
      { workerThreads: 2, logger: silentLogger, env: {} },
    );
    const done = listener(stream);
    await vitestEventually(() => fake.deleted.length === 3 && releasedIds(fake).length === 2);
    await close();
    const result = await done;
    expect(handled.filter((id) => id.startsWith('A'))).toEqual(['A1', 'A2']);
    expect(handled.filter((id) => id.startsWith('B'))).toEqual(['B1', 'B2']);
    // A3 and A4 were given back at once (visibility 0); A2 (the failure) waits out its visibility.
    expect(releasedIds(fake).sort()).toEqual(['A3', 'A4']);
    expect(fake.deleted.map(idOf).sort()).toEqual(['A1', 'B1', 'B2']);
    expect(result).toMatchObject({ processed: 4, succeeded: 3, failed: 1, released: 2 });
  });
});

describe('FIFO within a batch', () => {
  it('fails the rest of a group after its first failure; other groups are acked', async () => {
    const fake = fakeWith(['A', 1], ['A', 2], ['A', 3], ['B', 1], ['B', 2]);
    const { stream, close } = openStream({ waitTime: 1, maxInFlight: 10 }, fake);
    closers.push(close);
    let batches = 0;
    const listener = batchListener(
      (_messages: LeasedMessage[]) => {
        batches++;
        return { batchItemFailures: [{ itemIdentifier: 'A2' }] };
      },
      { workerThreads: 1, logger: silentLogger, env: {}, retry: { baseSeconds: 0, maxSeconds: 0 } },
    );
    const done = listener(stream);
    await vitestEventually(() => fake.deleted.length === 3 && releasedIds(fake).length === 2);
    await close();
    const result = await done;
    expect(batches).toBe(1);
    expect(fake.deleted.map(idOf).sort()).toEqual(['A1', 'B1', 'B2']);
    // A3 came after the failed A2 in group A: failed with it, so SQS redelivers A2, A3 in order.
    expect(releasedIds(fake).sort()).toEqual(['A2', 'A3']);
    expect(result).toMatchObject({ processed: 5, succeeded: 3, failed: 2 });
  });
});

function idOf(receiptHandle: string): string {
  return receiptHandle.split('-')[1]!;
}

function releasedIds(fake: FakeSqs): string[] {
  return fake.visibilityChanges
    .filter((c) => c.timeoutSecs === 0)
    .map((c) => idOf(c.receiptHandle));
}

async function vitestEventually(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Fair queues (2025) return a MessageGroupId on standard queues: it spreads load between tenants
 * and promises no order, so it must neither serialise a group nor fail its later messages.
 */
describe('group ids on a standard queue (fair queues)', () => {
  it('per-message: messages of one group run in parallel', async () => {
    const fake = fakeWith(['A', 1], ['A', 2], ['A', 3], ['A', 4]);
    const { stream, close } = openStream({ waitTime: 1, maxInFlight: 10 }, fake, QUEUE_URL);
    closers.push(close);
    let running = 0;
    let most = 0;
    const listener = perMessageListener(
      async () => {
        running++;
        most = Math.max(most, running);
        await tick();
        running--;
      },
      { workerThreads: 4, logger: silentLogger, env: {} },
    );
    const done = listener(stream);
    await vitestEventually(() => fake.deleted.length === 4);
    await close();
    expect(most).toBe(4);
    expect(await done).toMatchObject({ processed: 4, succeeded: 4, failed: 0, released: 0 });
  });

  it("batch: a failure fails only itself; the group's later messages are acked once", async () => {
    const fake = fakeWith(['A', 1], ['A', 2], ['A', 3], ['B', 1]);
    const { stream, close } = openStream({ waitTime: 1, maxInFlight: 10 }, fake, QUEUE_URL);
    closers.push(close);
    const seen: string[] = [];
    const listener = batchListener(
      (messages: LeasedMessage[]) => {
        seen.push(...messages.map((m) => m.messageId));
        return { batchItemFailures: [{ itemIdentifier: 'A2' }] };
      },
      { workerThreads: 1, logger: silentLogger, env: {}, retry: { baseSeconds: 0, maxSeconds: 0 } },
    );
    const done = listener(stream);
    await vitestEventually(() => fake.deleted.length === 3 && releasedIds(fake).length === 1);
    await close();
    const result = await done;
    expect(seen.sort()).toEqual(['A1', 'A2', 'A3', 'B1']);
    expect(fake.deleted.map(idOf).sort()).toEqual(['A1', 'A3', 'B1']);
    expect(releasedIds(fake)).toEqual(['A2']);
    expect(result).toMatchObject({ processed: 4, succeeded: 3, failed: 1 });
  });
});
