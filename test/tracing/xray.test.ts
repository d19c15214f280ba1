/**
 * The `AWSTraceHeader` system attribute (X-Ray), third in the order of producer contexts.
 * fauxqs does not set it, so a client middleware adds it to the ReceiveMessage response, as SQS
 * does for a producer traced by X-Ray.
 */
import type { Message } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { perMessageListener, silentLogger } from '../../src/index.js';
import { startListener, stopAllListeners } from '../support/listen.js';
import { countingClient, createQueue, eventually, sendMessages } from '../support/sqs.js';
import {
  exporter,
  installTracing,
  producerTrace,
  spansNamed,
  traceAttributes,
  uninstall,
} from './otel.js';

beforeAll(() => {
  installTracing();
});
afterAll(uninstall);
beforeEach(() => exporter.reset());
afterEach(stopAllListeners);

const ROOT = '5759e988bd862e3fe1be46a994272793';
const PARENT = '53995c3f42cd8ad8';
const HEADER = `Root=1-${ROOT.slice(0, 8)}-${ROOT.slice(8)};Parent=${PARENT};Sampled=1`;

/** A client whose received messages carry `AWSTraceHeader`. */
function xrayClient() {
  const { client } = countingClient();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === 'ReceiveMessageCommand') {
        const output = result.output as { Messages?: Message[] };
        for (const m of output.Messages ?? []) {
          m.Attributes = { ...m.Attributes, AWSTraceHeader: HEADER };
        }
      }
      return result;
    },
    { step: 'initialize' },
  );
  return client;
}

async function processSpanFor(attributes: Parameters<typeof traceAttributes>[0] | undefined) {
  const { queueUrl } = await createQueue();
  await sendMessages(queueUrl, [{ n: 1 }], () =>
    attributes ? { MessageAttributes: traceAttributes(attributes) } : {},
  );
  const run = startListener(
    perMessageListener(() => true, { logger: silentLogger, env: {} }),
    queueUrl,
    { client: xrayClient() },
  );
  expect(await eventually(() => spansNamed('process').length > 0, 10_000)).toBe(true);
  await run.stop();
  return spansNamed('process')[0]!;
}

it('links the X-Ray trace of AWSTraceHeader', async () => {
  const span = await processSpanFor(undefined);
  expect(
    span.links.map((l) => [l.context.traceId, l.context.spanId, l.context.traceFlags]),
  ).toEqual([[ROOT, PARENT, 1]]);
});

it('prefers traceparent in the message attributes to AWSTraceHeader', async () => {
  const producer = producerTrace();
  const span = await processSpanFor(producer);
  expect(span.links.map((l) => l.context.spanId)).toEqual([producer.spanId]);
});
