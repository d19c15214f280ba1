/**
 * `batchListener()`: the handler receives arrays of messages and may fail some of them. Batches
 * are gathered from the source, run `workerThreads` at once (FIFO groups in turn), each through
 * the pipeline.
 */

import type { LeasedMessage } from '../core/leased-message.js';
import { batchOverTenHint, type Env, resolveNumber } from '../shared/config.js';
import { assembleStages } from './assemble.js';
import type { BatchHandlerResult } from './batch-result.js';
import { declareDemandTo, withDemand } from './demand.js';
import {
  LISTENER_SPECS,
  type ListenerBaseOptions,
  resolveListenerPolicy,
} from './listener-config.js';
import { ListenerCounters, withCounters } from './listener-counters.js';
import { BATCH_OPTION_SET } from './option-names.js';
import type { Listener } from './per-message.js';
import { PipelineContext, PipelineRun, runPipeline } from './pipeline.js';
import { batchGatherer } from './scheduling/batch-gatherer.js';
import { CappedPuller } from './scheduling/capped-puller.js';
import { BrokenGroups, fifoGroupOf, releaseUnhandled } from './scheduling/fifo.js';
import { groupCapFor } from './scheduling/group-cap.js';
import { GroupTurns } from './scheduling/group-turns.js';
import { Puller } from './scheduling/puller.js';
import { runPool } from './scheduling/worker-pool.js';
import { readQueueInfoAtStart } from './stages/give-up.js';

/**
 * Returns `void` (all succeeded), `new BatchResult({ failedReceiptHandles })`, or Lambda's
 * `{ batchItemFailures: [{ itemIdentifier: messageId }] }`. A throw, `false` or a result of any
 * other shape fails the whole batch. See {@link BatchHandlerResult}.
 */
export type BatchHandler<T = unknown> = (
  messages: LeasedMessage<T>[],
) => BatchHandlerResult | Promise<BatchHandlerResult>;

/**
 * Options of `batchListener()`: the shared listener options plus batch size and window. `T`:
 * the output type of `schema`.
 */
export interface BatchListenerOptions<T = unknown> extends ListenerBaseOptions<T> {
  /**
   * Most messages per handler call. Env `BATCH_SIZE`, default 10. Up to 10 without a batch
   * window; with `batchWindowMs` a batch gathers across receives and may hold up to 10,000.
   */
  batchSize?: number | undefined;
  /** Wait up to this long after the first message for more (Lambda's MaximumBatchingWindow). Default 0. */
  batchWindowMs?: number | undefined;
}

export function resolveBatchOptions(options: BatchListenerOptions, env: Env = process.env) {
  const batchWindowMs = resolveNumber(LISTENER_SPECS.batchWindowMs, options.batchWindowMs, env);
  const max = batchWindowMs > 0 ? 10_000 : 10;
  const batchSize = resolveNumber(
    {
      option: 'batchSize',
      env: 'BATCH_SIZE',
      default: 10,
      min: 1,
      max,
      integer: true,
      hint: (value) => (batchWindowMs > 0 ? undefined : batchOverTenHint(value, true)),
    },
    options.batchSize,
    env,
  );
  return { batchSize, batchWindowMs };
}

/**
 * Turns a batch handler into a consumer of any `AsyncIterable<LeasedMessage>`: it gathers
 * batches (what one receive brought, or up to `batchWindowMs`), runs `workerThreads` batches at
 * once, acks the successes and nacks the failures from the handler's result, and resolves with
 * counts when the source ends.
 *
 * @example
 * ```ts
 * const listener = batchListener(
 *   async (messages) => {
 *     const failed = await saveAll(messages); // the messages that could not be saved
 *     return BatchResult.failed(failed); // only these are retried
 *   },
 *   { workerThreads: 2, batchSize: 10 },
 * );
 * const report = await listener(sqsMessages(process.env.QUEUE_URL ?? '', { signal }));
 * console.log(report.succeeded, report.failed);
 * ```
 */
export function batchListener<T = unknown>(
  // NoInfer: `T` comes from `schema` only (see perMessageListener).
  handler: BatchHandler<NoInfer<T>>,
  options: BatchListenerOptions<T> = {},
): Listener {
  if (typeof handler !== 'function') {
    throw new TypeError('batchListener(handler): handler must be a function');
  }
  const env = options.env ?? process.env;
  const policy = resolveListenerPolicy(options, BATCH_OPTION_SET);
  // One set for every call of the listener: what the runner's metrics read (see countersOf).
  const counters = new ListenerCounters();
  const { batchSize, batchWindowMs } = resolveBatchOptions(options, env);
  // The schema decoder set every message's `data` to T before the handler runs.
  const stages = assembleStages('batch', handler as BatchHandler, policy);
  // maxConcurrentPerGroup parks up to as many messages as the batches hold (see GroupCap):
  // declared too, so that a default maxInFlight keeps its room for receives.
  const handlersHold = policy.workerThreads * batchSize;
  const held = handlersHold * (policy.maxConcurrentPerGroup === undefined ? 1 : 2);

  const listener: Listener = async (source) => {
    declareDemandTo(source, held);
    // Loads @opentelemetry/api once (unless `tracing: false`); see tracing/listener-tracing.ts.
    const tracing = await policy.tracing?.open(source, 'batch');
    const context = new PipelineContext(policy, 'batch', counters);
    const broken = new BrokenGroups();
    context.broken = broken;
    const puller = new Puller(source[Symbol.asyncIterator]());
    // maxConcurrentPerGroup: batches are gathered through the cap (fair queues' groups).
    const cap = groupCapFor(context, handlersHold);
    const capped = cap === undefined ? undefined : new CappedPuller(puller, cap);
    const turns = new GroupTurns();
    let started = false;

    const handle = async (gathered: LeasedMessage[]): Promise<void> => {
      if (!started && gathered[0]) {
        started = true;
        readQueueInfoAtStart(gathered[0], policy);
      }
      const groups = new Set<string>();
      for (const m of gathered) {
        const group = fifoGroupOf(m);
        if (group !== undefined) groups.add(group);
      }
      const done = await turns.acquire(groups);
      try {
        const current = gathered.filter((m) => {
          const group = fifoGroupOf(m);
          if (group === undefined || !broken.mustRelease(m, group)) return true;
          // Not awaited one by one: the releases of a batch share one batched request.
          context.settling.track(releaseUnhandled(m, context));
          return false;
        });
        if (current.length > 0) await runPipeline(stages, new PipelineRun(current), context);
      } finally {
        done();
        capped?.finished(gathered);
      }
    };

    try {
      const gather = batchGatherer(capped ?? puller, batchSize, batchWindowMs);
      await runPool(gather, policy.workerThreads, handle);
    } catch (error) {
      capped?.end();
      await context.close();
      tracing?.close();
      await puller.stop();
      throw error;
    }
    await context.close();
    tracing?.close();
    return context.result;
  };
  return withCounters(withDemand(listener, held), counters);
}
