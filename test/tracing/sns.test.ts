/**
 * The producer's context published with an SNS message, through fauxqs's SNS → SQS delivery:
 * without raw delivery it travels inside the envelope's MessageAttributes (the SQS message has
 * none), and reaches the process span once `envelope: 'sns'` unwrapped it; with raw delivery it
 * is an SQS attribute. Both spans link the publisher's trace.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { perMessageListener, silentLogger } from '../../src/index.js';
import { createTopic, publish, subscribe } from '../sns/sns-support.js';
import { startListener, stopAllListeners } from '../support/listen.js';
import { createQueue, eventually } from '../support/sqs.js';
import { installTracing, producerTrace, spansNamed, uninstall } from './otel.js';

beforeAll(() => {
  installTracing();
});
afterAll(uninstall);
afterEach(stopAllListeners);

it('links the trace published with an SNS message, enveloped or raw', async () => {
  const topicArn = await createTopic('traced');
  const [enveloped, raw] = await Promise.all([
    createQueue({ name: 'traced-enveloped' }),
    createQueue({ name: 'traced-raw' }),
  ]);
  await subscribe(topicArn, enveloped.queueUrl, false);
  await subscribe(topicArn, raw.queueUrl, true);
  const producer = producerTrace();
  await publish(topicArn, '{"orderId":1}', {
    traceparent: { DataType: 'String', StringValue: producer.traceparent },
  });
  let sqsLevel: unknown = 'unset';
  const common = { logger: silentLogger, env: {} };
  startListener(
    perMessageListener(
      (m) => {
        sqsLevel = m.raw.MessageAttributes?.traceparent;
      },
      { ...common, envelope: 'sns' },
    ),
    enveloped.queueUrl,
  );
  startListener(
    perMessageListener(() => {}, common),
    raw.queueUrl,
  );
  expect(await eventually(() => spansNamed('process').length === 2, 10_000)).toBe(true);
  // Not an SQS attribute of the enveloped message: only the envelope carried it.
  expect(sqsLevel).toBeUndefined();
  for (const span of spansNamed('process')) {
    expect(span.links.map((l) => [l.context.traceId, l.context.spanId])).toEqual([
      [producer.traceId, producer.spanId],
    ]);
  }
});
