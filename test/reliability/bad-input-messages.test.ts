/**
 * Bad bodies, bad attributes and misbehaving handlers, against fauxqs: none may crash the
 * listener or lose a message; each gives the documented error or behaviour.
 *
 * fauxqs gaps (and SQS rules) met here: an empty body cannot be sent at all (MissingParameter);
 * characters outside the BMP are refused by fauxqs (SQS accepts them), control characters by
 * both (InvalidMessageContents); the largest body is 1 MiB (1,048,576 bytes).
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type LeasedMessage,
  LeaseLostError,
  MessageBodyError,
  perMessageListener,
  runListeners,
  SettleError,
  silentLogger,
  sqsMessages,
} from '../../src/index.js';
import { startListener, stopAllListeners } from '../support/listen.js';
import {
  adminClient,
  countingClient,
  createQueue,
  eventually,
  queueCounts,
  receiveIdsWithin,
  sendMessages,
} from '../support/sqs.js';

afterEach(stopAllListeners);

const empty = async (queueUrl: string) => {
  const c = await queueCounts(queueUrl);
  return c.visible + c.inFlight + c.delayed === 0;
};

interface BodyCase {
  name: string;
  body: string;
  attributes?: Record<string, { DataType: string; StringValue?: string; BinaryValue?: Uint8Array }>;
  /** What the handler sees; it throws if anything differs. */
  check: (m: LeasedMessage) => void;
}

const deep = 5_000;
const BINARY = Uint8Array.from({ length: 256 }, (_, i) => i);

const BODY_CASES: BodyCase[] = [
  {
    name: 'invalid JSON: json throws MessageBodyError InvalidJson, tryJson returns it',
    body: '{"a":',
    check: (m) => {
      expect(() => m.json).toThrow(MessageBodyError);
      const [data, error] = m.tryJson();
      expect(data).toBeUndefined();
      expect(error).toMatchObject({ code: 'InvalidJson', messageId: m.messageId });
      expect(error?.message).toMatch(
        new RegExp(`^Message ${m.messageId} does not have a JSON body: `),
      );
    },
  },
  {
    name: 'whitespace only: body kept as is, json throws InvalidJson',
    body: ' \t\n ',
    check: (m) => {
      expect(m.body).toBe(' \t\n ');
      expect(m.tryJson()[1]).toMatchObject({ code: 'InvalidJson' });
    },
  },
  {
    name: '1 MiB body (the largest SQS takes): whole, byte for byte',
    body: 'x'.repeat(1024 * 1024),
    check: (m) => {
      expect(m.body.length).toBe(1024 * 1024);
      expect(m.tryJson()[1]).toMatchObject({ code: 'InvalidJson' });
    },
  },
  {
    name: `JSON nested ${deep} deep: parsed`,
    body: `${'['.repeat(deep)}1${']'.repeat(deep)}`,
    check: (m) => {
      let v = m.json;
      let depth = 0;
      while (Array.isArray(v)) {
        v = v[0];
        depth++;
      }
      expect([depth, v]).toEqual([deep, 1]);
    },
  },
  {
    name: 'odd characters in String attributes (U+FFFD, Latin-1 lookalikes, private use, NUL)',
    body: '{}',
    attributes: {
      mojibake: { DataType: 'String', StringValue: 'Ã©\u00ff\u00fe\uFFFD\uE000' },
      nul: { DataType: 'String', StringValue: 'a\u0000b' },
      num: { DataType: 'Number', StringValue: '12345678901234567890' },
    },
    check: (m) => {
      expect(m.messageAttributes()).toEqual({
        mojibake: 'Ã©\u00ff\u00fe\uFFFD\uE000',
        nul: 'a\u0000b',
        // Beyond double precision: kept as text rather than rounded.
        num: '12345678901234567890',
      });
    },
  },
  {
    name: 'Binary attributes (every byte value, custom type): Uint8Array',
    body: 'not json',
    attributes: {
      bytes: { DataType: 'Binary', BinaryValue: BINARY },
      custom: { DataType: 'Binary.gzip', BinaryValue: Uint8Array.of(0x1f, 0x8b, 0) },
    },
    check: (m) => {
      const a = m.messageAttributes();
      expect(a.bytes).toBeInstanceOf(Uint8Array);
      expect([...(a.bytes as Uint8Array)]).toEqual([...BINARY]);
      expect([...(a.custom as Uint8Array)]).toEqual([0x1f, 0x8b, 0]);
    },
  },
];

