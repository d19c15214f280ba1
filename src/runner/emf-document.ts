/**
 * One CloudWatch Embedded Metric Format document per listener and interval: the numbers of
 * `/metrics` (the same tables, see prometheus.ts), as CloudWatch wants them. Counters become
 * what they grew by since the last document; gauges are read as they are now; a duration or an
 * age becomes the mean over the interval (EMF has no histogram type), and is left out of an
 * interval that had none.
 */
import { FAILURE_KINDS, type FailureKind } from '../listeners/listener-counters.js';
import { COUNTERS, countsOf, GAUGES, type ListenerMetrics, queueNameOfUrl } from './prometheus.js';

/** The CloudWatch units this library uses. */
export type EmfUnit = 'Count' | 'Bytes' | 'Seconds' | 'Milliseconds' | 'None';

/** The dimension names: the listener, and the queue as `AWS/SQS` names it. */
export const EMF_DIMENSIONS = ['Listener', 'QueueName'] as const;

/** One listener's cumulative numbers, by EMF metric name: what the deltas are taken from. */
export interface EmfReading {
  counters: Record<string, number>;
  means: Record<string, { sum: number; count: number; unit: EmfUnit }>;
}

/** `timed_out` → `FailuresTimedOut`. */
export function failureMetricName(kind: FailureKind): string {
  return `Failures${kind.replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase())}`;
}

/** Reads a listener's cumulative numbers now. */
export function readListener(listener: ListenerMetrics): EmfReading {
  const { stats, handler } = listener;
  const c = countsOf(listener);
  const counters: Record<string, number> = {};
  for (const [, key, , name] of COUNTERS) counters[name] = stats[key];
  counters.HandlerCalls = handler.duration.count;
  counters.HandlerErrors = handler.errors;
  counters.MessagesFiltered = c.filtered;
  counters.MessagesMovedToDeadLetterQueue = c.movedToDeadLetter;
  counters.MessagesDeletedAsNonRetryable = c.deletedAsNonRetryable;
  let failed = 0;
  for (const kind of FAILURE_KINDS) {
    counters[failureMetricName(kind)] = c.failures[kind];
    failed += c.failures[kind];
  }
  counters.MessageFailures = failed;
  return {
    counters,
    means: {
      HandlerDurationAvg: {
        sum: handler.duration.sumMs,
        count: handler.duration.count,
        unit: 'Milliseconds',
      },
      MessageAgeAvg: { sum: c.messageAge.sum, count: c.messageAge.count, unit: 'Seconds' },
      ReceiveCountAvg: {
        sum: stats.receiveCounts.sum,
        count: stats.receiveCounts.count,
        unit: 'None',
      },
    },
  };
}

/**
 * The EMF document of one listener for the interval since `before` (the run's start when
 * undefined: every counter from zero). The metric values are root members named after the
 * metrics, next to the dimension values, as the specification wants them.
 */
export function emfDocument(
  listener: ListenerMetrics,
  now: EmfReading,
  before: EmfReading | undefined,
  context: { namespace: string; timestampMs: number; draining: boolean },
): Record<string, unknown> {
  const metrics: Array<{ Name: string; Unit: EmfUnit }> = [];
  const values: Record<string, number> = {};
  const add = (name: string, unit: EmfUnit, value: number) => {
    metrics.push({ Name: name, Unit: unit });
    values[name] = value;
  };
  for (const [name, value] of Object.entries(now.counters)) {
    // A counter never shrinks; max() guards the document against a listener's state reset.
    add(name, 'Count', Math.max(0, value - (before?.counters[name] ?? 0)));
  }
  for (const [, key, , name, unit] of GAUGES) add(name, unit, listener.stats[key]);
  add('Draining', 'Count', context.draining ? 1 : 0);
  for (const [name, mean] of Object.entries(now.means)) {
    const previous = before?.means[name];
    const count = mean.count - (previous?.count ?? 0);
    if (count > 0) add(name, mean.unit, (mean.sum - (previous?.sum ?? 0)) / count);
  }
  return {
    _aws: {
      Timestamp: context.timestampMs,
      CloudWatchMetrics: [
        { Namespace: context.namespace, Dimensions: [[...EMF_DIMENSIONS]], Metrics: metrics },
      ],
    },
    Listener: listener.name,
    QueueName: queueNameOfUrl(listener.queueUrl),
    ...values,
  };
}
