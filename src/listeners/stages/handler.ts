/**
 * Stage "handler": calls the user's handler with the listener's timeout. The messages carry
 * their own `signal`; on timeout their leases end (the signals abort with reason
 * `handlerTimeout`) and they are given back. A call cannot be stopped: past its timeout it runs
 * on unobserved and its result is ignored. With tracing, the call starts the `process` span and
 * runs inside its context (the tracing stage ends it); `tracing: false` calls the handler as is.
 */
import { type LeasedMessage, timeOutLease } from '../../core/leased-message.js';
import { LeaseLostError } from '../../shared/errors.js';
import { isThenable } from '../../shared/thenable.js';
import { monotonicNow } from '../../shared/timing.js';
import { setHandlerDeadline } from '../handler-deadline.js';
import { HandlerError } from '../handler-error.js';
import type { ListenerPolicy } from '../listener-config.js';
import type { PipelineRun, Stage } from '../pipeline.js';
import { retryNack } from '../retry.js';

/** Calls the handler with the run's messages (per-message mode: the one message). */
export type HandlerCall = (messages: LeasedMessage[]) => unknown;

/** Calls the handler for a run: directly, or through tracing. */
type Invoke = (run: PipelineRun) => unknown;

export function handlerStage(call: HandlerCall, policy: ListenerPolicy): Stage {
  const timeoutMs = policy.handlerTimeoutMs;
  const { tracing } = policy;
  // Chosen once: without tracing, a message costs the same call as before.
  const invoke: Invoke =
    tracing === undefined ? (run) => call(run.messages) : (run) => tracing.call(run, call);
  if (timeoutMs <= 0) {
    // Not an async function: a handler that returns a plain value costs no promise and no
    // microtask turn, and one that returns a promise costs only the `then` below.
    return (run, context) => {
      context.result.processed += run.messages.length;
      if (run.failedAll) return; // a before-hook failed it
      context.counters.handling(run.messages);
      let value: unknown;
      try {
        value = invoke(run);
      } catch (error) {
        run.failAll('threw', error);
        return;
      }
      if (!isThenable(value)) {
        run.value = value;
        return;
      }
      return Promise.resolve(value).then(
        (settled) => {
          run.value = settled;
        },
        (error: unknown) => run.failAll('threw', error),
      );
    };
  }
  return async (run, context) => {
    context.result.processed += run.messages.length;
    if (run.failedAll) return;
    context.counters.handling(run.messages);
    await callWithTimeout(invoke, run, policy, timeoutMs);
  };
}

type Settled = { threw: false; value: unknown } | { threw: true; error: unknown };

async function callWithTimeout(
  invoke: Invoke,
  run: PipelineRun,
  policy: ListenerPolicy,
  timeoutMs: number,
): Promise<void> {
  const { messages } = run;
  // Read by the Lambda adapter's context.getRemainingTimeInMillis().
  setHandlerDeadline(messages, monotonicNow() + timeoutMs);
  const work = (async (): Promise<Settled> => {
    try {
      return { threw: false, value: await invoke(run) };
    } catch (error) {
      return { threw: true, error };
    }
  })();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const winner = await Promise.race([work, timeout]);
  clearTimeout(timer);
  if (winner !== 'timeout') {
    if (winner.threw) run.failAll('threw', winner.error);
    else run.value = winner.value;
    return;
  }
  const seconds = timeoutMs / 1000;
  for (const message of messages) {
    if (message.settled) continue;
    const reason = new LeaseLostError(
      `Handler for message ${message.messageId} timed out after ${seconds}s`,
      'handlerTimeout',
      { messageId: message.messageId },
    );
    void message[timeOutLease](reason, retryNack(message, policy));
  }
  const cause = new LeaseLostError(`Handler timed out after ${seconds}s`, 'handlerTimeout');
  run.failAll(
    'timedOut',
    new HandlerError('timedOut', `handler timed out after ${seconds}s`, { cause }),
  );
}
