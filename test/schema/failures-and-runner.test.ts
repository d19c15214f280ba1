/**
 * The `schema` option against fauxqs, continued: a throwing validator is a retry, the log line
 * cuts the body, the runner carries the option, and without a schema nothing changes.
 */
import * as v from 'valibot';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type MessageValidationError,
  perMessageListener,
  runListeners,
  silentLogger,
  sqsListener,
} from '../../src/index.js';
import { startListener, stopAllListeners } from '../support/listen.js';
import {
  countingClient,
  createQueue,
  eventually,
  queueCounts,
  sendMessages,
} from '../support/sqs.js';
import { BAD_FIELDS, deliveriesOf, parkedIn, recordingLogger, VALID, ZodOrder } from './support.js';

afterEach(stopAllListeners);

describe('schema: a validator that throws', () => {
  it('is a retryable failure: the message comes back and is handled once validate() works', async () => {
    const { queueUrl, dlqUrl } = await createQueue({ visibilitySecs: 1, maxReceiveCount: 5 });
    const [id] = await sendMessages(queueUrl, [VALID]);
    let calls = 0;
    const outage = new Error('orders database unreachable');
    const flaky = {
      '~standard': {
        version: 1 as const,
        vendor: 'test',
        validate: async (value: unknown) => {
          calls++;
          if (calls === 1) throw outage;
          return { value: value as { orderId: string } };
        },
      },
    };
    const handled: Array<[string, number]> = [];
    const failures: unknown[] = [];
    const logger = recordingLogger();
    const listener = perMessageListener(
      (m) => void handled.push([m.data.orderId, m.receiveCount]),
      { schema: flaky, onFailure: (_m, e) => void failures.push(e), logger, env: {} },
    );
    const run = startListener(listener, queueUrl, { visibilitySecs: 1 });
    expect(await eventually(() => handled.length === 1, 10_000)).toBe(true);
    const result = await run.stop();
    expect(handled).toEqual([['o-1', 2]]);
    // What the validator threw, unchanged, so isNonRetryable can judge it.
    expect(failures).toEqual([outage]);
    expect(result).toMatchObject({ succeeded: 1, failed: 1, gaveUp: 0 });
    expect((await queueCounts(dlqUrl!)).visible).toBe(0);
    const threw = logger.lines.filter((l) => l.includes('schema validation threw'));
    expect(threw).toHaveLength(1);
    expect(threw[0]).toContain(id);
    expect(threw[0]).toContain('orders database unreachable');
  });
});

describe('schema: logs', () => {
  it('name the id and the issues with paths; the body is cut at 200 characters', async () => {
    // No redrive policy and no deadLetterQueueUrl: the give-up policy deletes and logs.
    const { queueUrl } = await createQueue({ visibilitySecs: 1 });
    const pad = 'x'.repeat(5000);
    const body = JSON.stringify({ orderId: 'o-1', qty: 1, note: pad });
    const [id] = await sendMessages(queueUrl, [body]);
    const logger = recordingLogger();
    // valibot quotes the value it received in its message: that must be cut as well.
    const schema = v.object({ orderId: v.string(), qty: v.number(), note: v.number() });
    const failures: MessageValidationError[] = [];
    const listener = perMessageListener(() => {}, {
      schema,
      onFailure: (_m, e) => void failures.push(e as MessageValidationError),
      logger,
      env: {},
    });
    const run = startListener(listener, queueUrl, { visibilitySecs: 1 });
    expect(await eventually(() => failures.length === 1, 10_000)).toBe(true);
    expect(
      await eventually(async () => {
        const c = await queueCounts(queueUrl);
        return c.visible + c.inFlight === 0;
      }, 10_000),
    ).toBe(true);
    await run.stop();
    const gaveUp = logger.lines.filter((l) => l.includes('non-retryable'));
    expect(gaveUp).toHaveLength(1);
    const line = gaveUp[0]!;
    expect(line).toContain(id);
    expect(line).toMatch(/\$\.note: Invalid type/);
    expect(line).toContain(`first 200 of ${body.length} chars`);
    // Nowhere more than 200 characters of the body, in any line.
    for (const l of logger.lines) expect(l).not.toContain('x'.repeat(201));
    expect(line.length).toBeLessThan(2000);
    expect(failures[0]!.bodyPreview).toBe(body.slice(0, 200));
    expect(failures[0]!.message).not.toContain('x'.repeat(201));
  });
});

describe('schema: through sqsListener() and runListeners()', () => {
  it.each(['per_message', 'batch'] as const)(
    '%s mode: typed data in the handler, poison to the DLQ',
    async (mode) => {
      const { queueUrl, dlqUrl } = await createQueue({ visibilitySecs: 1, maxReceiveCount: 5 });
      await sendMessages(queueUrl, [VALID, BAD_FIELDS]);
      const handled: string[] = [];
      const counting = countingClient();
      const common = {
        queueUrl,
        client: counting.client,
        schema: ZodOrder,
        waitTime: 1,
        idleSleepMax: 0,
      };
      const registration =
        mode === 'batch'
          ? sqsListener(
              { ...common, mode },
              (ms) => void handled.push(...ms.map((m) => m.data.orderId)),
            )
          : sqsListener({ ...common, mode }, (m) => void handled.push(m.data.orderId));
      const controller = new AbortController();
      const run = runListeners({
        listeners: [registration],
        signal: controller.signal,
        handleSignals: false,
        logger: silentLogger,
        env: {},
      });
      try {
        await parkedIn(queueUrl, dlqUrl!, 1);
      } finally {
        controller.abort();
        await run;
      }
      expect(handled).toEqual(['O-1']);
      expect([...deliveriesOf(counting).values()]).toEqual([1, 1]);
    },
  );
});

describe('no schema', () => {
  it('data is undefined and json works as before', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 1 });
    await sendMessages(queueUrl, [VALID]);
    const seen: unknown[] = [];
    const listener = perMessageListener((m) => void seen.push(m.data, m.json), {
      logger: silentLogger,
      env: {},
    });
    const run = startListener(listener, queueUrl, { visibilitySecs: 1 });
    expect(await eventually(() => seen.length === 2, 10_000)).toBe(true);
    await run.stop();
    expect(seen).toEqual([undefined, VALID]);
  });
});
