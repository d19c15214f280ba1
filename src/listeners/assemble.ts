/**
 * Where the pipeline is assembled: the stages in order, once per listener. Adding a stage is
 * one file in `stages/` plus one line here; a stage factory returns `undefined` when it has
 * nothing to do for this listener, and is then left out.
 */
import type { ListenerPolicy } from './listener-config.js';
import type { Stage } from './pipeline.js';
import { afterHooksStage } from './stages/after-hooks.js';
import { beforeHooksStage } from './stages/before-hooks.js';
import { classifyStage } from './stages/classify.js';
import { decodeStage } from './stages/decode.js';
import { fifoOrderStage } from './stages/fifo-order.js';
import { filterStage } from './stages/filter.js';
import { type HandlerCall, handlerStage } from './stages/handler.js';
import { settleStage } from './stages/settle.js';
import { tracingStage } from './stages/tracing.js';

export function assembleStages(
  mode: 'message' | 'batch',
  call: HandlerCall,
  policy: ListenerPolicy,
): readonly Stage[] {
  const stages: Array<Stage | undefined> = [
    filterStage(policy),
    decodeStage(policy.decoders),
    beforeHooksStage(policy.beforeHooks),
    handlerStage(call, policy),
    classifyStage(mode),
    tracingStage(policy),
    mode === 'batch' ? fifoOrderStage : undefined,
    settleStage,
    afterHooksStage(policy),
  ];
  return stages.filter((stage): stage is Stage => stage !== undefined);
}
