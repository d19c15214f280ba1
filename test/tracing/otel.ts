/**
 * OpenTelemetry for the tracing tests: an in-memory span exporter behind a global tracer
 * provider, and the AsyncLocalStorage context manager (what the Node SDK registers). Each test
 * file runs in its own fork, so registering globals per file is safe; `uninstall()` undoes it.
 * No global propagator is registered: the listener then reads W3C headers itself.
 */
import { randomBytes } from 'node:crypto';
import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';

export const exporter = new InMemorySpanExporter();

export function installTracing(): BasicTracerProvider {
  const provider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  return provider;
}

export function uninstall(): void {
  trace.disable();
  context.disable();
  propagation.disable();
  metrics.disable();
}

/** A producer's span context, as W3C `traceparent` would carry it. */
export interface ProducerTrace {
  traceId: string;
  spanId: string;
  traceparent: string;
}

export function producerTrace(): ProducerTrace {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

export function traceAttributes(p: ProducerTrace): Record<string, MessageAttributeValue> {
  return { traceparent: { DataType: 'String', StringValue: p.traceparent } };
}

export function spansNamed(prefix: string): ReadableSpan[] {
  return exporter.getFinishedSpans().filter((s) => s.name.startsWith(prefix));
}
