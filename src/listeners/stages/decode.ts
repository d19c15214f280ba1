/**
 * Stage "decode": where a message's body is turned into what the handler reads: the SNS
 * envelope, S3 payload and schema decoders of `../decoders/index.ts`, in that order. Left out
 * while no decoder is configured, so it costs nothing.
 */
import type { LeasedMessage } from '../../core/leased-message.js';
import type { Stage } from '../pipeline.js';
import { failEarly } from './early-failure.js';

/** Prepares one message for the handler; a throw fails that message (nothing else). */
export type Decoder = (message: LeasedMessage) => void | Promise<void>;

export function decodeStage(decoders: readonly Decoder[]): Stage | undefined {
  if (decoders.length === 0) return undefined;
  return async (run, context) => {
    const kept: LeasedMessage[] = [];
    for (const message of run.messages) {
      try {
        for (const decode of decoders) await decode(message);
        kept.push(message);
      } catch (error) {
        await failEarly(run, message, error, context);
      }
    }
    run.messages = kept;
  };
}
