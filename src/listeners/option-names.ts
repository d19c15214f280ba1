/**
 * The option names of the listener adapters and of their nested option objects, checked when a
 * listener is created (see `src/shared/option-names.ts`). `satisfies OptionNames<…>` makes a
 * list that misses a key of its type a compile error, so a new option cannot be forgotten here.
 */
import type { LargePayloadOptions } from '../payloads/options.js';
import { checkOptionNames, type OptionNames, type OptionSet } from '../shared/option-names.js';
import type { BatchListenerOptions } from './batch.js';
import type { ListenerBaseOptions } from './listener-config.js';
import type { RetryPolicy } from './retry.js';
import type { TracingOptions } from './tracing/options.js';

export const LISTENER_OPTION_NAMES = {
  schema: true,
  workerThreads: true,
  maxConcurrentPerGroup: true,
  handlerTimeout: true,
  retry: true,
  filter: true,
  onSuccess: true,
  onFailure: true,
  isNonRetryable: true,
  deadLetterQueueUrl: true,
  client: true,
  envelope: true,
  largePayloads: true,
  tracing: true,
  logger: true,
  env: true,
} as const satisfies OptionNames<ListenerBaseOptions>;

export const BATCH_LISTENER_OPTION_NAMES = {
  ...LISTENER_OPTION_NAMES,
  batchSize: true,
  batchWindowMs: true,
} as const satisfies OptionNames<BatchListenerOptions>;

const RETRY_OPTION_NAMES = {
  baseSeconds: true,
  maxSeconds: true,
  jitter: true,
} as const satisfies OptionNames<RetryPolicy>;

const LARGE_PAYLOAD_OPTION_NAMES = {
  s3Client: true,
  allowedBuckets: true,
  deletePayloadOnAck: true,
  onMissingPayload: true,
} as const satisfies OptionNames<LargePayloadOptions>;

const TRACING_OPTION_NAMES = {
  tracerProvider: true,
  meterProvider: true,
  propagator: true,
  parent: true,
} as const satisfies OptionNames<TracingOptions>;

/** Stream and runner options that people hand to a listener adapter. */
const NOT_LISTENER_OPTIONS: Readonly<Record<string, string>> = {
  waitTime: 'sqsMessages() (the stream the listener consumes) and sqsListener',
  visibilitySecs: 'sqsMessages() and sqsListener',
  maxExtend: 'sqsMessages() and sqsListener',
  maxInFlight: 'sqsMessages() and sqsListener',
  idleSleepMax: 'sqsMessages() and sqsListener',
  queueUrl: 'sqsListener (or the first argument of sqsMessages())',
  queueName: 'sqsMessages() and sqsListener',
  mode: 'sqsListener',
  shutdownTimeout: 'sqsMessages() and runListeners()',
};

export const PER_MESSAGE_OPTION_SET: OptionSet = {
  where: 'perMessageListener()',
  names: LISTENER_OPTION_NAMES,
  elsewhere: {
    ...NOT_LISTENER_OPTIONS,
    batchSize:
      'batchListener() (per-message handlers get one message; the receive batch is an option of sqsMessages())',
    batchWindowMs: 'batchListener()',
  },
};

export const BATCH_OPTION_SET: OptionSet = {
  where: 'batchListener()',
  names: BATCH_LISTENER_OPTION_NAMES,
  elsewhere: NOT_LISTENER_OPTIONS,
};

/** A nested option given as a plain object (not `false`, not a client instance). */
function isPlainObject(value: unknown): value is object {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Checks a listener's option names and those of its nested option objects. */
export function checkListenerOptionNames(options: ListenerBaseOptions, set: OptionSet): void {
  checkOptionNames(options, set);
  checkNestedListenerOptions(options);
}

/** Checks the names in `retry`, `largePayloads` and `tracing`, where they are plain objects. */
export function checkNestedListenerOptions(options: ListenerBaseOptions): void {
  const nested: Array<[keyof ListenerBaseOptions, Readonly<Record<string, true>>, string]> = [
    ['retry', RETRY_OPTION_NAMES, 'RetryPolicy'],
    ['largePayloads', LARGE_PAYLOAD_OPTION_NAMES, 'LargePayloadOptions'],
    ['tracing', TRACING_OPTION_NAMES, 'TracingOptions'],
  ];
  for (const [name, names, type] of nested) {
    const value = options[name];
    if (isPlainObject(value)) {
      checkOptionNames(value, { where: `${name} (${type})`, prefix: `${name}.`, names });
    }
  }
}
