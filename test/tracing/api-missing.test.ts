/**
 * Without `@opentelemetry/api` installed (its import fails), tracing is simply off: the listener
 * handles messages as usual.
 */
import { expect, it, onTestFinished, vi } from 'vitest';
import { perMessageListener, silentLogger, sqsMessages } from '../../src/index.js';
import { InMemorySqs } from '../../src/testing/index.js';

vi.mock('@opentelemetry/api', () => {
  throw new Error("Cannot find package '@opentelemetry/api'");
});

it('handles and acks messages when the API cannot be loaded', async () => {
  // Something registered in OpenTelemetry's globals, so the listener tries to load the API.
  const key = Symbol.for('opentelemetry.js.api.1');
  (globalThis as Record<symbol, unknown>)[key] = { version: '1.9.0', trace: {} };
  onTestFinished(() => {
    delete (globalThis as Record<symbol, unknown>)[key];
  });
  const sqs = new InMemorySqs();
  const queueUrl = sqs.createQueue('no-api');
  sqs.sendMessages(queueUrl, ['a', 'b', 'c']);
  const controller = new AbortController();
  const debug: string[] = [];
  const logger = { ...silentLogger, debug: (message: string) => void debug.push(message) };
  let handled = 0;
  const stream = sqsMessages(queueUrl, {
    client: sqs.client,
    signal: controller.signal,
    waitTime: 0,
    idleSleepMax: 0,
    logger: silentLogger,
    env: {},
  });
  const result = await perMessageListener(
    () => {
      if (++handled === 3) controller.abort();
    },
    { logger, env: {} },
  )(stream);
  expect(result.succeeded).toBe(3);
  expect(debug.some((m) => m.includes('@opentelemetry/api could not be loaded'))).toBe(true);
});
