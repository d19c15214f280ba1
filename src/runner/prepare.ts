/**
 * Turning a registration into what `runListeners()` runs: its options resolved and validated,
 * its listener adapter, and the stream it consumes, fitted to the listener's declared demand.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { type SqsMessageStream, sqsMessages } from '../core/sqs-messages.js';
import { queueNameOf } from '../core/stream-config.js';
import { type BatchHandler, batchListener, resolveBatchOptions } from '../listeners/batch.js';
import { declareDemandTo, demandOf } from '../listeners/demand.js';
import { resolveWorkerThreads } from '../listeners/listener-config.js';
import {
  type Listener,
  type MessageHandler,
  perMessageListener,
} from '../listeners/per-message.js';
import {
  type Env,
  isValidQueueUrl,
  resolveNumber,
  resolveString,
  SPECS,
} from '../shared/config.js';
import { ConfigError } from '../shared/errors.js';
import { createDebugLogger, type Logger, type LogLevel } from '../shared/logger.js';
import { HandlerTimer } from './handler-stats.js';
import type { RegisteredListener } from './registry.js';

/** A registration, ready to run. */
export interface Prepared {
  name: string;
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
  env: Env;
  shutdownTimeout: number;
  signal: AbortSignal;
  sharedClient: () => SQSClient;
}

export function prepare(registration: RegisteredListener, run: RunSettings): Prepared {
  const o = registration.options;
  const env = o.env ?? run.env;
  const queueUrl = resolveString(
    {
      option: 'queueUrl',
      env: 'QUEUE_URL',
      allowed: 'an http(s) SQS queue URL',
      validate: isValidQueueUrl,
    },
    o.queueUrl,
    env,
  );
  if (queueUrl === undefined) {
    throw new ConfigError({
      option: 'queueUrl',
      envVar: 'QUEUE_URL',
      value: undefined,
      allowed:
        'an SQS queue URL, given as the queueUrl option or the QUEUE_URL environment variable',
      from: 'env',
    });
  }
  const name = o.name ?? queueNameOf(queueUrl);
  const mode = o.mode ?? 'per_message';
  const logger =
    o.logger ??
    run.logger ??
    createDebugLogger({ component: name, level: run.logLevel, defaultLevel: 'INFO', env });
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
      ...o,
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
      ...o,
      workerThreads,
      client,
      logger,
      env,
    });
  }
  const stream = sqsMessages(queueUrl, {
    ...o,
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
    listener,
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
