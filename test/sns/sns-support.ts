/**
 * SNS on fauxqs for the envelope tests: a topic fanning out to queues, with or without raw
 * delivery, and publishing with typed attributes.
 */
import { randomUUID } from 'node:crypto';
import {
  CreateTopicCommand,
  type MessageAttributeValue,
  PublishCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { adminClient, endpoint } from '../support/sqs.js';

let shared: SNSClient | undefined;
export function snsClient(): SNSClient {
  shared ??= new SNSClient({
    endpoint: endpoint(),
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  return shared;
}

export async function createTopic(name = 'topic'): Promise<string> {
  const topic = await snsClient().send(
    new CreateTopicCommand({ Name: `${name}-${randomUUID().slice(0, 8)}` }),
  );
  return topic.TopicArn!;
}

/** Subscribes the queue to the topic; `raw` sets RawMessageDelivery (no envelope). */
export async function subscribe(topicArn: string, queueUrl: string, raw: boolean): Promise<void> {
  const { Attributes } = await adminClient().send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  await snsClient().send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: Attributes!.QueueArn!,
      Attributes: raw ? { RawMessageDelivery: 'true' } : {},
    }),
  );
}

/** Publishes; returns SNS's message id. */
export async function publish(
  topicArn: string,
  message: string,
  attributes: Record<string, MessageAttributeValue> = {},
  subject?: string,
): Promise<string> {
  const result = await snsClient().send(
    new PublishCommand({
      TopicArn: topicArn,
      Message: message,
      MessageAttributes: attributes,
      ...(subject === undefined ? {} : { Subject: subject }),
    }),
  );
  return result.MessageId!;
}
