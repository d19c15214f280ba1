/**
 * Batch mode and settle spans, against fauxqs: one `process` span per handler call with one
 * link per message, and one `settle` span per DeleteMessageBatch / ChangeMessageVisibilityBatch
 * (delayed nacks) linking the messages it settled.
 */
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BatchResult, batchListener, perMessageListener, silentLogger } from '../../src/index.js';
import { startListener, stopAllListeners } from '../support/listen.js';
import {
  countingClient,
  createQueue,
  eventually,
  queueCounts,
  requestsOf,
  sendMessages,
} from '../support/sqs.js';
import {
  exporter,
  installTracing,
  type ProducerTrace,
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

const base = { logger: silentLogger, env: {} };

async function sendTraced(queueUrl: string, count: number) {
  const producers: ProducerTrace[] = Array.from({ length: count }, producerTrace);
  const ids = await sendMessages(
    queueUrl,
    producers.map((_, n) => ({ n })),
    (i) => ({ MessageAttributes: traceAttributes(producers[i]!) }),
  );
  return { producers, ids };
}

const spanIds = (links: { context: { spanId: string } }[]) =>
  links.map((l) => l.context.spanId).sort();

describe('batch mode', () => {
  it('makes one process span per handler call, with one link per message', async () => {
    const { queueUrl } = await createQueue();
    const { producers } = await sendTraced(queueUrl, 5);
    let calls = 0;
    const run = startListener(
      batchListener(() => void calls++, { ...base, batchSize: 5, batchWindowMs: 500 }),
      queueUrl,
    );
    expect(await eventually(() => spansNamed('process').length > 0, 10_000)).toBe(true);
    await run.stop();
    expect(calls).toBe(1);
    const [span] = spansNamed('process');
    expect(span!.kind).toBe(SpanKind.CONSUMER);
    expect(span!.attributes['messaging.batch.message_count']).toBe(5);
    expect(span!.attributes['messaging.message.id']).toBeUndefined();
    expect(spanIds(span!.links)).toEqual(producers.map((p) => p.spanId).sort());
  });

  it('marks a partly failed batch with error.type reportedFailed', async () => {
    const { queueUrl } = await createQueue();
    await sendTraced(queueUrl, 3);
    const run = startListener(
      batchListener(
        (messages) => new BatchResult({ failedReceiptHandles: [messages[0]!.receiptHandle] }),
        {
          ...base,
          batchSize: 3,
          batchWindowMs: 500,
        },
      ),
      queueUrl,
    );
    expect(await eventually(() => spansNamed('process').length > 0, 10_000)).toBe(true);
    await run.stop();
    const [span] = spansNamed('process');
    expect(span!.status.code).toBe(SpanStatusCode.ERROR);
    expect(span!.attributes['error.type']).toBe('reportedFailed');
  });
});

describe('settle spans', () => {
  it('one per DeleteMessageBatch, linking the messages it deleted', async () => {
    const { queueUrl } = await createQueue();
    const { producers } = await sendTraced(queueUrl, 4);
    const { client, log } = countingClient();
    const run = startListener(
      batchListener(() => {}, { ...base, batchSize: 4, batchWindowMs: 500 }),
      queueUrl,
      { client },
    );
    expect(await eventually(() => spansNamed('settle').length > 0, 10_000)).toBe(true);
    await run.stop();
    expect((await queueCounts(queueUrl)).visible + (await queueCounts(queueUrl)).inFlight).toBe(0);
    const deletes = requestsOf(log, 'DeleteMessageBatchCommand');
    const settles = spansNamed('settle');
    expect(settles).toHaveLength(deletes.length);
    const [span] = settles;
    expect(span!.kind).toBe(SpanKind.CLIENT);
    expect(span!.attributes['messaging.operation.type']).toBe('settle');
    expect(span!.attributes['messaging.operation.name']).toBe('DeleteMessageBatch');
    expect(spanIds(settles.flatMap((s) => s.links))).toEqual(producers.map((p) => p.spanId).sort());
  });

  it('one per ChangeMessageVisibilityBatch for delayed nacks', async () => {
    const { queueUrl } = await createQueue();
    const { producers } = await sendTraced(queueUrl, 2);
    const { client, log } = countingClient();
    let failed = 0;
    const run = startListener(
      perMessageListener(
        () => {
          failed++;
          return false;
        },
        { ...base, retry: { baseSeconds: 60, maxSeconds: 60, jitter: false } },
      ),
      queueUrl,
      { client },
    );
    expect(await eventually(() => spansNamed('settle').length > 0 && failed >= 2, 10_000)).toBe(
      true,
    );
    await run.stop();
    const nacks = requestsOf(log, 'ChangeMessageVisibilityBatchCommand').filter((r) =>
      (r.input.Entries as { VisibilityTimeout: number }[]).some((e) => e.VisibilityTimeout >= 30),
    );
    expect(nacks.length).toBeGreaterThan(0);
    const settles = spansNamed('settle');
    expect(
      settles.every(
        (s) => s.attributes['messaging.operation.name'] === 'ChangeMessageVisibilityBatch',
      ),
    ).toBe(true);
    expect(spanIds(settles.flatMap((s) => s.links))).toEqual(producers.map((p) => p.spanId).sort());
    // Still in the queue, delayed: the nack did not delete them.
    expect((await queueCounts(queueUrl)).inFlight).toBe(2);
  });
});
