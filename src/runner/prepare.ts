/**
 * Turning a registration into what `runListeners()` runs: its options resolved and validated,
 * its listener adapter, and the stream it consumes, fitted to the listener's declared demand.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { missingQueueError, resolveQueueTarget } from '../core/queue-name.js';
import { SqsMessageStream } from '../core/sqs-messages.js';
import { queueNameOf, SQS_MESSAGES_OPTION_NAMES } from '../core/stream-config.js';
import { type BatchHandler, batchListener, resolveBatchOptions } from '../listeners/batch.js';
import { declareDemandTo, demandOf } from '../listeners/demand.js';
import { resolveWorkerThreads } from '../listeners/listener-config.js';
import { BATCH_LISTENER_OPTION_NAMES, LISTENER_OPTION_NAMES } from '../listeners/option-names.js';
import {
  type Listener,
  type MessageHandler,
  perMessageListener,
} from '../listeners/per-message.js';
import { type Env, resolveNumber, SPECS } from '../shared/config.js';
import { userLogger } from '../shared/log-adapters.js';
import { createDebugLogger, type LogFormat, type Logger, type LogLevel } from '../shared/logger.js';
import { pickOptions } from '../shared/option-names.js';
import { HandlerTimer } from './handler-stats.js';
import { LOG_SUMMARY_SPEC, withLogSummary } from './log-summary.js';
import type { RegisteredListener } from './registry.js';

/** A registration, ready to run. */
export interface Prepared {
  name: string;
  /** Empty for a queue given by name until `resolveQueueUrlOf()` looked it up. */
  queueUrl: string;
  stream: SqsMessageStream;
  listener: Listener;
  logger: Logger;
  summary: Record<string, unknown>;
  timer: HandlerTimer;
}

/** What `prepare()` needs from the run. */
export interface RunSettings {
  logger: Logger | undefined;
  logLevel: LogLevel | undefined;
  /** The default logger's format (`logFormat`); `undefined`: LOG_FORMAT, else text. */
  logFormat?: LogFormat | undefined;
  /** Seconds between INFO summaries; `undefined`: LOG_SUMMARY_SECS, else 60. */
  logSummaryEverySecs?: number | undefined;
  env: Env;
  shutdownTimeout: number;
  signal: AbortSignal;
  sharedClient: () => SQSClient;
}

export function prepare(registration: RegisteredListener, run: RunSettings): Prepared {
  const o = registration.options;
  const env = o.env ?? run.env;
  const target = resolveQueueTarget(o.queueUrl, o.queueName, env);
  if (target === undefined) throw missingQueueError('A listener');
  // A queue given by name has no URL until runListeners() looks it up, before it starts any.
  const queueUrl = 'queueUrl' in target ? target.queueUrl : '';
  const queueName = 'queueUrl' in target ? queueNameOf(target.queueUrl) : target.queueName;
  const name = o.name ?? queueName;
  const mode = o.mode ?? 'per_message';
  // Every line names its listener and queue: a user logger's own child(), else merged fields.
  const bindings = { listener: name, queue: queueName };
  const logger =
    userLogger(o.logger ?? run.logger, bindings) ??
    createDebugLogger({
      component: name,
      level: run.logLevel,
      defaultLevel: 'INFO',
      format: run.logFormat,
      bindings,
      env,
    });
  const summaryEverySecs = resolveNumber(LOG_SUMMARY_SPEC, run.logSummaryEverySecs, env);
  const workerThreads = resolveWorkerThreads(o.workerThreads, env);
  // Wraps the handler (not the adapters) so its own time is measured, whatever the mode.
  const timer = new HandlerTimer();
  const client = o.client ?? run.sharedClient();
  let listener: Listener;
  let handlerBatch: number;
  let receiveBatch: number;
  if (mode === 'batch') {
    const { batchSize, batchWindowMs } = resolveBatchOptions(o, env);
    handlerBatch = batchSize;
    // A batch gathered across receives may exceed what one receive can bring.
    receiveBatch = Math.min(batchSize, 10);
    listener = batchListener(timer.wrap(registration.handler as BatchHandler), {
      ...pickOptions(o, BATCH_LISTENER_OPTION_NAMES),
      workerThreads,
      batchSize,
      batchWindowMs,
      client,
      logger,
      env,
    });
  } else {
    handlerBatch = 1;
    receiveBatch = resolveNumber(SPECS.batchSize, o.batchSize, env);
    listener = perMessageListener(timer.wrap(registration.handler as MessageHandler), {
      ...pickOptions(o, LISTENER_OPTION_NAMES),
      workerThreads,
      client,
      logger,
      env,
    });
  }
  // Before any wrapping: the outcome counters are registered on the listener itself.
  timer.readOutcomesOf(listener);
  // Each layer gets its own options only: each refuses names it does not know.
  const stream = new SqsMessageStream(queueUrl === '' ? undefined : queueUrl, {
    ...pickOptions(o, SQS_MESSAGES_OPTION_NAMES),
    batchSize: receiveBatch,
    client,
    signal: run.signal,
    shutdownTimeout: run.shutdownTimeout,
    logger,
    env,
  });
  // The listener's own declaration (it makes it again when it starts, to no further effect),
  // made here so that the summary below shows the maxInFlight the run will use.
  const demand = demandOf(listener);
  if (demand !== undefined) declareDemandTo(stream, demand);
  const c = stream.config;
  return {
    name,
    queueUrl,
    stream,
    listener: withLogSummary(listener, { logger, stream, timer }, summaryEverySecs),
    logger,
    timer,
    summary: {
      queueUrl,
      mode,
      workerThreads,
      batchSize: handlerBatch === 1 ? c.batchSize : handlerBatch,
      waitTime: c.waitTime,
      visibilitySecs: c.visibilitySecs,
      maxExtend: c.maxExtend,
      maxInFlight: c.maxInFlight,
      idleSleepMax: c.idleSleepMax,
    },
  };
}

/** Looks up the URL of a listener's queue given by name (GetQueueUrl); no request otherwise. */
export async function resolveQueueUrlOf(p: Prepared): Promise<void> {
  if (p.queueUrl !== '') return;
  p.queueUrl = await p.stream.resolveQueueUrl();
  p.summary.queueUrl = p.queueUrl;
}
