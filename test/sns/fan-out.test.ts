/**
 * SNS fan-out end to end on fauxqs: a topic with an enveloped and a raw subscription, one
 * listener on each; a body that is not a notification under 'sns' goes to the DLQ at once;
 * 'auto' leaves plain bodies alone; `sqsMessages({ envelope })` unwraps for `for await`; the
 * runner (stream and listener both given the option) unwraps once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  batchListener,
  clearListeners,
  type LeasedMessage,
  perMessageListener,
  runListeners,
  SnsEnvelopeError,
  type SnsNotification,
  silentLogger,
  sqsListener,
  sqsMessages,
} from '../../src/index.js';
import { startListener, stopAllListeners } from '../support/listen.js';
import {
  countingClient,
  createQueue,
  eventually,
  queueCounts,
  receiveNow,
  sendMessages,
} from '../support/sqs.js';
import { createTopic, publish, subscribe } from './sns-support.js';

afterEach(async () => {
  await stopAllListeners();
  clearListeners();
});

interface Seen {
  body: string;
  json: unknown;
  attributes: Record<string, unknown>;
  sns: SnsNotification | undefined;
}

function see(m: LeasedMessage): Seen {
  return { body: m.body, json: m.tryJson()[0], attributes: m.messageAttributes(), sns: m.sns };
}

const empty = async (queueUrl: string) => {
  const c = await queueCounts(queueUrl);
  return c.visible + c.inFlight + c.delayed === 0;
};

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const ATTRIBUTES = {
  tenant: { DataType: 'String', StringValue: 'acme' },
  amount: { DataType: 'Number', StringValue: '42.5' },
  blob: { DataType: 'Binary', BinaryValue: new Uint8Array([0, 1, 127, 128, 255]) },
  traceparent: { DataType: 'String', StringValue: TRACEPARENT },
};
const SIMPLE = {
  tenant: 'acme',
  amount: 42.5,
  blob: new Uint8Array([0, 1, 127, 128, 255]),
  traceparent: TRACEPARENT,
};

describe('SNS fan-out', () => {
  it('an enveloped and a raw subscription: both handlers see the same body and attributes', async () => {
    const topicArn = await createTopic('orders');
    const [enveloped, raw] = await Promise.all([
      createQueue({ name: 'enveloped' }),
      createQueue({ name: 'raw' }),
    ]);
    await subscribe(topicArn, enveloped.queueUrl, false);
    await subscribe(topicArn, raw.queueUrl, true);
    const body = JSON.stringify({ orderId: 7, items: ['a', 'b'] });
    const before = Date.now();
    const snsMessageId = await publish(topicArn, body, ATTRIBUTES, 'new order');

    const seen: { enveloped: Seen[]; raw: Seen[] } = { enveloped: [], raw: [] };
    const common = { logger: silentLogger, env: {} };
    startListener(
      perMessageListener((m) => void seen.enveloped.push(see(m)), {
        ...common,
        envelope: 'sns',
      }),
      enveloped.queueUrl,
    );
    startListener(
      perMessageListener((m) => void seen.raw.push(see(m)), common),
      raw.queueUrl,
    );
    expect(
      await eventually(() => seen.enveloped.length === 1 && seen.raw.length === 1, 10_000),
    ).toBe(true);

    const [e, r] = [seen.enveloped[0]!, seen.raw[0]!];
    expect(e.body).toBe(body);
    expect(r.body).toBe(body);
    expect(e.json).toEqual({ orderId: 7, items: ['a', 'b'] });
    expect(r.attributes).toEqual(SIMPLE);
    expect(e.attributes).toEqual(r.attributes);
    // The trace context the publisher attached reaches the tracing stage's input.
    expect(e.attributes.traceparent).toBe(TRACEPARENT);
    expect(e.sns).toMatchObject({ topicArn, messageId: snsMessageId, subject: 'new order' });
    expect(e.sns!.timestamp.getTime()).toBeGreaterThanOrEqual(before - 1_000);
    expect(e.sns!.timestamp.getTime()).toBeLessThanOrEqual(Date.now() + 1_000);
    expect(r.sns).toBeUndefined();
    // Both were acked: really deleted.
    expect(await eventually(() => empty(enveloped.queueUrl), 10_000)).toBe(true);
    expect(await eventually(() => empty(raw.queueUrl), 10_000)).toBe(true);
  });

  it("a body that is not a notification under 'sns' is in the DLQ after one receive", async () => {
    // Redrive would need 5 receives 30 s apart: reaching the DLQ in seconds is the give-up.
    const { queueUrl, dlqUrl } = await createQueue({ visibilitySecs: 30, maxReceiveCount: 5 });
    const plain = JSON.stringify({ orderId: 8 });
    const [id] = await sendMessages(queueUrl, [plain]);
    let handled = 0;
    const failures: unknown[] = [];
    const run = startListener(
      perMessageListener(
        () => {
          handled++;
        },
        {
          envelope: 'sns',
          onFailure: (_m, error) => void failures.push(error),
          logger: silentLogger,
          env: {},
        },
      ),
      queueUrl,
    );
    expect(await eventually(async () => (await queueCounts(dlqUrl!)).visible === 1, 10_000)).toBe(
      true,
    );
    expect(await eventually(() => empty(queueUrl), 10_000)).toBe(true);
    const result = await run.stop();
    expect(handled).toBe(0);
    expect(result).toMatchObject({ processed: 1, failed: 1, gaveUp: 1, succeeded: 0 });
    expect(failures).toHaveLength(1);
    expect(failures[0]).toBeInstanceOf(SnsEnvelopeError);
    expect((failures[0] as SnsEnvelopeError).messageId).toBe(id);
    const [dead] = await receiveNow(dlqUrl!);
    expect(dead?.Body).toBe(plain);
  });

  it('batch mode: the poison message of a batch goes to the DLQ, the rest reach the handler', async () => {
    const topicArn = await createTopic('batch');
    const { queueUrl, dlqUrl } = await createQueue({ visibilitySecs: 30, maxReceiveCount: 5 });
    await subscribe(topicArn, queueUrl, false);
    for (const n of [1, 2, 3]) await publish(topicArn, JSON.stringify({ n }));
    await sendMessages(queueUrl, ['{"n":"direct"}']);
    const handled: unknown[] = [];
    startListener(
      batchListener(
        (batch) => {
          for (const m of batch) handled.push(m.json);
        },
        { envelope: 'sns', batchSize: 10, batchWindowMs: 500, logger: silentLogger, env: {} },
      ),
      queueUrl,
    );
    expect(await eventually(async () => (await queueCounts(dlqUrl!)).visible === 1, 10_000)).toBe(
      true,
    );
    expect(await eventually(() => handled.length === 3 && empty(queueUrl), 10_000)).toBe(true);
    expect(handled).toEqual(expect.arrayContaining([{ n: 1 }, { n: 2 }, { n: 3 }]));
    const [dead] = await receiveNow(dlqUrl!);
    expect(dead?.Body).toBe('{"n":"direct"}');
  });

  it("'auto' unwraps notifications and leaves a plain body alone on the same queue", async () => {
    const topicArn = await createTopic('mixed');
    const { queueUrl } = await createQueue({ name: 'mixed' });
    await subscribe(topicArn, queueUrl, false);
    await publish(topicArn, 'from the topic', { tenant: ATTRIBUTES.tenant });
    await sendMessages(queueUrl, ['{"direct":true}'], () => ({
      MessageAttributes: { tenant: { DataType: 'String', StringValue: 'direct' } },
    }));
    const seen: Seen[] = [];
    startListener(
      perMessageListener((m) => void seen.push(see(m)), {
        envelope: 'auto',
        logger: silentLogger,
        env: {},
      }),
      queueUrl,
    );
    expect(await eventually(() => seen.length === 2, 10_000)).toBe(true);
    const fromTopic = seen.find((s) => s.sns !== undefined);
    const direct = seen.find((s) => s.sns === undefined);
    expect(fromTopic).toMatchObject({ body: 'from the topic', attributes: { tenant: 'acme' } });
    expect(fromTopic?.sns?.topicArn).toBe(topicArn);
    expect(direct).toMatchObject({ body: '{"direct":true}', attributes: { tenant: 'direct' } });
    expect(await eventually(() => empty(queueUrl), 10_000)).toBe(true);
  });

  it('sqsMessages({ envelope }) hands a for-await loop the published message', async () => {
    const topicArn = await createTopic('core');
    const { queueUrl } = await createQueue({ name: 'core' });
    await subscribe(topicArn, queueUrl, false);
    await publish(topicArn, '{"n":1}', ATTRIBUTES);
    const controller = new AbortController();
    const stream = sqsMessages(queueUrl, {
      client: countingClient().client,
      envelope: 'sns',
      waitTime: 1,
      idleSleepMax: 0,
      signal: controller.signal,
      logger: silentLogger,
      env: {},
    });
    let got: Seen | undefined;
    for await (const m of stream) {
      got = see(m);
      await m.ack();
      break;
    }
    await stream.drained();
    expect(got).toMatchObject({ body: '{"n":1}', json: { n: 1 }, attributes: SIMPLE });
    expect(got?.sns?.topicArn).toBe(topicArn);
    expect(await eventually(() => empty(queueUrl), 10_000)).toBe(true);
  });

  it('the runner gives the option to stream and listener: one unwrap, poison to the DLQ', async () => {
    const topicArn = await createTopic('runner');
    const { queueUrl, dlqUrl } = await createQueue({ visibilitySecs: 30, maxReceiveCount: 5 });
    await subscribe(topicArn, queueUrl, false);
    // A published message that is itself an envelope stays what was published.
    const inner = JSON.stringify({
      Type: 'Notification',
      MessageId: 'inner',
      TopicArn: 'arn:aws:sns:us-east-1:000000000000:spoofed',
      Message: 'deeper',
      Timestamp: new Date().toISOString(),
    });
    await publish(topicArn, inner);
    await sendMessages(queueUrl, ['not an envelope']);
    const seen: Seen[] = [];
    sqsListener(
      {
        queueUrl,
        client: countingClient().client,
        envelope: 'sns',
        waitTime: 1,
        idleSleepMax: 0,
        env: {},
      },
      (m: LeasedMessage) => void seen.push(see(m)),
    );
    const controller = new AbortController();
    const run = runListeners({
      signal: controller.signal,
      handleSignals: false,
      logger: silentLogger,
      env: {},
    });
    try {
      expect(await eventually(async () => (await queueCounts(dlqUrl!)).visible === 1, 10_000)).toBe(
        true,
      );
      expect(await eventually(() => seen.length === 1 && empty(queueUrl), 10_000)).toBe(true);
    } finally {
      controller.abort();
    }
    const [report] = await run;
    expect(report?.result).toMatchObject({ processed: 2, succeeded: 1, gaveUp: 1 });
    expect(seen[0]?.body).toBe(inner);
    expect(seen[0]?.sns?.topicArn).toBe(topicArn);
    const [dead] = await receiveNow(dlqUrl!);
    expect(dead?.Body).toBe('not an envelope');
  });
});
