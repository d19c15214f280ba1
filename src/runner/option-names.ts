/**
 * The option names of `sqsListener()` and `runListeners()` and of their nested option objects
 * (see `src/shared/option-names.ts`). `satisfies OptionNames<…>` makes a list that misses a key
 * of its type a compile error: add a new option's name here.
 */
import { SQS_MESSAGES_OPTION_NAMES } from '../core/stream-config.js';
import {
  BATCH_LISTENER_OPTION_NAMES,
  checkNestedListenerOptions,
} from '../listeners/option-names.js';
import { checkOptionNames, type OptionNames } from '../shared/option-names.js';
import type { EmfOptions } from './emf.js';
import type { HealthOptions } from './health-server.js';
import type { SqsListenerOptions } from './registry.js';
import type { RunListenersOptions } from './run-listeners.js';
import type { TaskProtectionOptions } from './task-protection-options.js';

const {
  signal: _signal,
  shutdownTimeout: _shutdownTimeout,
  ...STREAM_NAMES
} = SQS_MESSAGES_OPTION_NAMES;

export const SQS_LISTENER_OPTION_NAMES = {
  ...STREAM_NAMES,
  ...BATCH_LISTENER_OPTION_NAMES,
  queueUrl: true,
  mode: true,
  name: true,
} as const satisfies OptionNames<SqsListenerOptions>;

export const RUN_LISTENERS_OPTION_NAMES = {
  signal: true,
  shutdownTimeout: true,
  handleSignals: true,
  client: true,
  logger: true,
  logLevel: true,
  logFormat: true,
  logSummaryEverySecs: true,
  listeners: true,
  env: true,
  health: true,
  taskProtection: true,
  metrics: true,
  emf: true,
} as const satisfies OptionNames<RunListenersOptions>;

const HEALTH_OPTION_NAMES = {
  port: true,
  host: true,
  unhealthyAfterSecs: true,
  stuckAfterSecs: true,
  onListening: true,
} as const satisfies OptionNames<HealthOptions>;

const TASK_PROTECTION_OPTION_NAMES = {
  expiresInMinutes: true,
  idleMs: true,
  requestTimeoutMs: true,
} as const satisfies OptionNames<TaskProtectionOptions>;

const EMF_OPTION_NAMES = {
  interval: true,
  namespace: true,
  write: true,
} as const satisfies OptionNames<EmfOptions>;

/** Options of the whole run that people hand to one listener, and the reverse. */
const RUN_ONLY: Readonly<Record<string, string>> = {
  signal: 'runListeners() (it stops every listener)',
  shutdownTimeout: 'runListeners() (the drain deadline of the whole run)',
  handleSignals: 'runListeners()',
  logLevel: 'runListeners()',
  logFormat: 'runListeners()',
  logSummaryEverySecs: 'runListeners()',
  health: 'runListeners()',
  taskProtection: 'runListeners()',
  metrics: 'runListeners()',
  emf: 'runListeners()',
  listeners: 'runListeners()',
};

const LISTENER_ONLY: Readonly<Record<string, string>> = {
  queueUrl: 'sqsListener() (each listener has its queue)',
  queueName: 'sqsListener() (each listener has its queue)',
  mode: 'sqsListener()',
  workerThreads: 'sqsListener()',
  batchSize: 'sqsListener()',
  batchWindowMs: 'sqsListener()',
  waitTime: 'sqsListener()',
  visibilitySecs: 'sqsListener()',
  maxExtend: 'sqsListener()',
  handlerTimeout: 'sqsListener()',
};

/** Checks the names of `sqsListener()`'s options and of its nested option objects. */
export function checkSqsListenerOptionNames(options: object, where = 'sqsListener()'): void {
  checkOptionNames(options, { where, names: SQS_LISTENER_OPTION_NAMES, elsewhere: RUN_ONLY });
  checkNestedListenerOptions(options);
}

/** Checks the names of `runListeners()`'s options and of `health`, `taskProtection`, `emf`. */
export function checkRunListenersOptionNames(options: RunListenersOptions): void {
  checkOptionNames(options, {
    where: 'runListeners()',
    names: RUN_LISTENERS_OPTION_NAMES,
    elsewhere: LISTENER_ONLY,
  });
  const nested: Array<[string, unknown, Readonly<Record<string, true>>, string]> = [
    ['health', options.health, HEALTH_OPTION_NAMES, 'HealthOptions'],
    [
      'taskProtection',
      options.taskProtection,
      TASK_PROTECTION_OPTION_NAMES,
      'TaskProtectionOptions',
    ],
    ['emf', options.emf, EMF_OPTION_NAMES, 'EmfOptions'],
  ];
  for (const [name, value, names, type] of nested) {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      checkOptionNames(value, { where: `${name} (${type})`, prefix: `${name}.`, names });
    }
  }
}
