/**
 * Unwrapping a message's SNS notification envelope (`envelope: 'sns' | 'auto'`), shared by the
 * core stream (on receive) and a listener's decode stage. The outcome is recorded on the
 * message, so a listener consuming a stream that already unwrapped does not unwrap twice (an
 * inner body that happens to be an envelope itself stays what the publisher sent).
 */
import {
  type EnvelopeMode,
  mayBeSnsEnvelope,
  parseSnsEnvelope,
  SnsEnvelopeError,
} from '../shared/sns-envelope.js';
import {
  decodeMessage,
  type LeasedMessage,
  type SnsEnvelopeState,
  snsEnvelopeState,
} from './leased-message.js';

/**
 * Unwraps `message` when its body is an SNS notification: `body`, `json` and
 * `messageAttributes()` then show the published message and its attributes, `sns` where it came
 * from. Returns the error when `mode` is `'sns'` and the body is not a notification (also set as
 * `message.envelopeError`), `undefined` otherwise. Synchronous, and never throws.
 */
export function unwrapSnsEnvelope(
  message: LeasedMessage,
  mode: EnvelopeMode,
): SnsEnvelopeError | undefined {
  let state = message[snsEnvelopeState];
  // Left alone by an 'auto' reading, which skips bodies without a plain "TopicArn" key: an
  // 'sns' reading looks at it in full.
  if (state === undefined || (mode === 'sns' && 'notEnvelope' in state && !state.error)) {
    state = readEnvelope(message, mode);
    message[snsEnvelopeState] = state;
  }
  return mode === 'sns' && 'error' in state ? state.error : undefined;
}

function readEnvelope(message: LeasedMessage, mode: EnvelopeMode): SnsEnvelopeState {
  const body = message.body;
  if (mode === 'auto' && !mayBeSnsEnvelope(body)) {
    return { notEnvelope: 'it has no "TopicArn"', error: undefined };
  }
  const envelope = parseSnsEnvelope(body);
  if (typeof envelope === 'string') {
    return {
      notEnvelope: envelope,
      error: mode === 'sns' ? notAnEnvelope(message, envelope) : undefined,
    };
  }
  message[decodeMessage](envelope.body, envelope.attributes);
  return { sns: envelope.sns };
}

function notAnEnvelope(message: LeasedMessage, reason: string): SnsEnvelopeError {
  return new SnsEnvelopeError(
    `Message ${message.messageId} is not an SNS notification (envelope: 'sns'): ${reason}. ` +
      "A raw-delivery subscription (RawMessageDelivery) or a direct SendMessage sends a plain body: use envelope 'auto' or none for such a queue.",
    { messageId: message.messageId },
  );
}
