/**
 * The runner's metrics in Prometheus text exposition format (version 0.0.4). The format is a
 * few lines of text per metric, so it is written by hand rather than adding a dependency.
 *
 * The stream counters come from the stream's events: `StreamStats` is the subscriber that
 * counts them (core/stats.ts). A new stream metric is a counter there plus a line in COUNTERS;
 * a metric with its own labels can subscribe with `stream.on()` instead.
 */
import type { StreamStats } from '../core/stats.js';
import {
  emptyListenerCounts,
  FAILURE_KINDS,
  type Histogram,
  type ListenerCounts,
} from '../listeners/listener-counters.js';
import type { HandlerStats } from './handler-stats.js';

/** The content type Prometheus expects for the text format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** One listener's numbers, as the runner sees them at scrape time. */
export interface ListenerMetrics {
  name: string;
  queueUrl: string;
  stats: StreamStats;
  handler: HandlerStats;
}

interface Sample {
  suffix?: string;
  labels: Record<string, string>;
  value: number;
}

interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'summary' | 'histogram';
  samples: Sample[];
}

type CounterKey = {
  [K in keyof StreamStats]-?: StreamStats[K] extends number ? K : never;
}[keyof StreamStats];

/**
 * The stream counters: Prometheus name, `StreamStats` key, help, and the EMF metric name
 * (runner/emf.ts reads this table too, so both outputs count the same things).
 */
export const COUNTERS: ReadonlyArray<readonly [string, CounterKey, string, string]> = [
  ['receives_total', 'receives', 'ReceiveMessage requests sent.', 'Receives'],
  [
    'receive_errors_total',
    'receiveErrors',
    'ReceiveMessage requests that failed.',
    'ReceiveErrors',
  ],
  ['messages_received_total', 'received', 'Messages received (leased).', 'MessagesReceived'],
  ['messages_acked_total', 'acked', 'Messages deleted, as SQS confirmed.', 'MessagesAcked'],
  [
    'ack_failures_total',
    'ackFailed',
    'Deletes SQS refused; those messages will be delivered again.',
    'AckFailures',
  ],
  ['messages_nacked_total', 'nacked', 'Messages given back for a retry.', 'MessagesNacked'],
  ['lease_extensions_total', 'extended', 'Visibility extensions SQS confirmed.', 'LeaseExtensions'],
  ['leases_lost_total', 'lost', 'Leases that ended before the message was settled.', 'LeasesLost'],
  [
    'messages_released_total',
    'released',
    'Messages given back unhandled (shutdown).',
    'MessagesReleased',
  ],
  [
    'empty_receives_total',
    'emptyReceives',
    'ReceiveMessage requests answered with no message.',
    'EmptyReceives',
  ],
];

/** Stream gauges read from `stats()` at scrape time; the last two: EMF name and unit. */
export const GAUGES: ReadonlyArray<
  readonly [string, CounterKey, string, string, 'Count' | 'Bytes' | 'Seconds']
> = [
  [
    'messages_in_flight',
    'inFlight',
    'Leased, unsettled messages (buffered or in a handler).',
    'MessagesInFlight',
    'Count',
  ],
  [
    'messages_buffered',
    'buffered',
    'Messages received and not yet handed to a handler.',
    'MessagesBuffered',
    'Count',
  ],
  [
    'message_bytes_in_flight',
    'bytesInFlight',
    'Bytes of leased, unsettled messages (bodies, attributes, S3 payloads).',
    'MessageBytesInFlight',
    'Bytes',
  ],
  [
    'seconds_since_last_receive',
    'secondsSinceLastReceive',
    'Seconds since a ReceiveMessage last succeeded, empty or not (since start before the first).',
    'SecondsSinceLastReceive',
    'Seconds',
  ],
];

