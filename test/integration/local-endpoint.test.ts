/**
 * The README's "Running against a local SQS": with AWS_ENDPOINT_URL_SQS set and no `client`,
 * the library's own client sends every request to that endpoint, whatever host the queue URL
 * names. fauxqs bound to 127.0.0.1 (the demo, these tests) hands out
 * `http://sqs.us-east-1.127.0.0.1:<port>/…`, which is not even a valid URL host: the SDK used to
 * try it as the endpoint and print an "Invalid URL" warning on every request. The fauxqs CLI
 * (`npx fauxqs`, the README's example) names hosts `sqs.us-east-1.localhost`, which does not
 * resolve on every machine: the SDK sent requests there.
 */
import { CreateQueueCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { runListeners, sqsListener, sqsMessages } from '../../src/index.js';
import { createQueue, endpoint, eventually, queueCounts, sendMessages } from '../support/sqs.js';

let warnings: unknown[][];

beforeEach(() => {
  vi.stubEnv('AWS_ENDPOINT_URL_SQS', endpoint());
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
  warnings = [];
  // The SDK's queue-URL middleware warns through console.warn when it has no logger.
  vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
    warnings.push(args);
  });
});

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

const sdkWarnings = () =>
  warnings.filter((args) => /Invalid URL|differs from SQSClient|QueueUrl/i.test(String(args[0])));

it('the emulator hands out queue URLs whose host is not the endpoint', async () => {
  const { queueUrl } = await createQueue();
  expect(new URL(endpoint()).host).toMatch(/^127\.0\.0\.1:\d+$/);
  expect(queueUrl).toMatch(/^http:\/\/sqs\.us-east-1\.127\.0\.0\.1:\d+\//);
});

it('sqsMessages() with no client drains such a queue through AWS_ENDPOINT_URL_SQS, quietly', async () => {
  const { queueUrl } = await createQueue();
  await sendMessages(queueUrl, [{ n: 1 }, { n: 2 }, { n: 3 }]);
  const seen: number[] = [];
  const stop = new AbortController();
  for await (const message of sqsMessages(queueUrl, { signal: stop.signal, waitTime: 1 })) {
    seen.push((message.json as { n: number }).n);
    await message.ack();
    if (seen.length === 3) stop.abort();
  }
  expect(seen.sort()).toEqual([1, 2, 3]);
  expect(await queueCounts(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  expect(sdkWarnings()).toEqual([]);
});

it('runListeners() with no client (the quick start) does the same', async () => {
  const { queueUrl } = await createQueue();
  await sendMessages(queueUrl, [{ orderId: 'o-1' }, { orderId: 'o-2' }]);
  const handled: string[] = [];
  const stop = new AbortController();
  const run = runListeners({
    listeners: [
      sqsListener({ queueUrl, waitTime: 1, idleSleepMax: 0 }, async (message) => {
        handled.push((message.json as { orderId: string }).orderId);
      }),
    ],
    signal: stop.signal,
    handleSignals: false,
  });
  try {
    expect(await eventually(() => handled.length === 2, 10_000)).toBe(true);
  } finally {
    stop.abort();
    await run;
  }
  expect(handled.sort()).toEqual(['o-1', 'o-2']);
  expect(await queueCounts(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  expect(sdkWarnings()).toEqual([]);
});

it("the README's fauxqs CLI setup: queue URLs on sqs.<region>.localhost, endpoint on 127.0.0.1", async () => {
  // As `npx fauxqs` starts it: queue URLs carry the host `sqs.us-east-1.localhost:<port>`.
  const server = await startFauxqs({ port: 0, host: 'localhost', logger: false });
  const local = `http://127.0.0.1:${server.port}`;
  const admin = new SQSClient({
    endpoint: local,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    useQueueUrlAsEndpoint: false,
  });
  try {
    const { QueueUrl: queueUrl = '' } = await admin.send(
      new CreateQueueCommand({ QueueName: 'orders' }),
    );
    expect(queueUrl).toBe(`http://sqs.us-east-1.localhost:${server.port}/000000000000/orders`);
    await admin.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [0, 1, 2].map((n) => ({ Id: String(n), MessageBody: JSON.stringify({ n }) })),
      }),
    );
    vi.stubEnv('AWS_ENDPOINT_URL_SQS', local);
    const seen: number[] = [];
    const stop = new AbortController();
    const timeout = setTimeout(() => stop.abort(), 10_000);
    try {
      for await (const message of sqsMessages(queueUrl, { signal: stop.signal, waitTime: 1 })) {
        seen.push((message.json as { n: number }).n);
        await message.ack();
        if (seen.length === 3) stop.abort();
      }
    } finally {
      clearTimeout(timeout);
    }
    expect(seen.sort()).toEqual([0, 1, 2]);
    expect(await queueCounts(queueUrl, admin)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    expect(sdkWarnings()).toEqual([]);
  } finally {
    admin.destroy();
    await server.stop();
  }
}, 20_000);
