/**
 * `@opentelemetry/api` is an optional peer: importing the package does not load it, a listener
 * with `tracing: false` never does, and a listener with default tracing loads it only once
 * something is registered in OpenTelemetry's globals (which live on `globalThis`).
 */
import { afterEach, expect, it, vi } from 'vitest';
import { InMemorySqs } from '../../src/testing/index.js';

const loads = vi.hoisted(() => ({ api: 0, core: 0, xray: 0 }));
vi.mock('@opentelemetry/api', async (original) => {
  loads.api++;
  return original();
});
vi.mock('@opentelemetry/core', async (original) => {
  loads.core++;
  return original();
});
vi.mock('@opentelemetry/propagator-aws-xray', async (original) => {
  loads.xray++;
  return original();
});

afterEach(() => vi.clearAllMocks());

async function runOnce(tracing: false | undefined): Promise<number> {
  const { perMessageListener, sqsMessages, silentLogger } = await import('../../src/index.js');
  const sqs = new InMemorySqs();
  const queueUrl = sqs.createQueue('lazy');
  sqs.sendMessage(queueUrl, 'hello');
  const controller = new AbortController();
  let handled = 0;
  const stream = sqsMessages(queueUrl, {
    client: sqs.client,
    signal: controller.signal,
    waitTime: 0,
    idleSleepMax: 0,
    logger: silentLogger,
    env: {},
  });
  const done = perMessageListener(
    () => {
      handled++;
      controller.abort();
    },
    { logger: silentLogger, env: {}, tracing },
  )(stream);
  await done;
  return handled;
}

it('importing the package loads no OpenTelemetry module', async () => {
  await import('../../src/index.js');
  expect(loads).toEqual({ api: 0, core: 0, xray: 0 });
});

it('tracing: false never loads it', async () => {
  expect(await runOnce(false)).toBe(1);
  expect(loads.api).toBe(0);
});

const OTEL_GLOBALS = Symbol.for('opentelemetry.js.api.1');
const globals = globalThis as Record<symbol, unknown>;

it('default tracing loads nothing while OpenTelemetry has nothing registered', async () => {
  expect(globals[OTEL_GLOBALS]).toBeUndefined();
  expect(await runOnce(undefined)).toBe(1);
  expect(loads).toEqual({ api: 0, core: 0, xray: 0 });
});

it('default tracing loads the API and the propagators once a provider is registered', async () => {
  const { trace } = await import('@opentelemetry/api');
  const { BasicTracerProvider } = await import('@opentelemetry/sdk-trace-base');
  trace.setGlobalTracerProvider(new BasicTracerProvider());
  try {
    expect(globals[OTEL_GLOBALS]).toBeDefined();
    expect(await runOnce(undefined)).toBe(1);
    expect(loads).toEqual({ api: 1, core: 1, xray: 1 });
  } finally {
    trace.disable();
  }
});
