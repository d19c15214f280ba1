/** The `tracing` option is validated when the listener is built: a clear ConfigError. */
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import {
  batchListener,
  ConfigError,
  perMessageListener,
  type TracingOptions,
} from '../../src/index.js';

const build = (tracing: unknown) => () =>
  perMessageListener(() => {}, { tracing: tracing as false, env: {} });

describe('tracing option', () => {
  it.each([
    ['a string', 'on', 'tracing'],
    ['null', null, 'tracing'],
    ['an array', [], 'tracing'],
    ['a provider without getTracer', { tracerProvider: {} }, 'tracing.tracerProvider'],
    ['a meter provider without getMeter', { meterProvider: 5 }, 'tracing.meterProvider'],
    ['a propagator without extract', { propagator: { fields: () => [] } }, 'tracing.propagator'],
    ['an unknown parent', { parent: 'child' }, 'tracing.parent'],
  ])('rejects %s', (_label, value, option) => {
    expect(build(value)).toThrow(ConfigError);
    expect(build(value)).toThrow(`option ${option}`);
  });

  it('accepts false, {} and every documented field', () => {
    expect(build(false)).not.toThrow();
    expect(build({})).not.toThrow();
    const options = {
      tracerProvider: { getTracer: () => ({}) },
      meterProvider: { getMeter: () => ({}) },
      propagator: { extract: (c: unknown) => c, fields: () => [] },
      parent: 'parent' as const,
    };
    expect(() => batchListener(() => {}, { tracing: options, env: {} })).not.toThrow();
  });
});

describe('tracing option types', () => {
  it("accepts the SDK's own providers and propagators without casts", () => {
    const tracing: TracingOptions = {
      tracerProvider: new BasicTracerProvider(),
      meterProvider: new MeterProvider(),
      propagator: new W3CTraceContextPropagator(),
    };
    expect(build(tracing)).not.toThrow();
  });
});
