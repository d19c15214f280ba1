/**
 * How lambdaHandler() reads what a Lambda handler did, against fauxqs: Lambda's rules with
 * ReportBatchItemFailures (nothing, `{}` or a null list deletes the batch; listed ids come back;
 * a throw, a callback error or an empty, missing or unknown itemIdentifier brings the whole
 * batch back), the callback and legacy context styles, and the one deliberate difference: a
 * response of another shape brings the batch back instead of deleting it. Plus bad arguments.
 */
import type { Context, SQSEvent } from 'aws-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import {
  batchListener,
  ConfigError,
  type LambdaSqsHandler,
  lambdaHandler,
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

afterAll(stopAllListeners);

type Outcome = 'all' | 'odd' | 'none';
/** What the handler does with a batch of first deliveries; `odd` are the ids of odd `n`. */
type FirstTry = (
  event: SQSEvent,
  context: Context,
  odd: string[],
  callback: (e?: unknown, r?: unknown) => void,
) => unknown;

const failOdd = (odd: string[]) => ({
  batchItemFailures: odd.map((id) => ({ itemIdentifier: id })),
});

/**
 * Runs `firstTry` on the first deliveries of 4 messages (later ones succeed); returns how often
 * each was delivered, once the queue is empty.
 */
async function deliveriesAfter(
  firstTry: FirstTry,
  style: 'async' | 'plain' | 'callback' = 'async',
): Promise<Outcome> {
  const { queueUrl } = await createQueue({ visibilitySecs: 1 });
  const ids = await sendMessages(queueUrl, numbered(4));
  const deliveries = new Map<string, number>();
  const answer = (
    event: SQSEvent,
    context: Context,
    callback: (e?: unknown, r?: unknown) => void,
  ) => {
    for (const r of event.Records)
      deliveries.set(r.messageId, (deliveries.get(r.messageId) ?? 0) + 1);
    const fresh = event.Records.filter((r) => r.attributes.ApproximateReceiveCount === '1');
    if (fresh.length === 0) return style === 'callback' ? callback(null) : undefined;
    if (fresh.length !== event.Records.length) throw new Error('unexpected mixed batch');
    const odd = event.Records.filter((r) => (JSON.parse(r.body) as { n: number }).n % 2 === 1);
    return firstTry(
      event,
      context,
      odd.map((r) => r.messageId),
      callback,
    );
  };
  // A callback handler declares three parameters, as on Lambda.
  const handlers: Record<typeof style, LambdaSqsHandler> = {
    async: async (event, context) => answer(event as SQSEvent, context as Context, () => {}),
    plain: (event, context) => answer(event as SQSEvent, context as Context, () => {}),
    callback: (event, context, callback) => {
      answer(event as SQSEvent, context as Context, callback);
    },
  };
  const handler = handlers[style];
  const run = startListener(
    batchListener(lambdaHandler(handler), { logger: silentLogger, env: {}, tracing: false }),
    queueUrl,
    { client: countingClient().client, visibilitySecs: 1 },
  );
  try {
    expect(await eventually(() => deliveries.size === 4, 10_000)).toBe(true);
    expect(
      await eventually(async () => {
        const c = await queueCounts(queueUrl);
        return c.visible + c.inFlight + c.delayed === 0;
      }, 10_000),
    ).toBe(true);
  } finally {
    await run.stop();
  }
  const again = ids.filter((id) => (deliveries.get(id) ?? 0) > 1);
  const odd = ids.filter((_, i) => i % 2 === 1);
  if (again.length === 0) return 'none';
  if (again.length === 4) return 'all';
  expect(again).toEqual(odd);
  return 'odd';
}

