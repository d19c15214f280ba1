/**
 * The two messaging metrics of the OpenTelemetry semantic conventions, made on a meter when one
 * is registered. Recorded with per-queue attributes only (see attributes.ts).
 */
import type { Counter, Histogram, Meter } from '@opentelemetry/api';

/** Semantic-conventions buckets for messaging durations, in seconds. */
const DURATION_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
];

export interface ProcessMetrics {
  /** `messaging.process.duration`, seconds per handler call. */
  duration: Histogram;
  /** `messaging.client.consumed.messages`, messages handed to the handler. */
  consumed: Counter;
}

export function processMetrics(meter: Meter): ProcessMetrics {
  return {
    duration: meter.createHistogram('messaging.process.duration', {
      description: 'Duration of processing operation.',
      unit: 's',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    }),
    consumed: meter.createCounter('messaging.client.consumed.messages', {
      description: 'Number of messages that were delivered to the application.',
      unit: '{message}',
    }),
  };
}
