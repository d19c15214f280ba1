/**
 * The `tracing` listener option: its public shape and its validation at start-up.
 *
 * The shapes are structural on purpose: `@opentelemetry/api` is an optional peer, and a project
 * that does not install it (with `skipLibCheck` off) must still compile against our `.d.ts`.
 * The real `TracerProvider`, `MeterProvider` and `TextMapPropagator` of the API satisfy them.
 */
import { ConfigError } from '../../shared/errors.js';

/** What the listener needs of an OpenTelemetry `TracerProvider` (the API's type satisfies it). */
export interface TracerProviderLike {
  /** Returns the tracer of an instrumentation scope (here `sqs-fargate-listener`). */
  getTracer(name: string, version?: string): object;
}

/** What the listener needs of an OpenTelemetry `MeterProvider` (the API's type satisfies it). */
export interface MeterProviderLike {
  /** Returns the meter of an instrumentation scope (here `sqs-fargate-listener`). */
  getMeter(name: string, version?: string): object;
}

/**
 * What the listener needs of an OpenTelemetry `TextMapPropagator` (the API's type satisfies it):
 * it only extracts, from the message attributes.
 */
export interface TextMapPropagatorLike {
  /** Reads a context from the message attributes (the carrier), through the getter. */
  extract(context: unknown, carrier: unknown, getter: unknown): unknown;
  /** The attribute names it reads. */
  fields(): string[];
}

/**
 * Settings of the `tracing` option. Every field is optional: `{}` is the default behaviour.
 */
export interface TracingOptions {
  /**
   * Where spans go. Default: the global tracer provider; without one registered, no spans.
   */
  tracerProvider?: TracerProviderLike | undefined;
  /**
   * Where the `messaging.process.duration` and `messaging.client.consumed.messages` metrics go.
   * Default: the global meter provider; without one registered, no metrics.
   */
  meterProvider?: MeterProviderLike | undefined;
  /**
   * Reads the producer's context from the message attributes. Default: the global propagator;
   * when none is registered, W3C Trace Context and Baggage (from `@opentelemetry/core`).
   */
  propagator?: TextMapPropagatorLike | undefined;
  /**
   * How the producer's context relates to the `process` span: `link` (default, as the messaging
   * conventions recommend) or `parent` (per-message mode only; the handler then runs in the
   * producer's trace). A batch span always links, one link per message.
   */
  parent?: 'link' | 'parent' | undefined;
}

/** The `tracing` option resolved; `undefined` stands for `tracing: false`. */
export interface ResolvedTracingOptions {
  tracerProvider: TracerProviderLike | undefined;
  meterProvider: MeterProviderLike | undefined;
  propagator: TextMapPropagatorLike | undefined;
  parent: 'link' | 'parent';
}

const ALLOWED =
  "false, or { tracerProvider?, meterProvider?, propagator?, parent?: 'link' | 'parent' }";

function invalid(option: string, value: unknown, allowed: string): ConfigError {
  return new ConfigError({ option, value, allowed, from: 'option' });
}

function checkMethod(option: string, value: unknown, method: string): void {
  if (value === undefined) return;
  if (
    value === null ||
    typeof value !== 'object' ||
    typeof (value as Record<string, unknown>)[method] !== 'function'
  ) {
    throw invalid(option, value, `an object with a ${method}() method`);
  }
}

/** Validates the option; `undefined` when tracing is switched off (`false`). */
export function resolveTracingOptions(value: unknown): ResolvedTracingOptions | undefined {
  if (value === false) return undefined;
  if (value === undefined || value === true) {
    return {
      tracerProvider: undefined,
      meterProvider: undefined,
      propagator: undefined,
      parent: 'link',
    };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalid('tracing', value, ALLOWED);
  }
  const o = value as Record<string, unknown>;
  checkMethod('tracing.tracerProvider', o.tracerProvider, 'getTracer');
  checkMethod('tracing.meterProvider', o.meterProvider, 'getMeter');
  checkMethod('tracing.propagator', o.propagator, 'extract');
  if (o.parent !== undefined && o.parent !== 'link' && o.parent !== 'parent') {
    throw invalid('tracing.parent', o.parent, "'link' or 'parent'");
  }
  return {
    tracerProvider: o.tracerProvider as TracerProviderLike | undefined,
    meterProvider: o.meterProvider as MeterProviderLike | undefined,
    propagator: o.propagator as TextMapPropagatorLike | undefined,
    parent: (o.parent as 'link' | 'parent' | undefined) ?? 'link',
  };
}