describe.concurrent('Lambda responses, as Lambda reads them', () => {
  const cases: Array<[string, FirstTry, Outcome]> = [
    ['undefined', () => undefined, 'none'],
    ['null', () => null, 'none'],
    ['an empty object', () => ({}), 'none'],
    ['a null batchItemFailures', () => ({ batchItemFailures: null }), 'none'],
    ['an empty batchItemFailures', () => ({ batchItemFailures: [] }), 'none'],
    ['the odd ids', (_e, _c, odd) => failOdd(odd), 'odd'],
    ['a throw', () => Promise.reject(new Error('db down')), 'all'],
    ['a rejection with undefined', () => Promise.reject(undefined), 'all'],
    [
      'an unknown itemIdentifier',
      () => ({ batchItemFailures: [{ itemIdentifier: 'nope' }] }),
      'all',
    ],
    ['an empty itemIdentifier', () => ({ batchItemFailures: [{ itemIdentifier: '' }] }), 'all'],
    ['a null itemIdentifier', () => ({ batchItemFailures: [{ itemIdentifier: null }] }), 'all'],
    [
      'a wrong key in an item',
      (_e, _c, odd) => ({ batchItemFailures: odd.map((id) => ({ id })) }),
      'all',
    ],
    ['a string (differs from Lambda: never deletes)', () => 'ok', 'all'],
    ['another object (differs from Lambda)', () => ({ statusCode: 200 }), 'all'],
    ['context.fail()', (_e, context) => context.fail(new Error('no')), 'all'],
    ['context.succeed(failures)', (_e, context, odd) => context.succeed(failOdd(odd)), 'odd'],
  ];
  for (const [name, firstTry, expected] of cases) {
    it(`${name} → ${expected} again`, async () => {
      // context.fail/succeed end the call themselves: the handler returns a pending promise.
      const wrapped: FirstTry = name.startsWith('context.')
        ? (...args) => {
            firstTry(...args);
            return new Promise(() => {});
          }
        : firstTry;
      expect(await deliveriesAfter(wrapped)).toBe(expected);
    });
  }

  it('a plain (not async) function returning the odd ids → odd again', async () => {
    expect(await deliveriesAfter((_e, _c, odd) => failOdd(odd), 'plain')).toBe('odd');
  });

  it('a plain function that throws → all again', async () => {
    const boom = () => {
      throw new Error('boom');
    };
    expect(await deliveriesAfter(boom, 'plain')).toBe('all');
  });

  it('a callback handler: callback(null, failures) → odd again', async () => {
    expect(await deliveriesAfter((_e, _c, odd, cb) => cb(null, failOdd(odd)), 'callback')).toBe(
      'odd',
    );
  });

  it("a callback handler: callback('boom') → all again", async () => {
    expect(await deliveriesAfter((_e, _c, _odd, cb) => cb('boom'), 'callback')).toBe('all');
  });
});

describe('bad arguments', () => {
  it('refuses a handler that is not a function', () => {
    expect(() => lambdaHandler('handler' as unknown as LambdaSqsHandler)).toThrow(TypeError);
  });

  it('refuses a bad functionName and an unknown option with a ConfigError', () => {
    const handler = () => undefined;
    for (const functionName of ['', 'my function', 'x'.repeat(65), 'a/b', 42]) {
      const error = (() => {
        try {
          lambdaHandler(handler, { functionName } as { functionName: string });
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).option).toBe('functionName');
      expect((error as Error).message).toMatch(/1 to 64 letters/);
    }
    expect(() => lambdaHandler(handler, { functionName: 'a'.repeat(64) })).not.toThrow();
    expect(() => lambdaHandler(handler, { functionname: 'x' } as object)).toThrow(
      /Did you mean functionName\?/,
    );
  });

  it('in per-message mode every message fails with a TypeError naming the fix, none is deleted', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    await sendMessages(queueUrl, ['x']);
    const errors: unknown[] = [];
    const batch = lambdaHandler(() => undefined);
    const listener = perMessageListener(
      batch as unknown as Parameters<typeof perMessageListener>[0],
      {
        logger: silentLogger,
        env: {},
        tracing: false,
        onFailure: (_m, error) => {
          errors.push(error);
        },
      },
    );
    const run = startListener(listener, queueUrl, { client: countingClient().client });
    expect(await eventually(() => errors.length === 1, 10_000)).toBe(true);
    await run.stop();
    expect(errors[0]).toBeInstanceOf(TypeError);
    expect((errors[0] as Error).message).toMatch(/mode: 'batch'/);
    expect((await queueCounts(queueUrl)).visible + (await queueCounts(queueUrl)).inFlight).toBe(1);
  });
});
