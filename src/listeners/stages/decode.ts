/**
 * Stage "decode": where a message's body is turned into what the handler reads: the SNS
 * envelope, S3 payload and schema decoders of `../decoders/index.ts`, in that order. Left out
 * while no decoder is configured, so it costs nothing.
 */
import type { LeasedMessage } from '../../core/leased-message.js';
import { isInstance, NonRetryableError } from '../../shared/errors.js';
import type { Stage } from '../pipeline.js';
import { failEarly } from './early-failure.js';

/** Prepares one message for the handler; a throw fails that message (nothing else). */
export type Decoder = (message: LeasedMessage) => void | Promise<void>;

export function decodeStage(decoders: readonly Decoder[]): Stage | undefined {
  if (decoders.length === 0) return undefined;
  const decodeOne = async (message: LeasedMessage): Promise<boolean> => {
    for (const decode of decoders) await decode(message);
    return true;
  };
  return async (run, context) => {
    // The messages of a batch decode side by side: ten S3 fetches take one round trip, not ten.
    const decoded = await Promise.all(
      run.messages.map((message) =>
        decodeOne(message).catch(async (error: unknown) => {
          // A decoder throws a NonRetryableError for a message that is bad in itself (not
          // JSON, refused by the schema, a broken envelope or pointer): `invalid` in metrics.
          const kind = isInstance(error, NonRetryableError) ? 'invalid' : 'decode_failed';
          await failEarly(run, message, error, context, kind);
          return false;
        }),
      ),
    );
    run.messages = run.messages.filter((_, i) => decoded[i]);
  };
}
