/**
 * Lazy loading of the optional OpenTelemetry packages. Nothing here runs at import time: a
 * listener calls these when it starts (and tracing is not `false`), so a user who never traces
 * loads nothing more, and a missing package only turns tracing off (debug log), never fails.
 */
import type * as Api from '@opentelemetry/api';
import { describeError } from '../../shared/describe.js';
import type { Logger } from '../../shared/logger.js';

export type OtelApi = typeof Api;
type Propagator = Api.TextMapPropagator;

let api: Promise<OtelApi | undefined> | undefined;
let w3c: Promise<Propagator | undefined> | undefined;
let xray: Promise<Propagator | undefined> | undefined;

function missing(logger: Logger, name: string, what: string, error: unknown): undefined {
  logger.debug(`${name} could not be loaded: ${what}`, {
    error: describeError(error),
  });
  return undefined;
}

/** `@opentelemetry/api`, once per process; `undefined` when it is not installed. */
export function loadApi(logger: Logger): Promise<OtelApi | undefined> {
  api ??= import('@opentelemetry/api').then(
    // CommonJS through import(): the named exports, or the module object as `default`.
    (m) => ((m as { trace?: unknown }).trace ? m : (m as unknown as { default: OtelApi }).default),
    (error) => missing(logger, '@opentelemetry/api', 'tracing is off', error),
  );
  return api;
}

/**
 * W3C Trace Context and Baggage, for when no global propagator is registered (a tracer provider
 * set with `trace.setGlobalTracerProvider()` alone leaves the no-op one): from
 * `@opentelemetry/core`, present wherever an OpenTelemetry SDK is.
 */
export function loadW3cPropagator(logger: Logger): Promise<Propagator | undefined> {
  w3c ??= import('@opentelemetry/core').then(
    (m) => {
      const core = (
        (m as { CompositePropagator?: unknown }).CompositePropagator
          ? m
          : (m as unknown as { default: typeof m }).default
      ) as typeof m;
      return new core.CompositePropagator({
        propagators: [new core.W3CTraceContextPropagator(), new core.W3CBaggagePropagator()],
      });
    },
    (error) =>
      missing(
        logger,
        '@opentelemetry/core',
        'traceparent is read only through a registered or configured propagator',
        error,
      ),
  );
  return w3c;
}

/** The AWS X-Ray propagator (`AWSTraceHeader`), from `@opentelemetry/propagator-aws-xray`. */
export function loadXrayPropagator(logger: Logger): Promise<Propagator | undefined> {
  xray ??= import('@opentelemetry/propagator-aws-xray').then(
    (m) => {
      const mod = (m as { AWSXRayPropagator?: unknown }).AWSXRayPropagator
        ? m
        : (m as unknown as { default: typeof m }).default;
      return new mod.AWSXRayPropagator();
    },
    (error) =>
      missing(
        logger,
        '@opentelemetry/propagator-aws-xray',
        'the AWSTraceHeader attribute is not read',
        error,
      ),
  );
  return xray;
}
