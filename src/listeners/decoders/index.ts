/**
 * The decode stage's steps, in order: unwrap an SNS envelope, fetch an offloaded S3 payload
 * (the SNS Extended Client puts its pointer inside the envelope), then validate against the
 * schema, which must see the final body. Each factory returns `undefined` when its option is
 * off, so a listener without any pays nothing.
 */
import type { Logger } from '../../shared/logger.js';
import type { ListenerBaseOptions } from '../listener-config.js';
import type { Decoder } from '../stages/decode.js';
import { largePayloadDecoder } from './large-payload.js';
import { schemaDecoder } from './schema.js';
import { snsEnvelopeDecoder } from './sns-envelope.js';

export function buildDecoders(options: ListenerBaseOptions, logger: Logger): readonly Decoder[] {
  const decoders = [
    snsEnvelopeDecoder(options),
    largePayloadDecoder(options, logger),
    schemaDecoder(options, logger),
  ];
  return decoders.filter((decoder): decoder is Decoder => decoder !== undefined);
}
