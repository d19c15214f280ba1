/**
 * Metrics through the optional API: `messaging.process.duration` (histogram, seconds) and
 * `messaging.client.consumed.messages` (counter), per queue, with `error.type` on failures,
 * read by an in-memory metric reader; no tracer provider is needed for them.
 */
import { metrics } from '@opentelemetry/api';
import {
  type DataPoint,
  type Histogram,
  MeterProvider,
  MetricReader,
} from '@opentelemetry/sdk-metrics';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { perMessageListener, silentLogger } from '../../src/index.js';
import { startListener, stopAllListeners } from '../support/listen.js';
import { createQueue, eventually, sendMessages } from '../support/sqs.js';
import { uninstall } from './otel.js';

/** Collects on demand. */
class TestReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

const reader = new TestReader();
beforeAll(() => {
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
});
afterAll(uninstall);
afterEach(stopAllListeners);

async function collected(name: string) {
  const { resourceMetrics } = await reader.collect();
  return resourceMetrics.scopeMetrics
    .filter((s) => s.scope.name === 'sqs-fargate-listener')
    .flatMap((s) => s.metrics)
    .find((m) => m.descriptor.name === name);
}

it('records duration and consumed messages per queue, failures with error.type', async () => {
  const { queueUrl } = await createQueue();
  await sendMessages(queueUrl, [{ n: 0 }, { n: 1 }, { n: 2 }]);
  let calls = 0;
  const run = startListener(
    perMessageListener(
      async (m) => {
        calls++;
        await new Promise((r) => setTimeout(r, 20));
        if ((m.json as { n: number }).n === 2) throw new RangeError('no');
      },
      { logger: silentLogger, env: {} },
    ),
    queueUrl,
  );
  expect(await eventually(() => calls >= 3, 10_000)).toBe(true);
  await run.stop();

  const consumed = await collected('messaging.client.consumed.messages');
  const points = consumed!.dataPoints as DataPoint<number>[];
  const ok = points.find((p) => p.attributes['error.type'] === undefined);
  const failed = points.find((p) => p.attributes['error.type'] === 'RangeError');
  expect(ok?.value).toBe(2);
  expect(failed?.value).toBeGreaterThanOrEqual(1);
  expect(ok?.attributes).toMatchObject({
    'messaging.system': 'aws_sqs',
    'messaging.operation.type': 'process',
    'aws.sqs.queue.url': queueUrl,
  });
  // A message id on a metric would make one series per message.
  expect(ok?.attributes['messaging.message.id']).toBeUndefined();

  const duration = await collected('messaging.process.duration');
  expect(duration!.descriptor.unit).toBe('s');
  const hist = (duration!.dataPoints as DataPoint<Histogram>[]).find(
    (p) => p.attributes['error.type'] === undefined,
  )!;
  expect(hist.value.count).toBe(2);
  // Seconds, not milliseconds: two calls of ≥ 20 ms each.
  expect(hist.value.sum).toBeGreaterThan(0.03);
  expect(hist.value.sum).toBeLessThan(10);
});
