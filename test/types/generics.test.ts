/**
 * Type tests: `T` types `message.json` (and `data`) through every entry point, without casts;
 * `sqsListener()`'s handler type follows `mode`. Checked by `tsc` (npm run typecheck covers
 * test/); a `@ts-expect-error` line fails the check if its error goes away.
 */
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  batchListener,
  type HandlerForMode,
  type LeasedMessage,
  type MessageBodyError,
  type MessageHandler,
  perMessageListener,
  type RegisteredListener,
  type SqsMessageStream,
  sqsListener,
  sqsMessages,
} from '../../src/index.js';

interface Order {
  id: string;
  qty: number;
}
const Order = z.object({ id: z.string(), qty: z.number() });

// Registrations and streams made here are never run: the file only has to type-check.
const queueUrl = 'http://localhost:1/000000000000/generics';

describe('generic messages', () => {
  it('json is T: sqsListener<Order>, both modes', () => {
    sqsListener<Order>({ queueUrl }, (m) => {
      expectTypeOf(m.json).toEqualTypeOf<Order>();
      expectTypeOf(m.json.qty).toBeNumber();
    });
    sqsListener<Order, 'batch'>({ queueUrl, mode: 'batch' }, (ms) => {
      expectTypeOf(ms).toEqualTypeOf<LeasedMessage<Order>[]>();
      expectTypeOf(ms[0]?.json).toEqualTypeOf<Order | undefined>();
    });
    // Naming the default mode is fine with one type argument.
    sqsListener<Order>({ queueUrl, mode: 'per_message' }, (m) => m.json.id);
  });

  it('json is unknown by default, and a handler annotation cannot set T', () => {
    sqsListener({ queueUrl }, (m) => expectTypeOf(m.json).toBeUnknown());
    const typed = async (m: LeasedMessage<Order>) => m.json.id;
    // @ts-expect-error T comes from a schema or a type argument, not from the handler
    sqsListener({ queueUrl }, typed);
    sqsListener<Order>({ queueUrl }, typed);
  });

  it('a schema sets T: json and data are its output', () => {
    sqsListener({ queueUrl, schema: Order }, (m) => {
      expectTypeOf(m.json).toEqualTypeOf<Order>();
      expectTypeOf(m.data).toEqualTypeOf<Order>();
    });
    // @ts-expect-error the schema gives an Order, not a string
    sqsListener<string>({ queueUrl, schema: Order }, () => {});
  });

  it('the adapters and the stream carry T', () => {
    perMessageListener<Order>((m) => expectTypeOf(m.json).toEqualTypeOf<Order>());
    batchListener<Order>((ms) => expectTypeOf(ms[0]?.json).toEqualTypeOf<Order | undefined>());
    const stream = sqsMessages<Order>(queueUrl);
    expectTypeOf(stream).toEqualTypeOf<SqsMessageStream<Order>>();
    expectTypeOf(sqsMessages<Order>({ queueName: 'orders' })).toEqualTypeOf<
      SqsMessageStream<Order>
    >();
    expectTypeOf(sqsMessages(queueUrl)).toEqualTypeOf<SqsMessageStream<unknown>>();
    const loop = async () => {
      for await (const message of stream) expectTypeOf(message.json.id).toBeString();
    };
    void loop;
    // A typed stream is an async iterable of typed messages, and feeds any listener.
    expectTypeOf(stream).toMatchTypeOf<AsyncIterable<LeasedMessage<Order>>>();
    const consume = () => perMessageListener<Order>((m) => m.json.qty > 0)(stream);
    void consume; // never called: consuming would start receiving
  });

  it('tryJson() defaults to T, and still takes its own type', () => {
    sqsListener<Order>({ queueUrl }, (m) => {
      expectTypeOf(m.tryJson()).toEqualTypeOf<[Order, undefined] | [undefined, MessageBodyError]>();
      const [other] = m.tryJson<{ sku: string }>();
      expectTypeOf(other).toEqualTypeOf<{ sku: string } | undefined>();
    });
  });

  it('typed registrations are registrations', () => {
    const typed = sqsListener<Order>({ queueUrl }, (m) => m.json.id);
    expectTypeOf(typed).toEqualTypeOf<RegisteredListener<Order>>();
    const all: RegisteredListener[] = [typed];
    void all;
  });
});

describe('sqsListener: the handler follows mode', () => {
  it('per-message by default, arrays in batch mode', () => {
    sqsListener({ queueUrl }, (m) => expectTypeOf(m).toEqualTypeOf<LeasedMessage<unknown>>());
    sqsListener({ queueUrl, mode: 'per_message' }, (m) => expectTypeOf(m.messageId).toBeString());
    sqsListener({ queueUrl, mode: 'batch' }, (ms) => {
      expectTypeOf(ms).toEqualTypeOf<LeasedMessage<unknown>[]>();
    });
    expectTypeOf<HandlerForMode<'batch', Order>>()
      .parameter(0)
      .toEqualTypeOf<LeasedMessage<Order>[]>();
    expectTypeOf<HandlerForMode<undefined, Order>>().toEqualTypeOf<MessageHandler<Order>>();
  });

  it('mistakes are errors', () => {
    // Never called: the bad mode would throw its ConfigError at run time too.
    const mistakes = () => {
      // @ts-expect-error a batch handler needs mode: 'batch'
      sqsListener({ queueUrl }, (ms: LeasedMessage[]) => ms.length);
      // @ts-expect-error a per-message handler in batch mode
      sqsListener({ queueUrl, mode: 'batch' }, (m: LeasedMessage) => m.messageId);
      // @ts-expect-error not a mode
      sqsListener({ queueUrl, mode: 'perMessage' }, () => {});
      // @ts-expect-error batch mode with one type argument: give the mode too (<Order, 'batch'>)
      sqsListener<Order>({ queueUrl, mode: 'batch' }, () => {});
    };
    void mistakes;
  });
});
