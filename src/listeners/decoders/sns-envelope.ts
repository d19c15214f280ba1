/**
 * Decoder: SNS envelopes (`envelope: 'sns' | 'auto'`), first in the decode stage, so that the
 * S3 decoder after it sees the published message and its SNS attributes (the SNS Extended
 * Client's pointer and `ExtendedPayloadSize` marker travel inside the envelope).
 */
import { unwrapSnsEnvelope } from '../../core/sns-envelope.js';
import { resolveEnvelopeMode } from '../../shared/sns-envelope.js';
import type { ListenerBaseOptions } from '../listener-config.js';
import type { Decoder } from '../stages/decode.js';

export function snsEnvelopeDecoder(options: ListenerBaseOptions): Decoder | undefined {
  const mode = resolveEnvelopeMode(options.envelope);
  if (mode === undefined) return undefined;
  return (message) => {
    // A stream with `envelope` unwrapped it on receive already; this only reads the outcome.
    const error = unwrapSnsEnvelope(message, mode);
    // Non-retryable: the message goes to the dead-letter queue at once.
    if (error !== undefined) throw error;
  };
}
