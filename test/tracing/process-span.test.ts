/**
 * `process` spans in per-message mode, against fauxqs: linked to the producer's trace (W3C
 * `traceparent` in the message attributes) by default, parented with `parent: 'parent'`, the
 * handler's own spans its children, error status for each way a handler fails, and no span with
 * `tracing: false`.
 */
import {
  type Context,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decodeMessage } from '../../src/core/leased-message.js';
import {
  type LeasedMessage,
  NonRetryableError,
  perMessageListener,
  silentLogger,
} from '../../src/index.js';
import { startListener, stopAllListeners } from '../support/listen.js';
import { revokedProxy } from '../support/odd-values.js';
import { createQueue, eventually, sendMessages } from '../support/sqs.js';
import {
  exporter,
  installTracing,
  producerTrace,
  spansNamed,
  traceAttributes,
  uninstall,
} from './otel.js';

beforeAll(() => {
  installTracing();
});
afterAll(uninstall);
beforeEach(() => exporter.reset());
afterEach(stopAllListeners);

const base = { logger: silentLogger, env: {} };

async function runOne(
  handler: (m: LeasedMessage) => unknown,
  options: Parameters<typeof perMessageListener>[1] = {},
  attributes = traceAttributes(producerTrace()),
) {
  const { queueUrl } = await createQueue({ visibilitySecs: 30 });
  const [id] = await sendMessages(queueUrl, [{ n: 1 }], () => ({ MessageAttributes: attributes }));
  const run = startListener(perMessageListener(handler, { ...base, ...options }), queueUrl);
  expect(await eventually(() => spansNamed('process').length > 0, 10_000)).toBe(true);
  await run.stop();
  const [span] = spansNamed('process');
  return { span: span!, id: id!, queueUrl };
}

describe('process span (per message)', () => {
  it('links the producer trace, with the messaging attributes, as a root CONSUMER span', async () => {
    const producer = producerTrace();
    const { span, id, queueUrl } = await runOne(() => true, {}, traceAttributes(producer));
    const queueName = queueUrl.slice(queueUrl.lastIndexOf('/') + 1);
    expect(span.name).toBe(`process ${queueName}`);
    expect(span.kind).toBe(SpanKind.CONSUMER);
    expect(span.parentSpanContext).toBeUndefined();
    expect(span.spanContext().traceId).not.toBe(producer.traceId);
    expect(span.links.map((l) => [l.context.traceId, l.context.spanId])).toEqual([
      [producer.traceId, producer.spanId],
    ]);
    expect(span.attributes).toEqual({
      'messaging.system': 'aws_sqs',
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.destination.name': queueName,
      'messaging.message.id': id,
      'aws.sqs.queue.url': queueUrl,
    });
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
  });

  it("parent: 'parent' puts the span in the producer's trace", async () => {
    const producer = producerTrace();
    const { span } = await runOne(
      () => true,
      { tracing: { parent: 'parent' } },
      traceAttributes(producer),
    );
    expect(span.spanContext().traceId).toBe(producer.traceId);
    expect(span.parentSpanContext?.spanId).toBe(producer.spanId);
    expect(span.links).toEqual([]);
  });

  it('makes a span started inside the handler a child of process', async () => {
    const { span } = await runOne(async () => {
      await new Promise((r) => setTimeout(r, 5));
      trace.getTracer('user').startActiveSpan('user work', (s) => s.end());
    });
    const [user] = spansNamed('user work');
    expect(user?.parentSpanContext?.spanId).toBe(span.spanContext().spanId);
    expect(user?.spanContext().traceId).toBe(span.spanContext().traceId);
  });

  type Case = [string, (m: LeasedMessage) => unknown, { handlerTimeout?: number }, string];
  it.each<Case>([
    ['a throw', () => Promise.reject(new TypeError('bad')), {}, 'TypeError'],
    ['false', () => false, {}, 'returnedFalse'],
    [
      'a non-retryable error',
      () => Promise.reject(new NonRetryableError('poison')),
      {},
      'NonRetryableError',
    ],
    [
      'a timeout',
      () => new Promise((r) => setTimeout(r, 1_500)),
      { handlerTimeout: 0.2 },
      'timedOut',
    ],
    // Even `instanceof` throws on it: the span still ends, the message is still given back.
    ['a revoked proxy', () => Promise.reject(revokedProxy()), {}, '_OTHER'],
  ])('marks %s as an error with error.type', async (_label, handler, options, type) => {
    const { span } = await runOne(handler, options);
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes['error.type']).toBe(type);
  });

  it('reads the trace context of an unwrapped envelope when the SQS attributes carry none', async () => {
    // What the SNS decoder does: replace the body and attributes with the envelope's.
    const producer = producerTrace();
    const unwrap = (m: LeasedMessage) => {
      m[decodeMessage]('inner', traceAttributes(producer));
      return true;
    };
    const { span } = await runOne(() => true, { filter: unwrap }, {});
    expect(span.links.map((l) => l.context.spanId)).toEqual([producer.spanId]);
  });

  it('uses the tracerProvider and propagator it is given instead of the global ones', async () => {
    const own = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(own)],
    });
    // A producer that writes the W3C header under its own attribute name.
    const w3c = new W3CTraceContextPropagator();
    const propagator = {
      fields: () => ['x-trace'],
      extract: (ctx: Context, carrier: unknown, getter: TextMapGetter) =>
        w3c.extract(ctx, carrier, {
          keys: () => ['traceparent'],
          get: (c, key) => (key === 'traceparent' ? getter.get(c, 'x-trace') : undefined),
        }),
    };
    const producer = producerTrace();
    const { queueUrl } = await createQueue();
    await sendMessages(queueUrl, [{ n: 1 }], () => ({
      MessageAttributes: { 'x-trace': { DataType: 'String', StringValue: producer.traceparent } },
    }));
    const run = startListener(
      perMessageListener(() => true, { ...base, tracing: { tracerProvider, propagator } }),
      queueUrl,
    );
    expect(await eventually(() => own.getFinishedSpans().length > 0, 10_000)).toBe(true);
    await run.stop();
    const span = own.getFinishedSpans().find((s) => s.name.startsWith('process'));
    expect(span?.links.map((l) => l.context.spanId)).toEqual([producer.spanId]);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it('makes no span with tracing: false', async () => {
    const { queueUrl } = await createQueue();
    await sendMessages(queueUrl, [{ n: 1 }], () => ({
      MessageAttributes: traceAttributes(producerTrace()),
    }));
    let handled = 0;
    const run = startListener(
      perMessageListener(() => void handled++, { ...base, tracing: false }),
      queueUrl,
    );
    expect(await eventually(() => handled === 1, 10_000)).toBe(true);
    await run.stop();
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});
