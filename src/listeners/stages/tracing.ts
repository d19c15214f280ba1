/**
 * Stage "tracing": ends the `process` span of a handler call once its outcome is known (after
 * classify: a throw, `false`, a timeout, an unreadable or partial batch result) and records
 * the messaging metrics. The span itself starts in the handler stage, when the handler starts,
 * so that the handler runs inside it. Left out with `tracing: false`; until a provider is
 * registered it returns at once (see `tracing/listener-tracing.ts`).
 */
import type { ListenerPolicy } from '../listener-config.js';
import type { Stage } from '../pipeline.js';

export function tracingStage(policy: ListenerPolicy): Stage | undefined {
  const { tracing } = policy;
  if (tracing === undefined) return undefined;
  return (run) => tracing.end(run);
}
