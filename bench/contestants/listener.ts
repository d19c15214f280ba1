/**
 * This library's listeners, as an application runs them: `runListeners()` with one
 * registration (per_message or batch), stopped by an AbortSignal instead of SIGTERM. Going
 * through the runner matters: it picks maxInFlight (workers × batch + one receive ahead) and the
 * parallel receives from the handler concurrency, which is what users get by default.
 */
import { type LeasedMessage, type RegisteredListener, runListeners } from '../../src/index.js';
import { handleAll } from '../workloads.js';
import { countingLogger, countLibraryErrors } from './library-errors.js';
import type { RunContext } from './types.js';

export async function run(ctx: RunContext): Promise<void> {
  const { options, handler } = ctx;
  const logger = countingLogger(ctx);
  const common = {
    queueUrl: ctx.queueUrl,
    client: ctx.client,
    waitTime: Number(options.waitTime),
    // Absent: the library's default (time-based workloads run it as a user would).
    ...(options.idleSleepMax !== undefined && { idleSleepMax: Number(options.idleSleepMax) }),
    visibilitySecs: Number(options.visibilitySecs),
    workerThreads: Number(options.workerThreads),
    batchSize: Number(options.batchSize),
    // Only when a run overrides it; by default the runner derives it from workerThreads.
    ...(options.maxInFlight !== undefined && { maxInFlight: Number(options.maxInFlight) }),
    logger,
  };
  const registration: RegisteredListener =
    options.mode === 'batch'
      ? {
          options: { ...common, mode: 'batch' },
          handler: async (messages: LeasedMessage[]) => {
            // The batch's messages concurrently, as sqs-consumer's handleMessageBatch would.
            await handleAll(
              handler,
              messages.map((m: LeasedMessage) => m.body),
            );
            for (const m of messages) ctx.handled(m.messageId, m.body);
          },
        }
      : {
          options: { ...common, mode: 'per_message' },
          handler: async (m: LeasedMessage) => {
            await handler(m.body);
            ctx.handled(m.messageId, m.body);
          },
        };
  const reports = await runListeners({
    listeners: [registration],
    signal: ctx.allHandled,
    handleSignals: false,
    client: ctx.client,
    logger,
  });
  for (const r of reports) {
    countLibraryErrors(ctx, r.stats);
    if (r.timedOut) ctx.error('timedOut');
  }
}
