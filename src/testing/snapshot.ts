/** What the in-memory SQS's inspection helpers return for a stored message. */
import { simplifyAttributes } from '../shared/message-attributes.js';
import type { StoredMessage } from './in-memory-queue.js';
import type { InMemoryMessage } from './in-memory-types.js';

/** A copy of `message` for assertions; attributes simplified as a consumer would see them. */
export function snapshot(message: StoredMessage): InMemoryMessage {
  let json: unknown;
  try {
    json = JSON.parse(message.body);
  } catch {
    json = undefined;
  }
  const out: InMemoryMessage = {
    messageId: message.messageId,
    body: message.body,
    json,
    messageAttributes: simplifyAttributes(message.messageAttributes),
    receiveCount: message.receiveCount,
    sentAt: new Date(message.sentAtMs),
  };
  if (message.groupId !== undefined) out.groupId = message.groupId;
  return out;
}
