/**
 * The outcome families of `/metrics` in Prometheus text format: failures by kind, given up,
 * filtered, message age. Correct text (HELP and TYPE, escaped labels, a cumulative histogram)
 * and the values the counters hold; and the runner refuses bad EMF settings before starting.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { LeasedMessage } from '../../src/core/leased-message.js';
import { emptyStats } from '../../src/core/stats.js';
import { clearListeners, runListeners, silentLogger, sqsListener } from '../../src/index.js';
import { FAILURE_KINDS, ListenerCounters } from '../../src/listeners/listener-counters.js';
import { HandlerTimer } from '../../src/runner/handler-stats.js';
import { formatMetrics } from '../../src/runner/prometheus.js';
import { ConfigError } from '../../src/shared/errors.js';
import { createInMemorySqs } from '../../src/testing/index.js';
import { parsePrometheus, sampleValue } from '../support/metrics-formats.js';

afterEach(clearListeners);

/** Just what `handling()` reads: the SentTimestamp attribute. */
function sentAt(ms: number | string | undefined): LeasedMessage {
  const Attributes = ms === undefined ? {} : { SentTimestamp: String(ms) };
  return { raw: { Attributes } } as unknown as LeasedMessage;
}

describe('outcome metrics in Prometheus text', () => {
  it('are well-formed, escaped, and hold the counts; the age histogram is cumulative', () => {
    const counters = new ListenerCounters();
    counters.failed('threw', 2);
    counters.failed('invalid');
    counters.gaveUp('moved');
    counters.gaveUp('deleted');
    counters.gaveUp('deleted');
    counters.filtered();
    const now = 1_700_000_000_000;
    // 0.05 s, 3 s, 2 h old; one from a clock ahead of ours (clamped to 0); two without a
    // readable SentTimestamp (left out).
    counters.handling(
      [now - 50, now - 3000, now - 7_200_000, now + 5000, undefined, 'soon'].map(sentAt),
      now,
    );
    const timer = new HandlerTimer();
    const name = 'weird "name"\\ with\nnewline';
    const text = formatMetrics(
      [
        {
          name,
          queueUrl: 'https://sqs.eu-west-1.amazonaws.com/1/orders',
          stats: emptyStats(),
          handler: { ...timer.snapshot(), outcomes: counters.snapshot() },
        },
      ],
      false,
    );
    const families = parsePrometheus(text);
    const labels = { listener: name, queue: 'orders' };
    expect(families.get('sqs_listener_message_failures_total')?.type).toBe('counter');
    const byKind = Object.fromEntries(
      FAILURE_KINDS.map((kind) => [
        kind,
        sampleValue(families, 'sqs_listener_message_failures_total', { ...labels, kind }),
      ]),
    );
    expect(byKind).toEqual({
      ...Object.fromEntries(FAILURE_KINDS.map((k) => [k, 0])),
      threw: 2,
      invalid: 1,
    });
    const gaveUp = (action: string) =>
      sampleValue(families, 'sqs_listener_messages_given_up_total', { ...labels, action });
    expect([gaveUp('moved_to_dlq'), gaveUp('deleted')]).toEqual([1, 2]);
    expect(sampleValue(families, 'sqs_listener_messages_filtered_total', labels)).toBe(1);
    const age = 'sqs_listener_message_age_seconds';
    expect(families.get(age)?.type).toBe('histogram');
    expect(sampleValue(families, age, labels, '_count')).toBe(4);
    expect(sampleValue(families, age, labels, '_sum')).toBeCloseTo(0.05 + 3 + 7200, 6);
    const bucket = (le: string) => sampleValue(families, age, { ...labels, le }, '_bucket');
    expect([bucket('0.1'), bucket('2.5'), bucket('5'), bucket('3600'), bucket('14400')]).toEqual([
      2, 2, 3, 3, 4,
    ]);
    expect(bucket('+Inf')).toBe(4);
    // The raw text escapes the label value as the format wants it.
    expect(text).toContain('listener="weird \\"name\\"\\\\ with\\nnewline"');
  });
});

describe('runListeners with metrics: emf', () => {
  it('refuses a bad METRICS value and an unusable listener name before starting', async () => {
    const sqs = createInMemorySqs();
    const queueUrl = sqs.createQueue('orders');
    const common = { client: sqs.client, handleSignals: false, logger: silentLogger } as const;
    const ok = sqsListener({ queueUrl, name: 'orders' }, () => {});
    await expect(
      runListeners({ ...common, listeners: [ok], env: { METRICS: 'cloudwatch' } }),
    ).rejects.toMatchObject({ option: 'metrics', envVar: 'METRICS', value: 'cloudwatch' });
    const bad = sqsListener({ queueUrl, name: 'bestellungen-ü' }, () => {});
    const error = await runListeners({
      ...common,
      listeners: [bad],
      env: {},
      metrics: 'emf',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ option: 'name', value: 'bestellungen-ü' });
    expect(sqs.deleted(queueUrl)).toEqual([]);
  });
});
