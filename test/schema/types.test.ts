/**
 * Type tests: a schema types `message.data` through sqsListener (both modes), the adapters and
 * runListeners, with no casts. Checked by `tsc` (npm run typecheck covers test/); the
 * `@ts-expect-error` lines fail the type check if the error they expect goes away.
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import * as v from 'valibot';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { z as z3 } from 'zod/v3';
import {
  batchListener,
  type InferSchemaOutput,
  type LeasedMessage,
  type MessageSchema,
  perMessageListener,
  type RegisteredListener,
  runListeners,
  sqsListener,
} from '../../src/index.js';

const Order = z.object({ orderId: z.string(), qty: z.number().int().positive() });
type Order = z.infer<typeof Order>;
const ValibotOrder = v.object({ orderId: v.string(), qty: v.number() });
const Zod3Order = z3.object({ orderId: z3.string() });

// Registrations made here are never run: the file only has to type-check.
const queueUrl = 'http://localhost:1/000000000000/types';

describe('schema types', () => {
  it('sqsListener per-message: data is the schema output (zod 4, zod 3, valibot)', () => {
    sqsListener({ queueUrl, schema: Order }, async (m) => {
      expectTypeOf(m.data).toEqualTypeOf<Order>();
      expectTypeOf(m.data.orderId).toBeString();
      // @ts-expect-error no such field on the schema
      m.data.orderid;
      return m.data.orderId;
    });
    sqsListener({ queueUrl, schema: Zod3Order }, (m) => {
      expectTypeOf(m.data).toEqualTypeOf<{ orderId: string }>();
    });
    sqsListener({ queueUrl, schema: ValibotOrder }, (m) => {
      expectTypeOf(m.data).toEqualTypeOf<{ orderId: string; qty: number }>();
    });
  });

  it('sqsListener batch: every message of the array is typed', () => {
    sqsListener({ queueUrl, mode: 'batch', schema: Order }, async (ms) => {
      expectTypeOf(ms).toEqualTypeOf<LeasedMessage<Order>[]>();
      // @ts-expect-error qty is a number
      const wrong: string = ms[0]?.data.qty ?? '';
      void wrong;
      return void ms[0]?.data.orderId;
    });
  });

  it('a transform: data is the output type, not the input', () => {
    const Stamped = z.object({ at: z.string() }).transform((o) => new Date(o.at));
    sqsListener({ queueUrl, schema: Stamped }, (m) => {
      expectTypeOf(m.data).toEqualTypeOf<Date>();
    });
    const Parsed = v.pipe(v.string(), v.transform(Number));
    perMessageListener((m) => expectTypeOf(m.data).toEqualTypeOf<number>(), { schema: Parsed });
  });

  it('async schemas type the same way', () => {
    const Checked = z.object({ id: z.string() }).refine(async (o) => o.id !== '');
    const ValibotChecked = v.pipeAsync(
      v.object({ id: v.string() }),
      v.checkAsync(async (o) => o.id !== ''),
    );
    sqsListener({ queueUrl, schema: Checked }, (m) => expectTypeOf(m.data.id).toBeString());
    sqsListener({ queueUrl, schema: ValibotChecked }, (m) => expectTypeOf(m.data.id).toBeString());
  });

  it('the adapters: perMessageListener and batchListener carry the type', () => {
    perMessageListener((m) => expectTypeOf(m.data).toEqualTypeOf<Order>(), { schema: Order });
    batchListener(
      (ms) => {
        expectTypeOf(ms[0]?.data).toEqualTypeOf<Order | undefined>();
      },
      { schema: Order, batchSize: 5 },
    );
    // Hooks and options beside the schema do not disturb the inference.
    perMessageListener((m) => m.data.qty > 0, {
      schema: Order,
      onFailure: (_m, error) => void error,
      workerThreads: 2,
    });
  });

  it('without a schema, data is unknown, and a handler cannot claim a type no schema gives', () => {
    sqsListener({ queueUrl }, (m) => expectTypeOf(m.data).toBeUnknown());
    perMessageListener((m) => expectTypeOf(m.data).toBeUnknown());
    const typedHandler = (m: LeasedMessage<Order>) => m.data.orderId;
    // @ts-expect-error no schema produces an Order
    perMessageListener(typedHandler);
    // @ts-expect-error no schema produces an Order
    sqsListener({ queueUrl }, typedHandler);
    // With the schema, the same handler is fine.
    perMessageListener(typedHandler, { schema: Order });
    sqsListener({ queueUrl, schema: Order }, typedHandler);
  });

  it('a schema of another type than the handler wants is rejected', () => {
    const Other = z.object({ sku: z.string() });
    // @ts-expect-error the handler wants an Order, the schema gives { sku }
    sqsListener({ queueUrl, schema: Other }, (m: LeasedMessage<Order>) => m.data.orderId);
    // @ts-expect-error not a schema
    sqsListener({ queueUrl, schema: { parse: () => 1 } }, () => {});
  });

  it('typed registrations go to runListeners and the untyped registry type', () => {
    const typed = sqsListener({ queueUrl, schema: Order }, (m) => m.data.orderId);
    expectTypeOf(typed).toEqualTypeOf<RegisteredListener<Order>>();
    const batch = sqsListener({ queueUrl, mode: 'batch', schema: ValibotOrder }, () => {});
    const all: RegisteredListener[] = [typed, batch];
    // Never awaited: a type check only (an aborted signal would stop it at once anyway).
    const run = () => runListeners({ listeners: [typed, batch], handleSignals: false });
    expectTypeOf(run).returns.toMatchTypeOf<Promise<unknown>>();
    void all;
  });

  it('our declared schema type accepts the spec type, and infers its output', () => {
    expectTypeOf<StandardSchemaV1<unknown, Order>>().toMatchTypeOf<MessageSchema<Order>>();
    expectTypeOf<StandardSchemaV1<{ a: 1 }, Date>>().toMatchTypeOf<MessageSchema<Date>>();
    expectTypeOf<InferSchemaOutput<typeof Order>>().toEqualTypeOf<Order>();
    expectTypeOf<InferSchemaOutput<StandardSchemaV1<string, number>>>().toEqualTypeOf<number>();
  });
});
