/**
 * The outcome metrics end to end, on fauxqs: a handler that throws, returns false and times
 * out, a message its schema refuses, one the filter skips. `/metrics`, the EMF lines and the
 * run's report count them alike, and the queues hold what the counters say: the failures back
 * in the queue, the invalid message in the dead-letter queue, the success deleted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  clearListeners,
  type LeasedMessage,
  runListeners,
  silentLogger,
  sqsListener,
} from '../../src/index.js';
import { FAILURE_KINDS } from '../../src/listeners/listener-counters.js';
import { parsePrometheus, sampleValue, validateEmf } from '../support/metrics-formats.js';
import {
  countingClient,
  createQueue,
  eventually,
  queueCounts,
  receiveNow,
  sendMessages,
} from '../support/sqs.js';

afterEach(clearListeners);

const Order = z.object({ kind: z.enum(['ok', 'throw', 'false', 'slow', 'skip']) });

describe('outcome metrics', () => {
  it('count failures by kind, given-up, filtered and message age as the queues show them', async () => {
    // A long visibility: each failure stays in flight, so every message is handled once.
    const { queueUrl, dlqUrl } = await createQueue({
      name: 'outcomes',
      visibilitySecs: 60,
      maxReceiveCount: 1000,
    });
    await sendMessages(queueUrl, [
      { kind: 'ok' },
      { kind: 'throw' },
      { kind: 'false' },
      { kind: 'slow' },
      { kind: 'bad' },
      { kind: 'skip' },
    ]);
    const { client } = countingClient();
    sqsListener(
      {
        queueUrl,
        name: 'outcomes',
        client,
        waitTime: 1,
        idleSleepMax: 0,
        env: {},
        schema: Order,
        handlerTimeout: 0.3,
        filter: (m) => (m.json as { kind: string }).kind !== 'skip',
      },
      async (m: LeasedMessage<z.infer<typeof Order>>) => {
        const kind = m.data?.kind;
        if (kind === 'throw') throw new Error('db down');
        if (kind === 'false') return false;
        if (kind === 'slow') {
          await new Promise((resolve) => m.signal.addEventListener('abort', resolve));
        }
        return true;
      },
    );
    const lines: string[] = [];
    const controller = new AbortController();
    let url = '';
    const run = runListeners({
      signal: controller.signal,
      handleSignals: false,
      logger: silentLogger,
      env: {},
      client,
      health: { port: 0, host: '127.0.0.1', onListening: (u) => (url = u) },
      metrics: 'emf',
      emf: { interval: 1, write: (line) => lines.push(line) },
    });
    const labels = { listener: 'outcomes', queue: queueUrl.slice(queueUrl.lastIndexOf('/') + 1) };
    let families = new Map();
    const failures = (kind: string) =>
      sampleValue(families, 'sqs_listener_message_failures_total', { ...labels, kind });
    expect(
      await eventually(async () => {
        if (url === '') return false;
        families = parsePrometheus(await (await fetch(`${url}/metrics`)).text());
        return ['threw', 'returned_false', 'timed_out', 'invalid'].every((k) => failures(k) === 1);
      }, 15_000),
    ).toBe(true);
    expect(families.get('sqs_listener_message_failures_total')).toMatchObject({
      type: 'counter',
    });
    for (const kind of ['invalid_result', 'reported_failed', 'fifo_order', 'decode_failed']) {
      expect(failures(kind), kind).toBe(0);
    }
    expect(
      sampleValue(families, 'sqs_listener_messages_given_up_total', {
        ...labels,
        action: 'moved_to_dlq',
      }),
    ).toBe(1);
    expect(
      sampleValue(families, 'sqs_listener_messages_filtered_total', labels),
    ).toBeGreaterThanOrEqual(1);
    // The handler got ok, throw, false and slow: four ages, each at least 0.
    expect(families.get('sqs_listener_message_age_seconds')?.type).toBe('histogram');
    expect(sampleValue(families, 'sqs_listener_message_age_seconds', labels, '_count')).toBe(4);
    expect(
      sampleValue(families, 'sqs_listener_message_age_seconds', labels, '_sum'),
    ).toBeGreaterThanOrEqual(0);
    // The linger past the first EMF interval: at least one periodic line besides the last one.
    expect(await eventually(() => lines.length >= 1, 5_000, 50)).toBe(true);

    controller.abort();
    const [report] = await run;
    if (!report) throw new Error('no report');
    const { outcomes } = report.handler;
    expect(outcomes.failures).toEqual({
      ...Object.fromEntries(FAILURE_KINDS.map((k) => [k, 0])),
      threw: 1,
      returned_false: 1,
      timed_out: 1,
      invalid: 1,
    });
    // The kinds add up to what the listener reports as failed.
    const failedTotal = Object.values(outcomes.failures).reduce((a, b) => a + b, 0);
    expect(failedTotal).toBe(report.result.failed);
    expect(outcomes.movedToDeadLetter).toBe(report.result.gaveUp);
    expect(outcomes.deletedAsNonRetryable).toBe(0);
    expect(outcomes.filtered).toBe(report.result.filtered);
    expect(outcomes.messageAge.count).toBe(4);

    // The queues: the refused body in the DLQ, the three failures and the skipped message back
    // in the source queue (in flight or visible), the success deleted.
    const inDlq = await receiveNow(dlqUrl as string);
    expect(inDlq.map((m) => JSON.parse(m.Body ?? '').kind)).toEqual(['bad']);
    const source = await queueCounts(queueUrl);
    expect(source.visible + source.inFlight + source.delayed).toBe(4);
    expect(report.stats.acked).toBe(2); // the success, and the invalid one after its move

    // EMF: every line valid; per metric, the lines add up to the run's totals.
    const docs = lines.map((line) => validateEmf(line));
    const total = (name: string) =>
      docs.reduce((sum, d) => sum + (typeof d[name] === 'number' ? (d[name] as number) : 0), 0);
    expect(total('FailuresThrew')).toBe(1);
    expect(total('FailuresReturnedFalse')).toBe(1);
    expect(total('FailuresTimedOut')).toBe(1);
    expect(total('FailuresInvalid')).toBe(1);
    expect(total('MessageFailures')).toBe(report.result.failed);
    expect(total('MessagesMovedToDeadLetterQueue')).toBe(1);
    expect(total('MessagesFiltered')).toBe(report.result.filtered);
    expect(total('MessagesAcked')).toBe(report.stats.acked);
    expect(total('MessagesReceived')).toBe(report.stats.received);
    expect(docs.every((d) => d.Listener === 'outcomes' && d.QueueName === labels.queue)).toBe(true);
    // The last line is written after the drain: Draining 1.
    expect(docs.at(-1)?.Draining).toBe(1);
  });
});
