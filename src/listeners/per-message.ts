/**
 * `perMessageListener()`: one handler call per message, `workerThreads` at once; FIFO groups
 * one at a time and in order. The pipeline runs each message as a batch of one; the group
 * lanes schedule them.
 */

import type { LeasedMessage } from '../core/leased-message.js';
import { assembleStages } from './assemble.js';
import { declareDemandTo, withDemand } from './demand.js';
import {
  type ListenerBaseOptions,
  type ListenerResult,
  resolveListenerPolicy,
} from './listener-config.js';
import { ListenerCounters, withCounters } from './listener-counters.js';
import { PipelineContext, PipelineRun, runPipeline } from './pipeline.js';
import { releaseUnhandled } from './scheduling/fifo.js';
import { groupCapFor } from './scheduling/group-cap.js';
import { GroupLanes } from './scheduling/group-lanes.js';
import { Puller } from './scheduling/puller.js';
import { readQueueInfoAtStart } from './stages/give-up.js';

/**
 * `false` or a throw fails the message (nack); anything else succeeds (ack). `T`: the type of
 * `message.data`, the output of the listener's `schema`.
 */
export type MessageHandler<T = unknown> = (message: LeasedMessage<T>) => unknown;

/** Options of `perMessageListener()`: the shared listener options. */
export type PerMessageListenerOptions<T = unknown> = ListenerBaseOptions<T>;

/** A function that consumes leased messages until the source ends, then reports counts. */
export type Listener = (source: AsyncIterable<LeasedMessage>) => Promise<ListenerResult>;

/**
 * Turns a per-message handler into a consumer of any `AsyncIterable<LeasedMessage>`: up to
 * `workerThreads` handler calls at once (FIFO groups one at a time, in order), ack on success,
 * nack on `false`, a throw or a timeout; resolves with counts when the source ends.
 *
 * @example
 * ```ts
 * const listener = perMessageListener(
 *   async (message) => {
 *     await charge(message.json, { signal: message.signal }); // returns: acked
 *   },
 *   { workerThreads: 30, retry: { baseSeconds: 5 } },
 * );
 * // The listener sizes the stream's maxInFlight to its 30 workers.
 * const report = await listener(sqsMessages(process.env.QUEUE_URL ?? '', { signal }));
 * ```
 */
export function perMessageListener<T = unknown>(
  // NoInfer: `T` comes from `schema` only, so a handler cannot claim a typed `data` that no
  // schema produces (without one, `data` is undefined).
  handler: MessageHandler<NoInfer<T>>,
  options: PerMessageListenerOptions<T> = {},
): Listener {
  if (typeof handler !== 'function') {
    throw new TypeError('perMessageListener(handler): handler must be a function');
  }
  const policy = resolveListenerPolicy(options);
  // One set for every call of the listener: what the runner's metrics read (see countersOf).
  const counters = new ListenerCounters();
  // Built once: a message costs one run object, no per-message closures.
  const stages = assembleStages(
    'message',
    // The schema decoder set `data` to T before the handler runs.
    (messages) => handler(messages[0] as LeasedMessage<T>),
    policy,
  );
  // maxConcurrentPerGroup parks up to as many messages as the workers hold (see GroupCap):
  // declared too, so that a default maxInFlight keeps its room for receives.
  const held = policy.workerThreads * (policy.maxConcurrentPerGroup === undefined ? 1 : 2);

  const listener: Listener = async (source) => {
    declareDemandTo(source, held);
    // Loads @opentelemetry/api once (unless `tracing: false`); see tracing/listener-tracing.ts.
    const tracing = await policy.tracing?.open(source, 'message');
    const context = new PipelineContext(policy, 'message', counters);
    const puller = new Puller(source[Symbol.asyncIterator]());
    const lanes = new GroupLanes(
      policy.workerThreads,
      (message) => runPipeline(stages, new PipelineRun([message]), context),
      (message) => releaseUnhandled(message, context),
      groupCapFor(context, policy.workerThreads),
    );
    let started = false;
    try {
      for (;;) {
        const busy = lanes.capacity();
        if (busy !== undefined) await busy;
        const next = await puller.next();
        if (next.done) break;
        if (!started) {
          started = true;
          readQueueInfoAtStart(next.value, policy);
        }
        lanes.submit(next.value);
      }
    } catch (error) {
      await lanes.close();
      await context.close();
      tracing?.close();
      await puller.stop();
      throw error;
    }
    await lanes.close();
    await context.close();
    tracing?.close();
    return context.result;
  };
  return withCounters(withDemand(listener, held), counters);
}
