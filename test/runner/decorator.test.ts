/**
 * The decorator form: `@sqsListener({ ... })` on a static method registers it (TC39 decorators,
 * as transformed by vitest's esbuild), keeps the class as `this`, and runListeners() runs it.
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
import { killAllFixtures, runFixture } from '../support/child.js';
import {
  countingClient,
  createQueue,
  eventually,
  numbered,
  queueCounts,
  sendMessages,
} from '../support/sqs.js';

afterEach(() => {
  clearListeners();
  killAllFixtures();
});

describe('@sqsListener decorator', () => {
  it('registers a static method, bound to its class, and runListeners runs it', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    const ids = await sendMessages(queueUrl, numbered(3));
    const { client } = countingClient();

    // biome-ignore lint/complexity/noStaticOnlyClass: the decorator form decorates static methods
    class Orders {
      static readonly seen: string[] = [];
      static record(id: string) {
        Orders.seen.push(id);
      }

      @sqsListener({ queueUrl, client, waitTime: 1, idleSleepMax: 0, env: {} })
      static handle(this: typeof Orders, message: LeasedMessage): void {
        // biome-ignore lint/complexity/noThisInStatic: checks that the handler keeps its class as `this`
        this.record(message.messageId);
      }
    }

    expect(registeredListeners()).toHaveLength(1);
    expect(registeredListeners()[0]!.options.queueUrl).toBe(queueUrl);
    const controller = new AbortController();
    const run = runListeners({
      signal: controller.signal,
      handleSignals: false,
      logger: silentLogger,
      env: {},
    });
    try {
      expect(await eventually(() => Orders.seen.length === 3, 10_000)).toBe(true);
      expect(
        await eventually(async () => {
          const c = await queueCounts(queueUrl);
          return c.visible + c.inFlight + c.delayed === 0;
        }, 10_000),
      ).toBe(true);
    } finally {
      controller.abort();
    }
    const [report] = await run;
    expect(report!.result).toEqual({
      processed: 3,
      succeeded: 3,
      failed: 0,
      gaveUp: 0,
      filtered: 0,
      released: 0,
    });
    expect([...Orders.seen].sort()).toEqual([...ids].sort());
  });

  it('batch mode through the decorator', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    await sendMessages(queueUrl, numbered(4));
    const { client } = countingClient();
    const sizes: number[] = [];

    // biome-ignore lint/complexity/noStaticOnlyClass: the decorator form decorates static methods
    class Invoices {
      @sqsListener({ queueUrl, client, mode: 'batch', waitTime: 1, idleSleepMax: 0, env: {} })
      static handle(batch: LeasedMessage[]): void {
        sizes.push(batch.length);
      }
    }
    expect(Invoices.handle).toBeTypeOf('function');

    const controller = new AbortController();
    const run = runListeners({
      signal: controller.signal,
      handleSignals: false,
      logger: silentLogger,
      env: {},
    });
    try {
      expect(await eventually(() => sizes.reduce((a, b) => a + b, 0) === 4, 10_000)).toBe(true);
    } finally {
      controller.abort();
    }
    const [report] = await run;
    expect(report!.result).toEqual({
      processed: 4,
      succeeded: 4,
      failed: 0,
      gaveUp: 0,
      filtered: 0,
      released: 0,
    });
  });

  it('refuses instance methods', () => {
    expect(() => {
      class Wrong {
        @sqsListener({ queueUrl: 'http://localhost/000000000000/q' })
        handle(_m: LeasedMessage): void {}
      }
      return Wrong;
    }).toThrow(/static methods/);
    expect(registeredListeners()).toHaveLength(0);
  });

  it('works under tsx too (how apps run .ts): a decorated fixture consumes its queue', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    await sendMessages(queueUrl, numbered(2));
    const child = runFixture('decorated.ts', { QUEUE_URL: queueUrl });
    const lines = await child.waitForLines((l) => l.startsWith('handled '), 2);
    expect(lines.every((l) => l.endsWith(' by Billing'))).toBe(true);
    expect(
      await eventually(async () => {
        const c = await queueCounts(queueUrl);
        return c.visible + c.inFlight + c.delayed === 0;
      }, 10_000),
    ).toBe(true);
    child.proc.kill('SIGTERM');
    expect((await child.exited(15_000)).code).toBe(0);
  });
});
