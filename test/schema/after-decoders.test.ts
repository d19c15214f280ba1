/**
 * The schema runs last in the decode stage: under `envelope: 'sns'` it validates the published
 * message, not the SNS notification around it (fauxqs fans a topic out to the queue).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MessageValidationError, perMessageListener, silentLogger } from '../../src/index.js';
import { createTopic, publish, subscribe } from '../sns/sns-support.js';
import { startListener, stopAllListeners } from '../support/listen.js';
import { createQueue, eventually, queueCounts, receiveNow } from '../support/sqs.js';

afterEach(stopAllListeners);

describe('schema after the SNS envelope', () => {
  it('validates the published message; an invalid one goes to the DLQ, its preview the inner body', async () => {
    const { queueUrl, dlqUrl } = await createQueue({ visibilitySecs: 1, maxReceiveCount: 5 });
    const topicArn = await createTopic('orders');
    await subscribe(topicArn, queueUrl, false);
    await publish(topicArn, JSON.stringify({ orderId: 'o-1' }));
    await publish(topicArn, JSON.stringify({ orderId: 42 }));
    const handled: Array<[string, string | undefined]> = [];
    const failures: MessageValidationError[] = [];
    const listener = perMessageListener(
      (m) => void handled.push([m.data.orderId, m.sns?.topicArn]),
      {
        envelope: 'sns',
        schema: z.object({ orderId: z.string() }),
        onFailure: (_m, e) => void failures.push(e as MessageValidationError),
        logger: silentLogger,
        env: {},
      },
    );
    const run = startListener(listener, queueUrl, { visibilitySecs: 1 });
    expect(
      await eventually(async () => {
        const [source, dlq] = await Promise.all([queueCounts(queueUrl), queueCounts(dlqUrl!)]);
        return source.visible + source.inFlight === 0 && dlq.visible === 1 && handled.length === 1;
      }, 15_000),
    ).toBe(true);
    await run.stop();
    expect(handled).toEqual([['o-1', topicArn]]);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toBeInstanceOf(MessageValidationError);
    expect(failures[0]!.issues.map((i) => i.path)).toEqual(['$.orderId']);
    expect(failures[0]!.bodyPreview).toBe('{"orderId":42}');
    // The DLQ holds what SQS delivered (the notification), as SQS's own redrive would.
    const [parked] = await receiveNow(dlqUrl!);
    expect(JSON.parse(parked!.Body!)).toMatchObject({
      Type: 'Notification',
      Message: '{"orderId":42}',
    });
  });
});
