/**
 * `metrics: 'emf'`: the options (validated at start-up), the documents (valid EMF, counters as
 * deltas, gauges as they are), and the reporter's timer (every interval, unref'd, one last
 * document at close, a failing write logged once).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { emptyStats } from '../../src/core/stats.js';
import { ListenerCounters } from '../../src/listeners/listener-counters.js';
import { checkEmfDimension, EmfReporter, resolveEmf } from '../../src/runner/emf.js';
import { emfDocument, readListener } from '../../src/runner/emf-document.js';
import { HandlerTimer } from '../../src/runner/handler-stats.js';
import type { ListenerMetrics } from '../../src/runner/prometheus.js';
import { ConfigError } from '../../src/shared/errors.js';
import type { Logger } from '../../src/shared/logger.js';
import { validateEmf } from '../support/metrics-formats.js';

const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders';

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('no ConfigError');
}

/** A listener whose numbers the test sets. */
function listener(name = 'orders') {
  return { stats: emptyStats(), timer: new HandlerTimer(), counters: new ListenerCounters(), name };
}

function metricsOf(
  l: ReturnType<typeof listener>,
  outcomes = l.counters.snapshot(),
): ListenerMetrics {
  return {
    name: l.name,
    queueUrl: QUEUE,
    stats: { ...l.stats },
    handler: { ...l.timer.snapshot(), outcomes },
  };
}

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('resolveEmf', () => {
  it('is off by default and with METRICS=none; on with the option or METRICS=emf', () => {
    expect(resolveEmf(undefined, undefined, {})).toBeUndefined();
    expect(resolveEmf(undefined, { interval: 5 }, { METRICS: 'none' })).toBeUndefined();
    expect(resolveEmf('emf', undefined, {})).toMatchObject({
      intervalMs: 60_000,
      namespace: 'SqsFargateListener',
    });
    expect(
      resolveEmf(undefined, undefined, {
        METRICS: 'emf',
        METRICS_INTERVAL: '10',
        METRICS_NAMESPACE: 'Shop/Orders',
      }),
    ).toMatchObject({ intervalMs: 10_000, namespace: 'Shop/Orders' });
    // The option wins over the environment.
    expect(resolveEmf('none', undefined, { METRICS: 'emf' })).toBeUndefined();
  });

  it('refuses bad values with the option, the variable, the value and what is allowed', () => {
    const env = configError(() => resolveEmf(undefined, undefined, { METRICS: 'prometheus' }));
    expect(env).toMatchObject({ option: 'metrics', envVar: 'METRICS', value: 'prometheus' });
    expect(env.message).toContain("'emf'");
    expect(configError(() => resolveEmf('EMF', undefined, {})).option).toBe('metrics');
    for (const interval of [0, -1, 3601, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(configError(() => resolveEmf('emf', { interval }, {})).option).toBe('emf.interval');
    }
    const fromEnv = configError(() => resolveEmf('emf', undefined, { METRICS_INTERVAL: '1m' }));
    expect(fromEnv).toMatchObject({ envVar: 'METRICS_INTERVAL', value: '1m' });
    for (const namespace of ['AWS/SQS', '', '   ', 'a'.repeat(256), 'Bestellungen-ü', 'a\nb']) {
      const e = configError(() => resolveEmf('emf', { namespace }, {}));
      expect(e.option).toBe('emf.namespace');
    }
    expect(
      configError(() => resolveEmf('emf', undefined, { METRICS_NAMESPACE: 'AWS/Fake' })).envVar,
    ).toBe('METRICS_NAMESPACE');
    expect(configError(() => resolveEmf('emf', 'yes' as never, {})).option).toBe('emf');
    expect(configError(() => resolveEmf('emf', { write: 'stdout' as never }, {})).option).toBe(
      'emf.write',
    );
  });

  it('refuses a listener name CloudWatch cannot take as a dimension value', () => {
    checkEmfDimension('orders-worker #1');
    for (const name of ['bestellungen-ü', ' ', '', 'a'.repeat(1025), 'tab\there']) {
      expect(configError(() => checkEmfDimension(name)).option).toBe('name');
    }
  });
});

describe('emfDocument', () => {
  it('is valid EMF; counters are deltas, gauges current, means only for an interval with calls', () => {
    const l = listener();
    l.stats.received = 7;
    l.stats.acked = 5;
    l.stats.inFlight = 2;
    l.stats.bytesInFlight = 2048;
    l.timer.record(40, false);
    l.timer.record(60, true);
    l.counters.failed('threw');
    l.counters.failed('timed_out', 2);
    const context = { namespace: 'Shop', timestampMs: Date.now(), draining: false };
    const first = readListener(metricsOf(l));
    const doc = validateEmf(JSON.stringify(emfDocument(metricsOf(l), first, undefined, context)));
    expect(doc).toMatchObject({
      Listener: 'orders',
      QueueName: 'orders',
      MessagesReceived: 7,
      MessagesAcked: 5,
      MessagesInFlight: 2,
      MessageBytesInFlight: 2048,
      HandlerCalls: 2,
      HandlerErrors: 1,
      HandlerDurationAvg: 50,
      FailuresThrew: 1,
      FailuresTimedOut: 2,
      MessageFailures: 3,
      Draining: 0,
    });
    const aws = doc._aws as {
      CloudWatchMetrics: Array<{
        Namespace: string;
        Dimensions: string[][];
        Metrics: Array<{ Name: string; Unit: string }>;
      }>;
    };
    const [directive] = aws.CloudWatchMetrics;
    expect(directive?.Namespace).toBe('Shop');
    expect(directive?.Dimensions).toEqual([['Listener', 'QueueName']]);
    const units = Object.fromEntries(directive?.Metrics.map((m) => [m.Name, m.Unit]) ?? []);
    expect(units).toMatchObject({
      MessagesReceived: 'Count',
      MessageBytesInFlight: 'Bytes',
      SecondsSinceLastReceive: 'Seconds',
      HandlerDurationAvg: 'Milliseconds',
    });
    // No message reached a handler with a SentTimestamp: no age this interval.
    expect(doc).not.toHaveProperty('MessageAgeAvg');

    // The next interval: only what happened since.
    l.stats.received = 10;
    l.stats.inFlight = 0;
    l.counters.failed('threw');
    const second = readListener(metricsOf(l));
    const next = validateEmf(
      JSON.stringify(emfDocument(metricsOf(l), second, first, { ...context, draining: true })),
    );
    expect(next).toMatchObject({
      MessagesReceived: 3,
      MessagesAcked: 0,
      MessagesInFlight: 0,
      FailuresThrew: 1,
      FailuresTimedOut: 0,
      MessageFailures: 1,
      HandlerCalls: 0,
      Draining: 1,
    });
    expect(next).not.toHaveProperty('HandlerDurationAvg');
  });
});

describe('EmfReporter', () => {
  const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

  it('writes one document per listener every interval, and the last one at close', () => {
    vi.useFakeTimers();
    const a = listener('a');
    const b = listener('b');
    const lines: string[] = [];
    const reporter = new EmfReporter(
      { intervalMs: 1000, namespace: 'Shop', write: (line) => lines.push(line) },
      () => [metricsOf(a), metricsOf(b)],
      () => false,
      silent,
    );
    vi.advanceTimersByTime(999);
    expect(lines).toEqual([]);
    a.stats.received = 4;
    vi.advanceTimersByTime(1);
    expect(lines.map((l) => JSON.parse(l).Listener)).toEqual(['a', 'b']);
    a.stats.received = 6;
    vi.advanceTimersByTime(1000);
    reporter.close();
    vi.advanceTimersByTime(5000);
    // Two intervals and the close: three per listener, no more after it.
    expect(lines).toHaveLength(6);
    const received = lines.map((l) => JSON.parse(l)).filter((d) => d.Listener === 'a');
    expect(received.map((d) => d.MessagesReceived)).toEqual([4, 2, 0]);
  });

  it('does not keep the process alive', () => {
    const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const reporter = new EmfReporter(
      { intervalMs: 60_000, namespace: 'Shop', write: () => {} },
      () => [],
      () => false,
      silent,
    );
    const during = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    reporter.close();
    expect(during).toBe(before);
  });

  it('writes lines to stdout by default', () => {
    const writes: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
      writes.push(String(chunk));
      return true;
    });
    const settings = resolveEmf('emf', undefined, {});
    if (!settings) throw new Error('off');
    const reporter = new EmfReporter(
      settings,
      () => [metricsOf(listener())],
      () => false,
      silent,
    );
    reporter.close();
    expect(writes).toHaveLength(1);
    expect(writes[0]?.endsWith('}\n')).toBe(true);
    validateEmf((writes[0] as string).slice(0, -1));
  });

  it('logs a failing write once, and goes on', () => {
    const warn = vi.fn();
    const reporter = new EmfReporter(
      {
        intervalMs: 60_000,
        namespace: 'Shop',
        write: () => {
          throw new Error('EPIPE');
        },
      },
      () => [metricsOf(listener())],
      () => false,
      { ...silent, warn },
    );
    reporter.flush();
    reporter.flush();
    reporter.close();
    expect(warn).toHaveBeenCalledTimes(1);
  });
});
