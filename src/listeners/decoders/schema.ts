/** Decoder: schema validation (issue 12). Not built yet: no option turns it on. */
import type { ListenerBaseOptions } from '../listener-config.js';
import type { Decoder } from '../stages/decode.js';

export function schemaDecoder(_options: ListenerBaseOptions): Decoder | undefined {
  return undefined;
}