/** Renders every listener's metrics, plus whether the runner is draining. */
export function formatMetrics(listeners: readonly ListenerMetrics[], draining: boolean): string {
  const families: Family[] = COUNTERS.map(([name, key, help]) => ({
    name,
    help,
    type: 'counter',
    samples: listeners.map((l) => ({ labels: labelsOf(l), value: l.stats[key] })),
  }));
  for (const [name, key, help] of GAUGES) {
    families.push({
      name,
      help,
      type: 'gauge',
      samples: listeners.map((l) => ({ labels: labelsOf(l), value: l.stats[key] })),
    });
  }
  families.push(
    {
      name: 'message_receive_count',
      help: 'ApproximateReceiveCount of messages as received: redeliveries and poison messages.',
      type: 'histogram',
      samples: listeners.flatMap((l) => histogramSamples(l, l.stats.receiveCounts)),
    },
    {
      name: 'last_receive_timestamp_seconds',
      help: 'Unix time of the last successful ReceiveMessage (0 before the first).',
      type: 'gauge',
      samples: listeners.map((l) => ({
        labels: labelsOf(l),
        value: (l.stats.lastReceiveAt?.getTime() ?? 0) / 1000,
      })),
    },
    {
      name: 'handler_errors_total',
      help: 'Handler calls that threw.',
      type: 'counter',
      samples: listeners.map((l) => ({ labels: labelsOf(l), value: l.handler.errors })),
    },
    {
      name: 'message_failures_total',
      help: 'Messages that failed, by how (kind: threw, returned_false, timed_out, invalid_result, reported_failed, fifo_order, invalid, decode_failed, filter_threw).',
      type: 'counter',
      samples: listeners.flatMap((l) => {
        const { failures } = countsOf(l);
        return FAILURE_KINDS.map((kind) => ({
          labels: { ...labelsOf(l), kind },
          value: failures[kind],
        }));
      }),
    },
    {
      name: 'messages_given_up_total',
      help: 'Non-retryable messages given up on: moved to a dead-letter queue, or deleted when the queue has none.',
      type: 'counter',
      samples: listeners.flatMap((l) => {
        const c = countsOf(l);
        return [
          { labels: { ...labelsOf(l), action: 'moved_to_dlq' }, value: c.movedToDeadLetter },
          { labels: { ...labelsOf(l), action: 'deleted' }, value: c.deletedAsNonRetryable },
        ];
      }),
    },
    {
      name: 'messages_filtered_total',
      help: 'Messages the filter rejected (released at once, unhandled).',
      type: 'counter',
      samples: listeners.map((l) => ({ labels: labelsOf(l), value: countsOf(l).filtered })),
    },
    {
      name: 'message_age_seconds',
      help: 'Seconds from SentTimestamp to the handler call (0 when clocks disagree).',
      type: 'histogram',
      samples: listeners.flatMap((l) => histogramSamples(l, countsOf(l).messageAge)),
    },
    {
      name: 'handler_duration_seconds',
      help: 'Handler call duration (quantiles over the last 1024 calls).',
      type: 'summary',
      samples: listeners.flatMap((l) => {
        const d = l.handler.duration;
        const labels = labelsOf(l);
        return [
          { labels: { ...labels, quantile: '0.5' }, value: d.p50Ms / 1000 },
          { labels: { ...labels, quantile: '0.9' }, value: d.p90Ms / 1000 },
          { labels: { ...labels, quantile: '0.99' }, value: d.p99Ms / 1000 },
          { suffix: '_sum', labels, value: d.sumMs / 1000 },
          { suffix: '_count', labels, value: d.count },
        ];
      }),
    },
    {
      name: 'handler_duration_max_seconds',
      help: 'Longest handler call since start.',
      type: 'gauge',
      samples: listeners.map((l) => ({
        labels: labelsOf(l),
        value: l.handler.duration.maxMs / 1000,
      })),
    },
    {
      name: 'draining',
      help: '1 while the runner drains after a stop signal, else 0.',
      type: 'gauge',
      samples: [{ labels: {}, value: draining ? 1 : 0 }],
    },
  );
  return families.map(render).join('');
}

/**
 * The histogram's samples: cumulative `_bucket`s by `le` (ending with +Inf, which equals
 * `_count`), then `_sum` and `_count`, as the text format wants them.
 */
function histogramSamples(listener: ListenerMetrics, h: Histogram): Sample[] {
  const labels = labelsOf(listener);
  const samples: Sample[] = h.le.map((le, i) => ({
    suffix: '_bucket',
    labels: { ...labels, le: formatValue(le) },
    value: h.buckets[i] ?? 0,
  }));
  samples.push(
    { suffix: '_sum', labels, value: h.sum },
    { suffix: '_count', labels, value: h.count },
  );
  return samples;
}

const NO_COUNTS: ListenerCounts = emptyListenerCounts();

/** A listener's outcome counters (zeros where a caller built `handler` without them). */
export function countsOf(listener: ListenerMetrics): ListenerCounts {
  return listener.handler.outcomes ?? NO_COUNTS;
}

/** The queue's name: the last segment of its URL. */
export function queueNameOfUrl(queueUrl: string): string {
  return queueUrl.slice(queueUrl.lastIndexOf('/') + 1);
}

function labelsOf(listener: ListenerMetrics): Record<string, string> {
  return {
    listener: listener.name,
    queue: queueNameOfUrl(listener.queueUrl),
  };
}

function render(family: Family): string {
  const name = `sqs_listener_${family.name}`;
  let out = `# HELP ${name} ${family.help}\n# TYPE ${name} ${family.type}\n`;
  for (const sample of family.samples) {
    const labels = Object.entries(sample.labels)
      .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
      .join(',');
    out += `${name}${sample.suffix ?? ''}${labels ? `{${labels}}` : ''} ${formatValue(sample.value)}\n`;
  }
  return out;
}

// The text format escapes backslash, double quote and line feed in label values.
function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}
