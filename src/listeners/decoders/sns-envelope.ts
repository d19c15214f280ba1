/** Decoder: SNS envelopes (issue 13). Not built yet: no option turns it on. */
import type { ListenerBaseOptions } from '../listener-config.js';
import type { Decoder } from '../stages/decode.js';

export function snsEnvelopeDecoder(_options: ListenerBaseOptions): Decoder | undefined {
  return undefined;
}
