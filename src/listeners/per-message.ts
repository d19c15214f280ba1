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
import { PipelineContext, PipelineRun, runPipeline } from './pipeline.js';
import { releaseUnhandled } from './scheduling/fifo.js';
import { GroupLanes } from './scheduling/group-lanes.js';
import { Puller } from './scheduling/puller.js';
import { readQueueInfoAtStart } from './stages/give-up.js';

/** `false` or a throw fails the message (nack); anything else succeeds (ack). */
export type MessageHandler = (message: LeasedMessage) => unknown;

/** Options of `perMessageListener()`: the shared listener options. */
export type PerMessageListenerOptions = ListenerBaseOptions;

/** A function that consumes leased messages until the source ends, then reports counts. */
export type Listener = (source: AsyncIterable<LeasedMessage>) => Promise<ListenerResult>;

/**
 * Turns a per-message handler into a consumer of any `AsyncIterable<LeasedMessage>`: up to
 * `workerThreads` handler calls at once (FIFO groups one at a time, in order), ack on success,
 * nack on `false`, a throw or a timeout; resolves with counts when the source ends.
 */
export function perMessageListener(
  handler: MessageHandler,
  options: PerMessageListenerOptions = {},
): Listener {
  if (typeof handler !== 'function') {
    throw new TypeError('perMessageListener(handler): handler must be a function');
  }
  const policy = resolveListenerPolicy(options);
  // Built once: a message costs one run object, no per-message closures.
  const stages = assembleStages(
    'message',
    (messages) => handler(messages[0] as LeasedMessage),
    policy,
  );
  const held = policy.workerThreads;

  const listener: Listener = async (source) => {
    declareDemandTo(source, held);
    const context = new PipelineContext(policy, 'message');
    const puller = new Puller(source[Symbol.asyncIterator]());
    const lanes = new GroupLanes(
      policy.workerThreads,
      (message) => runPipeline(stages, new PipelineRun([message]), context),
      (message) => releaseUnhandled(message, context),
    );
    let started = false;
    try {
      for (;;) {
        await lanes.capacity();
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
      await puller.stop();
      throw error;
    }
    await lanes.close();
    await context.close();
    return context.result;
  };
  return withDemand(listener, held);
}
