/**
 * The seed's message helpers on LeasedMessage: `json` (parsed once, clear error), `tryJson()`
 * (never throws), `messageAttributes()` (simplified values) and the system attributes.
 */
import type { Message } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ackingWritable } from '../../src/adapters/node-streams.js';
import { Lease } from '../../src/core/lease.js';
import { LeasedMessage, type NackOptions, type Settler } from '../../src/core/leased-message.js';
import { ConfigError, MessageBodyError, SettleError } from '../../src/shared/errors.js';
import { FakeSqs, sqsMessage } from '../support/fake-sqs.js';
import { recordUnhandledRejections } from '../support/leaks.js';
import { type OpenStream, openStream, outcome, take, useFakeClock } from '../support/unit.js';

const settler: Settler = {
  ack: () => Promise.resolve(),
  nack: () => Promise.resolve(),
  timeOut: () => Promise.resolve(),
};

function leased(raw: Partial<Message>): LeasedMessage {
  const message: Message = { MessageId: 'msg-1', ReceiptHandle: 'rh-1', ...raw };
  const lease = new Lease(message.MessageId!, message.ReceiptHandle!, Date.now(), 30);
  return new LeasedMessage(message, lease, settler);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('json', () => {
  it('parses the body once and returns the same object every time', () => {
    const parse = vi.spyOn(JSON, 'parse');
    const m = leased({ Body: '{"order":{"id":7,"items":[1,2]}}' });

    const first = m.json;
    const second = m.json;

    expect(first).toEqual({ order: { id: 7, items: [1, 2] } });
    expect(second).toBe(first);
    expect(parse).toHaveBeenCalledTimes(1);
  });

  it('caches falsy JSON values too', () => {
    const parse = vi.spyOn(JSON, 'parse');
    const m = leased({ Body: 'null' });
    expect(m.json).toBeNull();
    expect(m.json).toBeNull();
    expect(parse).toHaveBeenCalledTimes(1);
  });

  it.each(['not json', '{"unterminated": ', '', "{'single': 'quotes'}"])(
    'throws a MessageBodyError naming the message for %j',
    (body) => {
      const m = leased({ MessageId: 'bad-body-42', Body: body });
      let thrown: unknown;
      try {
        void m.json;
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(MessageBodyError);
      expect(thrown).toMatchObject({ messageId: 'bad-body-42', code: 'InvalidJson' });
      expect((thrown as Error).message).toContain('bad-body-42');
      expect((thrown as Error).cause).toBeInstanceOf(SyntaxError);
    },
  );

  it('treats a missing body as an empty, non-JSON body', () => {
    const m = leased({});
    expect(m.body).toBe('');
    expect(() => m.json).toThrow(MessageBodyError);
  });
});

describe('tryJson()', () => {
  it('returns [data, undefined] for a JSON body', () => {
    const m = leased({ Body: '[1,"two",{"three":3}]' });
    const [data, error] = m.tryJson<unknown[]>();
    expect(error).toBeUndefined();
    expect(data).toEqual([1, 'two', { three: 3 }]);
    expect(m.tryJson()[0]).toBe(data);
  });

  it('returns [undefined, error] for an invalid body, without throwing', () => {
    const m = leased({ MessageId: 'nope', Body: '<xml/>' });
    let result: ReturnType<LeasedMessage['tryJson']> | undefined;
    expect(() => {
      result = m.tryJson();
    }).not.toThrow();
    const [data, error] = result!;
    expect(data).toBeUndefined();
    expect(error).toBeInstanceOf(MessageBodyError);
    expect(error?.messageId).toBe('nope');
  });

  it('tells a JSON null apart from a failure', () => {
    expect(leased({ Body: 'null' }).tryJson()).toEqual([null, undefined]);
  });
});

describe('messageAttributes()', () => {
  it('simplifies String, Number and Binary values', () => {
    const bytes = new Uint8Array([0, 1, 254, 255]);
    const m = leased({
      MessageAttributes: {
        name: { DataType: 'String', StringValue: 'Ada' },
        count: { DataType: 'Number', StringValue: '42' },
        negative: { DataType: 'Number', StringValue: '-7' },
        price: { DataType: 'Number.float', StringValue: '3.14' },
        exponent: { DataType: 'Number', StringValue: '1.5e3' },
        id: { DataType: 'String.uuid', StringValue: '0f8fad5b-d9cb-469f-a165-70867728950e' },
        payload: { DataType: 'Binary', BinaryValue: bytes },
        image: { DataType: 'Binary.png', BinaryValue: bytes },
      },
    });

    const attributes = m.messageAttributes();

    expect(attributes).toEqual({
      name: 'Ada',
      count: 42,
      negative: -7,
      price: 3.14,
      exponent: 1500,
      id: '0f8fad5b-d9cb-469f-a165-70867728950e',
      payload: bytes,
      image: bytes,
    });
    expect(typeof attributes.count).toBe('number');
    expect(attributes.payload).toBeInstanceOf(Uint8Array);
  });

  it('keeps the exact text of integers beyond the safe range', () => {
    const m = leased({
      MessageAttributes: {
        big: { DataType: 'Number', StringValue: '12345678901234567890' },
        bigNegative: { DataType: 'Number', StringValue: '-9007199254740993' },
        maxSafe: { DataType: 'Number', StringValue: '9007199254740991' },
        huge: { DataType: 'Number', StringValue: '1e400' },
      },
    });

    const attributes = m.messageAttributes();

    expect(attributes.big).toBe('12345678901234567890');
    expect(attributes.bigNegative).toBe('-9007199254740993');
    expect(attributes.maxSafe).toBe(9_007_199_254_740_991);
    // Not representable as a finite number: keep the text rather than Infinity.
    expect(attributes.huge).toBe('1e400');
  });

  it('returns an empty record when there are no attributes', () => {
    expect(leased({}).messageAttributes()).toEqual({});
  });
});

describe('system attributes', () => {
  it('reads receiveCount, sentAt and groupId from Attributes', () => {
    const m = leased({
      Attributes: {
        ApproximateReceiveCount: '3',
        SentTimestamp: '1700000000123',
        MessageGroupId: 'customer-9',
        MessageDeduplicationId: 'dedup-1',
        SequenceNumber: '18849496460467696128',
      },
    });
    expect(m.receiveCount).toBe(3);
    expect(m.sentAt).toEqual(new Date(1_700_000_000_123));
    expect(m.groupId).toBe('customer-9');
    expect(m.deduplicationId).toBe('dedup-1');
    expect(m.sequenceNumber).toBe('18849496460467696128');
  });

  it('has sensible values without Attributes (standard queue, nothing requested)', () => {
    const m = leased({ Body: 'x' });
    expect(m.receiveCount).toBe(1);
    expect(m.sentAt).toBeUndefined();
    expect(m.groupId).toBeUndefined();
    expect(m.raw.Body).toBe('x');
  });
});

describe('through a stream', () => {
  it('asks SQS for every attribute and exposes them on the message', async () => {
    const fake = new FakeSqs().enqueue(
      sqsMessage('with-attrs', {
        body: '{"ok":true}',
        attributes: { ApproximateReceiveCount: '2', SentTimestamp: '1700000000000' },
        messageAttributes: { n: { DataType: 'Number', StringValue: '5' } },
      }),
    );
    const open = openStream({ maxInFlight: 1 }, fake);
    try {
      const [m] = await take(open.iterator, 1);
      expect(fake.sent('ReceiveMessage')[0]!.input).toMatchObject({
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      });
      expect(m!.messageId).toBe('with-attrs');
      expect(m!.json).toEqual({ ok: true });
      expect(m!.receiveCount).toBe(2);
      expect(m!.messageAttributes()).toEqual({ n: 5 });
      await m!.ack();
    } finally {
      await open.close();
    }
  });
});

describe('nack() with invalid options', () => {
  let open: OpenStream | undefined;

  beforeEach(() => {
    useFakeClock();
  });

  afterEach(async () => {
    await open?.close();
    open = undefined;
    vi.useRealTimers();
  });

  /** Calls `m.nack(options)` and returns what it threw synchronously (undefined if nothing). */
  function thrownBy(m: LeasedMessage, options: unknown): unknown {
    try {
      void m.nack(options as NackOptions);
    } catch (error) {
      return error;
    }
    return undefined;
  }

  const odd: Array<[string, unknown, string]> = [
    ['1.5', { delaySeconds: 1.5 }, 'delaySeconds 1.5'],
    ['-1', { delaySeconds: -1 }, 'delaySeconds -1'],
    ['NaN', { delaySeconds: Number.NaN }, 'delaySeconds NaN'],
    ['Infinity', { delaySeconds: Number.POSITIVE_INFINITY }, 'delaySeconds Infinity'],
    ['43201', { delaySeconds: 43_201 }, 'delaySeconds 43201'],
    ["'5'", { delaySeconds: '5' }, 'delaySeconds "5" (a string)'],
    ['null', { delaySeconds: null }, 'delaySeconds null'],
    ['5n', { delaySeconds: 5n }, 'delaySeconds 5'],
    ['a null-prototype object', { delaySeconds: Object.create(null) }, 'delaySeconds {}'],
    ['options 30', 30, 'options 30'],
    ['options null', null, 'options null'],
  ];

  it.each(odd)(
    'delay %s throws a SettleError at once, sends nothing, and nacks the message plainly',
    async (_name, options, shown) => {
      const recorder = recordUnhandledRejections();
      try {
        open = openStream({ maxInFlight: 1, visibilitySecs: 30 });
        const { fake, iterator, stream } = open;
        fake.enqueue(sqsMessage('bad-delay'), sqsMessage('next'));
        const [m] = await take(iterator, 1);

        const error = thrownBy(m!, options);

        expect(error).toBeInstanceOf(SettleError);
        expect(error).toMatchObject({ code: 'InvalidDelay', messageId: 'bad-delay' });
        const text = (error as Error).message;
        expect(text).toContain('bad-delay');
        expect(text).toContain(shown);
        expect(text).toContain('from 0 to 43200');
        expect(m!.settled).toBe(true);
        expect(stream.stats()).toMatchObject({ nacked: 1, inFlight: 0 });

        // Settled as nacked: a later ack rejects and deletes nothing.
        await expect(m!.ack()).rejects.toMatchObject({
          name: 'SettleError',
          code: 'SettleConflict',
          messageId: 'bad-delay',
        });
        // Its slot is free (maxInFlight 1): the next message arrives.
        const [next] = await take(iterator, 1);
        expect(next!.messageId).toBe('next');
        await next!.ack();
        // Well past its visibility: never extended (the lease did not leak), never deleted.
        await vi.advanceTimersByTimeAsync(90_000);
        const touched = fake
          .entriesOf('ChangeMessageVisibilityBatch')
          .flat()
          .filter((e) => e.ReceiptHandle === m!.receiptHandle);
        expect(touched).toEqual([]);
        expect(fake.deleted).toEqual([next!.receiptHandle]);
        expect(recorder.reasons).toEqual([]);
      } finally {
        recorder.stop();
      }
    },
  );

  it('takes { delaySeconds: undefined } as no delay, and 0 and 43200 as valid', async () => {
    open = openStream({ maxInFlight: 3, visibilitySecs: 30 });
    const { fake, iterator } = open;
    fake.enqueue(sqsMessage('plain'), sqsMessage('zero'), sqsMessage('max'));
    const [plain, zero, max] = await take(iterator, 3);

    const nacks = [
      plain!.nack({ delaySeconds: undefined }),
      zero!.nack({ delaySeconds: 0 }),
      max!.nack({ delaySeconds: 43_200 }),
    ];
    await vi.advanceTimersByTimeAsync(100);
    expect(await Promise.all(nacks.map(outcome))).toEqual([
      { ok: true },
      { ok: true },
      { ok: true },
    ]);

    const changes = fake.entriesOf('ChangeMessageVisibilityBatch').flat();
    expect(changes.map((e) => [e.ReceiptHandle, e.VisibilityTimeout])).toEqual([
      [zero!.receiptHandle, 0],
      // Clamped to what SQS allows counting from the receive.
      [max!.receiptHandle, 43_199],
    ]);
  });

  it('after ack() throws too, and the ack stands', async () => {
    open = openStream({ maxInFlight: 1 });
    const { fake, iterator } = open;
    fake.enqueue(sqsMessage('acked'));
    const [m] = await take(iterator, 1);
    const acked = m!.ack();

    const error = thrownBy(m!, { delaySeconds: -5 });

    expect(error).toMatchObject({ name: 'SettleError', code: 'InvalidDelay' });
    expect((error as Error).message).toContain('The earlier ack stands');
    await acked;
    expect(fake.deleted).toEqual([m!.receiptHandle]);
    expect(fake.sent('ChangeMessageVisibilityBatch')).toHaveLength(0);
  });

  it('after a valid nack throws too, and the earlier delay stands', async () => {
    open = openStream({ maxInFlight: 1 });
    const { fake, iterator } = open;
    fake.enqueue(sqsMessage('nacked'));
    const [m] = await take(iterator, 1);
    const nacked = m!.nack({ delaySeconds: 10 });

    expect(thrownBy(m!, { delaySeconds: 2.5 })).toMatchObject({ code: 'InvalidDelay' });
    expect(await outcome(nacked)).toEqual({ ok: true });
    expect(fake.visibilityChanges.map((c) => c.timeoutSecs)).toEqual([10]);
  });

  it('ackingWritable() refuses an invalid nackDelaySeconds when it is created', () => {
    expect(() => ackingWritable(() => {}, { nackDelaySeconds: 1.5 })).toThrow(ConfigError);
    expect(() => ackingWritable(() => {}, { nackDelaySeconds: 30 })).not.toThrow();
  });
});
