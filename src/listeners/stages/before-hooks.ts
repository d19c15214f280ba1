/**
 * Stage "before-hooks": runs just before the handler, with the messages it is about to get. No
 * public option feeds it yet (tracing wraps the handler call instead: see handler.ts). A throw
 * fails the batch as if the handler had thrown it, and the handler is not called.
 */
import type { LeasedMessage } from '../../core/leased-message.js';
import type { Stage } from '../pipeline.js';

export type BeforeHook = (messages: readonly LeasedMessage[]) => unknown;

export function beforeHooksStage(hooks: readonly BeforeHook[]): Stage | undefined {
  if (hooks.length === 0) return undefined;
  return async (run) => {
    try {
      for (const hook of hooks) await hook(run.messages);
    } catch (error) {
      run.failAll('threw', error);
    }
  };
}
