/**
 * Type tests of `createListener()`: the handler's shape follows `mode`, a schema types
 * `message.data`, the events are typed by name, and `stop()` resolves with the report. Checked
 * by `tsc` (npm run typecheck covers test/); the handles are created, never started.
 */
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  createListener,
  type LeasedMessage,
  type ListenerHandle,
  type ListenerReport,
  type ListenerStats,
  type NackedEvent,
  type ReceivedEvent,
  type StreamMessageEvent,
} from '../../src/index.js';

const queueUrl = 'http://localhost:1/000000000000/types';

describe('createListener types', () => {
  it('per-message by default, arrays in batch mode', () => {
    createListener({ queueUrl }, (message) => {
      expectTypeOf(message).toEqualTypeOf<LeasedMessage<unknown>>();
    });
    createListener({ queueUrl, mode: 'batch' }, (messages) => {
      expectTypeOf(messages).toEqualTypeOf<LeasedMessage<unknown>[]>();
    });
    // @ts-expect-error a batch handler needs mode 'batch'
    createListener({ queueUrl }, (messages: LeasedMessage[]) => messages.length);
    // @ts-expect-error shutdownTimeout is a number of seconds
    createListener({ queueUrl, shutdownTimeout: '20' }, () => {});
  });

  it('a schema types message.data', () => {
    const Order = z.object({ orderId: z.string() });
    createListener({ queueUrl, schema: Order }, (message) => {
      expectTypeOf(message.data).toEqualTypeOf<{ orderId: string }>();
    });
  });

  it('the handle: events by name, the report, the stats', () => {
    const handle = createListener({ queueUrl: process.env.QUEUE_URL }, () => {});
    expectTypeOf(handle).toEqualTypeOf<ListenerHandle>();
    // Through the methods' types: calling them here would start the handle.
    expectTypeOf(handle.start).returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf(handle.stop).returns.toEqualTypeOf<Promise<ListenerReport>>();
    expectTypeOf(handle.stop)
      .parameter(0)
      .toEqualTypeOf<{ timeout?: number | undefined } | undefined>();
    expectTypeOf(handle.drained).toEqualTypeOf<Promise<ListenerReport>>();
    expectTypeOf(handle.running).toEqualTypeOf<boolean>();
    expectTypeOf(handle.stats()).toEqualTypeOf<ListenerStats>();
    handle.on('received', (e) => expectTypeOf(e).toEqualTypeOf<ReceivedEvent>());
    handle.on('acked', (e) => expectTypeOf(e).toEqualTypeOf<StreamMessageEvent>());
    handle.on('nacked', (e) => expectTypeOf(e).toEqualTypeOf<NackedEvent>());
    handle.on('error', (e) => expectTypeOf(e).toEqualTypeOf<Error>());
    handle.on('stopped', (r) => expectTypeOf(r.error).toEqualTypeOf<Error | undefined>());
    // @ts-expect-error no such event
    handle.on('ackd', () => {});
    // Never called: only compiled.
    const badTimeout = () =>
      // @ts-expect-error the timeout is a number of seconds
      handle.stop({ timeout: '5' });
    expectTypeOf(badTimeout).toBeFunction();
  });
});
