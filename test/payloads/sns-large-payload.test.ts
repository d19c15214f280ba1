/**
 * The SNS Extended Client publishes the pointer and its marker as the SNS message and its
 * attributes, so without raw delivery they arrive inside the envelope: with `envelope: 'sns'`
 * and `largePayloads`, the envelope is unwrapped first and the payload then fetched.
 */
import { randomUUID } from 'node:crypto';
import {
  CreateTopicCommand,
  PublishCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { afterEach, expect, it } from 'vitest';
import { type LeasedMessage, perMessageListener, silentLogger } from '../../src/index.js';
import { formatPointer } from '../../src/payloads/pointer.js';
import { startListener, stopAllListeners } from '../support/listen.js';
import { adminClient, createQueue, endpoint, eventually, queueCounts } from '../support/sqs.js';
import { countingS3, createBucket, putObject } from './s3-support.js';

afterEach(stopAllListeners);

it('an SNS Extended Client message (pointer inside the envelope) is unwrapped, then fetched', async () => {
  const bucket = await createBucket();
  const payload = JSON.stringify({ report: 'y'.repeat(300_000) });
  const key = randomUUID();
  await putObject(bucket, key, payload);
  const { queueUrl } = await createQueue();
  const sns = new SNSClient({
    endpoint: endpoint(),
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const topic = await sns.send(
    new CreateTopicCommand({ Name: `reports-${randomUUID().slice(0, 8)}` }),
  );
  const arn = await adminClient().send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  await sns.send(
    new SubscribeCommand({
      TopicArn: topic.TopicArn,
      Protocol: 'sqs',
      Endpoint: arn.Attributes!.QueueArn,
    }),
  );
  await sns.send(
    new PublishCommand({
      TopicArn: topic.TopicArn,
      Message: formatPointer({ bucket, key }),
      MessageAttributes: {
        ExtendedPayloadSize: {
          DataType: 'Number',
          StringValue: String(Buffer.byteLength(payload)),
        },
        kind: { DataType: 'String', StringValue: 'report' },
      },
    }),
  );
  sns.destroy();
  const seen: LeasedMessage[] = [];
  startListener(
    perMessageListener((m) => void seen.push(m), {
      envelope: 'sns',
      largePayloads: { s3Client: countingS3().client, allowedBuckets: [bucket] },
      logger: silentLogger,
      env: {},
    }),
    queueUrl,
  );
  expect(
    await eventually(async () => {
      const c = await queueCounts(queueUrl);
      return seen.length === 1 && c.visible + c.inFlight === 0;
    }),
  ).toBe(true);
  const [m] = seen;
  expect(m!.body).toBe(payload);
  expect(m!.sns?.topicArn).toBe(topic.TopicArn);
  expect(m!.payloadPointer).toEqual({ bucket, key, size: Buffer.byteLength(payload) });
  expect(m!.messageAttributes()).toEqual({ kind: 'report' });
});
