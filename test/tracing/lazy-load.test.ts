/**
 * `@opentelemetry/api` is an optional peer: importing the package does not load it, a listener
 * with `tracing: false` never does, and a listener with default tracing loads it when it starts.
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

it('default tracing loads the API when the listener starts, and nothing else without a provider', async () => {
  expect(await runOnce(undefined)).toBe(1);
  expect(loads).toEqual({ api: 1, core: 0, xray: 0 });
});