describe('bodies and attributes', () => {
  it.each(BODY_CASES)('$name', async (c) => {
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    const sent = await adminClient().send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: c.body,
        MessageAttributes: c.attributes,
      }),
    );
    const failures: unknown[] = [];
    const handler = (m: LeasedMessage) => {
      try {
        c.check(m);
      } catch (error) {
        failures.push(error);
        throw error;
      }
    };
    const run = startListener(
      perMessageListener(handler, { logger: silentLogger, env: {} }),
      queueUrl,
      {
        client: countingClient().client,
      },
    );
    expect(await eventually(() => empty(queueUrl), 10_000)).toBe(true);
    const result = await run.stop();
    if (failures.length > 0) throw failures[0];
    expect(result).toMatchObject({ processed: 1, succeeded: 1, failed: 0 });
    expect(sent.MessageId).toBeDefined();
  });

  it('a handler reading json of an invalid body fails that message only; it is redelivered', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 1 });
    const [bad, good] = await sendMessages(queueUrl, ['{oops', '{"ok":true}']);
    const calls: string[] = [];
    const handler = (m: LeasedMessage) => {
      calls.push(m.messageId);
      return m.json;
    };
    const run = startListener(
      perMessageListener(handler, { logger: silentLogger, env: {} }),
      queueUrl,
      {
        client: countingClient().client,
        visibilitySecs: 1,
      },
    );
    expect(await eventually(() => calls.filter((id) => id === bad).length >= 2, 10_000)).toBe(true);
    const result = await run.stop();
    expect(calls.filter((id) => id === good)).toHaveLength(1);
    expect(result.failed).toBeGreaterThanOrEqual(2);
    // The bad one is still there (not lost), the good one is deleted.
    const left = await receiveIdsWithin(queueUrl, [bad!], 5_000);
    expect([...left]).toEqual([bad]);
  });

  it.each([
    ['an empty body', '', 'AWS.SimpleQueueService.MissingParameter'],
    ['a control character', 'a\u0001b', 'AWS.SimpleQueueService.InvalidMessageContents'],
    ['1 MiB + 1 byte', 'x'.repeat(1024 * 1024 + 1), 'AWS.SimpleQueueService.InvalidParameterValue'],
  ])('%s cannot be sent at all (SQS refuses it)', async (_what, body, code) => {
    const { queueUrl } = await createQueue();
    await expect(
      adminClient().send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body })),
    ).rejects.toMatchObject({ Code: code });
    expect(await queueCounts(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });
});

