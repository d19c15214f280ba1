/**
 * Default tracing with no provider registered: no span, and the API is not used per message
 * (the provider is re-read once a second, not per message). A provider registered after the
 * listener started is picked up at the next re-check.
 */
import { context, propagation, trace } from '@opentelemetry/api';
import { afterAll, afterEach, expect, it, vi } from 'vitest';
import { perMessageListener, silentLogger } from '../../src/index.js';
import { startListener, stopAllListeners } from '../support/listen.js';
import { createQueue, eventually, sendMessages } from '../support/sqs.js';
import { exporter, installTracing, producerTrace, traceAttributes, uninstall } from './otel.js';

afterEach(stopAllListeners);
afterAll(uninstall);

it('makes no span and does not touch the API per message until a provider is registered', async () => {
  const { queueUrl } = await createQueue();
  const traced = () => ({ MessageAttributes: traceAttributes(producerTrace()) });
  await sendMessages(
    queueUrl,
    Array.from({ length: 40 }, (_, n) => ({ n })),
    traced,
  );
  const spies = {
    with: vi.spyOn(context, 'with'),
    extract: vi.spyOn(propagation, 'extract'),
    provider: vi.spyOn(trace, 'getTracerProvider'),
  };
  let handled = 0;
  let activeSpans = 0;
  const startedAt = Date.now();
  const run = startListener(
    perMessageListener(
      () => {
        handled++;
        if (trace.getActiveSpan() !== undefined) activeSpans++;
      },
      { logger: silentLogger, env: {} },
    ),
    queueUrl,
  );
  expect(await eventually(() => handled === 40, 10_000)).toBe(true);
  const seconds = (Date.now() - startedAt) / 1000;
  expect(activeSpans).toBe(0);
  expect(spies.with).not.toHaveBeenCalled();
  expect(spies.extract).not.toHaveBeenCalled();
  // Once at start, then once a second: bounded by time, not by the 40 messages.
  expect(spies.provider.mock.calls.length).toBeLessThanOrEqual(2 + Math.ceil(seconds));

  // Registered later: a re-check (once a second) turns spans on; messages handled before it
  // have none, so keep sending until one has.
  installTracing();
  const spanned = eventually(
    async () => {
      await sendMessages(queueUrl, [{ n: 40 }], traced);
      return exporter.getFinishedSpans().length > 0;
    },
    10_000,
    300,
  );
  expect(await spanned).toBe(true);
  await run.stop();
  expect(exporter.getFinishedSpans()[0]?.name).toMatch(/^process /);
});
