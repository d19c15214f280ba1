/**
 * fauxqs 1.9.2 drops MessageGroupId on standard queues; SQS fair queues return it. This wraps a
 * client so each received message carries the group id `groupOf` gives it, as a fair queue's would.
 */
import { type Message, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

export function fairQueueClient(
  client: SQSClient,
  groupOf: (message: Message) => string,
): SQSClient {
  const send = async (command: object, options?: object) => {
    const output = await (client.send as (c: object, o?: object) => Promise<unknown>)(
      command,
      options,
    );
    if (command instanceof ReceiveMessageCommand) {
      for (const m of (output as { Messages?: Message[] }).Messages ?? []) {
        m.Attributes = { ...m.Attributes, MessageGroupId: groupOf(m) };
      }
    }
    return output;
  };
  return new Proxy(client, {
    get: (target, name) => (name === 'send' ? send : Reflect.get(target, name)),
  });
}