describe('misbehaving handlers', () => {
  /** One message through a per-message listener whose handler is `handler`; visibility 1 s. */
  async function outcome(handler: (m: LeasedMessage) => unknown) {
    const { queueUrl } = await createQueue({ visibilitySecs: 1 });
    const [id] = await sendMessages(queueUrl, [{ n: 1 }]);
    let calls = 0;
    const run = startListener(
      perMessageListener(
        (m) => {
          calls++;
          return handler(m);
        },
        { logger: silentLogger, env: {} },
      ),
      queueUrl,
      { client: countingClient().client, visibilitySecs: 1 },
    );
    // Long enough for a nacked message to come back once (visibility 1 s).
    await eventually(async () => calls >= 2 || (await empty(queueUrl)), 5_000);
    const result = await run.stop();
    return { queueUrl, id: id!, result, calls, deleted: await empty(queueUrl) };
  }

  it.each([
    [
      'a string',
      () => {
        throw 'boom';
      },
    ],
    [
      'undefined',
      () => {
        throw undefined;
      },
    ],
    ['null', () => Promise.reject(null)],
    [
      'a number',
      () => {
        throw 42;
      },
    ],
    [
      'an object that is not an Error',
      () => {
        throw { code: 'E' };
      },
    ],
  ])(
    'throwing %s: the message fails (nack) and comes back; the listener keeps going',
    async (_w, h) => {
      const r = await outcome(h);
      expect(r.calls).toBeGreaterThanOrEqual(2);
      expect(r.deleted).toBe(false);
      expect(r.result.succeeded).toBe(0);
      expect(r.result.failed).toBe(r.calls);
    },
  );

  it.each([
    ['0', 0],
    ['1', 1],
    ['NaN', Number.NaN],
    ['an object', { ok: false }],
    ['the string "false"', 'false'],
    ['null', null],
    ['a resolved promise of undefined', Promise.resolve()],
  ])('returning %s: success (only false fails), the message is deleted', async (_w, value) => {
    const r = await outcome(() => value);
    expect(r).toMatchObject({
      calls: 1,
      deleted: true,
      result: { processed: 1, succeeded: 1, failed: 0 },
    });
  });

  it('settling twice: ack then nack rejects with SettleError SettleConflict, the ack stands', async () => {
    let conflict: unknown;
    let second: Promise<void> | undefined;
    let first: Promise<void> | undefined;
    const r = await outcome(async (m) => {
      first = m.ack();
      second = m.ack();
      conflict = await m.nack().catch((e: unknown) => e);
      await first;
    });
    expect(second).toBe(first);
    expect(conflict).toBeInstanceOf(SettleError);
    expect(conflict).toMatchObject({ code: 'SettleConflict' });
    expect((conflict as Error).message).toBe(`Cannot nack message ${r.id}: it was already acked`);
    expect(r).toMatchObject({ calls: 1, deleted: true });
  });

  it('settling after the lease was lost (maxExtend): ack rejects with LeaseLostError, the message comes back', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 1 });
    const [id] = await sendMessages(queueUrl, [{ n: 1 }]);
    let ackError: unknown;
    let reason: unknown;
    const handler = async (m: LeasedMessage) => {
      if (m.receiveCount > 1) return;
      await new Promise((resolve) => m.signal.addEventListener('abort', resolve));
      reason = m.signal.reason;
      ackError = await m.ack().catch((e: unknown) => e);
    };
    const run = startListener(
      perMessageListener(handler, { logger: silentLogger, env: {} }),
      queueUrl,
      {
        client: countingClient().client,
        visibilitySecs: 1,
        maxExtend: 2,
      },
    );
    expect(await eventually(() => empty(queueUrl), 15_000)).toBe(true);
    const result = await run.stop();
    expect(reason).toBeInstanceOf(LeaseLostError);
    expect((reason as LeaseLostError).reason).toBe('maxExtend');
    expect(ackError).toBe(reason);
    // Redelivered and handled (deleted) the second time: not lost.
    expect(result).toMatchObject({ processed: 2, succeeded: 2, failed: 0 });
    expect(id).toBeDefined();
  });

  it('never resolving, under the runner with shutdownTimeout 1: its signal aborts, the run ends, the message is released', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    const [id] = await sendMessages(queueUrl, [{ n: 1 }]);
    let started = false;
    let reason: unknown;
    const controller = new AbortController();
    const run = runListeners({
      signal: controller.signal,
      handleSignals: false,
      logger: silentLogger,
      shutdownTimeout: 1,
      env: {},
      listeners: [
        {
          options: { queueUrl, client: countingClient().client, waitTime: 1, idleSleepMax: 0 },
          handler: (m: LeasedMessage) => {
            started = true;
            m.signal.addEventListener('abort', () => {
              reason = m.signal.reason;
            });
            return new Promise(() => {});
          },
        },
      ],
    });
    expect(await eventually(() => started, 10_000)).toBe(true);
    const stoppedAt = Date.now();
    controller.abort();
    const [report] = await run;
    expect(Date.now() - stoppedAt).toBeLessThan(5_000);
    expect(report?.timedOut).toBe(true);
    expect(reason).toBeInstanceOf(LeaseLostError);
    expect((reason as LeaseLostError).reason).toBe('shutdown');
    // Released (visible again well before its 30 s visibility), not lost.
    const back = await receiveIdsWithin(queueUrl, [id!], 5_000);
    expect([...back]).toEqual([id]);
  });
});

describe('ack() on a message from an ended stream', () => {
  it('handed out and still leased: ack works after the loop ended, and deletes it', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    const [id] = await sendMessages(queueUrl, [{ n: 1 }]);
    const stream = sqsMessages(queueUrl, {
      client: countingClient().client,
      waitTime: 1,
      idleSleepMax: 0,
      logger: silentLogger,
      env: {},
    });
    let kept: LeasedMessage | undefined;
    for await (const m of stream) {
      kept = m;
      break;
    }
    expect(kept?.messageId).toBe(id);
    expect(kept?.signal.aborted).toBe(false);
    await kept!.ack();
    await stream.drained();
    expect(await queueCounts(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('released at the shutdown deadline: ack rejects with LeaseLostError (shutdown), nothing is deleted', async () => {
    const { queueUrl } = await createQueue({ visibilitySecs: 30 });
    const [id] = await sendMessages(queueUrl, [{ n: 1 }]);
    const stream = sqsMessages(queueUrl, {
      client: countingClient().client,
      waitTime: 1,
      idleSleepMax: 0,
      shutdownTimeout: 0.5,
      logger: silentLogger,
      env: {},
    });
    let kept: LeasedMessage | undefined;
    for await (const m of stream) {
      kept = m;
      break;
    }
    await stream.drained();
    expect(kept?.signal.reason).toBeInstanceOf(LeaseLostError);
    const error = await kept!.ack().catch((e: unknown) => e);
    expect(error).toBe(kept!.signal.reason);
    expect(error).toMatchObject({ reason: 'shutdown', code: 'LeaseLost', messageId: id });
    const back = await receiveIdsWithin(queueUrl, [id!], 5_000);
    expect([...back]).toEqual([id]);
  });
});
