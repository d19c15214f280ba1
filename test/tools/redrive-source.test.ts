/**
 * Where `redrive()` sends messages when `to` is omitted, `server: true`, and option checks.
 * fauxqs 1.9.2 has no ListDeadLetterSourceQueues, no DeadLetterQueueSourceArn and no
 * StartMessageMoveTask: those answers come from a client wrapper (or a fake client), the queues
 * and messages from fauxqs.
 */
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ListDeadLetterSourceQueuesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { ConfigError, RedriveError, redrive } from '../../src/index.js';
import { adminClient, createQueue, queueCounts } from '../support/sqs.js';
import { bodyN, drain, fill, wrapClient } from './support.js';

async function arnOf(queueUrl: string): Promise<string> {
  const out = await adminClient().send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  return out.Attributes!.QueueArn!;
}

/** fauxqs plus an answer to ListDeadLetterSourceQueues; counts the calls. */
function listing(queueUrls: string[]) {
  const calls: string[] = [];
  const client = wrapClient(adminClient(), (command) => {
    if (command instanceof ListDeadLetterSourceQueuesCommand) {
      calls.push(command.input.QueueUrl!);
      return Promise.resolve({ queueUrls });
    }
    return undefined;
  });
  return { client, calls };
}

const opts = { waitTimeSeconds: 1 } as const;

describe('redrive: finding the source queue', () => {
  it('fails with RedriveSourceUnknown when nothing names a source, and gives the messages back at once', async () => {
    const dlq = (await createQueue({ name: 'src-none-dlq' })).queueUrl;
    await fill(dlq, 10);
    const error = await redrive({ from: dlq, client: adminClient(), ...opts }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RedriveError);
    expect(error).toMatchObject({
      code: 'RedriveSourceUnknown',
      summary: { moved: 0, stopped: 'error' },
    });
    expect((error as Error).message).toMatch(
      /ListDeadLetterSourceQueues failed.*no RedriveAllowPolicy.*--to/,
    );
    expect(await queueCounts(dlq)).toEqual({ visible: 10, inFlight: 0, delayed: 0 });
  });

  it('uses the one source queue of a byQueue RedriveAllowPolicy', async () => {
    const source = (await createQueue({ name: 'src-allow' })).queueUrl;
    const dlq = await adminClient().send(
      new CreateQueueCommand({
        QueueName: `src-allow-dlq-${Date.now()}`,
        Attributes: {
          RedriveAllowPolicy: JSON.stringify({
            redrivePermission: 'byQueue',
            sourceQueueArns: [await arnOf(source)],
          }),
        },
      }),
    );
    await fill(dlq.QueueUrl!, 15);
    const summary = await redrive({ from: dlq.QueueUrl!, client: adminClient(), ...opts });
    expect(summary.movedTo).toEqual({ [source]: 15 });
    expect((await drain(source)).length).toBe(15);
  });

  it('uses the one queue ListDeadLetterSourceQueues names', async () => {
    const { queueUrl, dlqUrl } = await createQueue({ maxReceiveCount: 2, name: 'src-list' });
    await fill(dlqUrl!, 12);
    const { client, calls } = listing([queueUrl]);
    const summary = await redrive({ from: dlqUrl!, client, ...opts });
    expect(summary).toMatchObject({ moved: 12, movedTo: { [queueUrl]: 12 } });
    expect(calls).toEqual([dlqUrl]); // asked once per run, not per batch
    expect(await queueCounts(queueUrl)).toMatchObject({ visible: 12 });
  });

  it('fails with RedriveSourceAmbiguous naming the choices when several queues use the DLQ', async () => {
    const a = (await createQueue({ name: 'src-a' })).queueUrl;
    const b = (await createQueue({ name: 'src-b' })).queueUrl;
    const dlq = (await createQueue({ name: 'src-amb-dlq' })).queueUrl;
    await fill(dlq, 5);
    const error = await redrive({ from: dlq, client: listing([a, b]).client, ...opts }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      name: 'RedriveError',
      code: 'RedriveSourceAmbiguous',
      choices: [a, b],
    });
    expect((error as Error).message).toContain(a);
    expect((error as Error).message).toContain(b);
    expect(await queueCounts(dlq)).toMatchObject({ visible: 5, inFlight: 0 });
    expect(await queueCounts(a)).toMatchObject({ visible: 0 });
  });

  it("sends each message back to its own DeadLetterQueueSourceArn, even when the DLQ's sources are ambiguous", async () => {
    const a = (await createQueue({ name: 'src-own-a' })).queueUrl;
    const b = (await createQueue({ name: 'src-own-b' })).queueUrl;
    const dlq = (await createQueue({ name: 'src-own-dlq' })).queueUrl;
    const arns = [await arnOf(a), await arnOf(b)];
    await fill(dlq, 20);
    const { calls } = listing([a, b]);
    // SQS sets DeadLetterQueueSourceArn when its redrive policy moves a message; fauxqs does not.
    const client = wrapClient(adminClient(), (command, forward) => {
      if (command instanceof ListDeadLetterSourceQueuesCommand) calls.push('listed');
      if (!(command instanceof ReceiveMessageCommand)) return undefined;
      return forward().then((out) => {
        for (const m of (out as { Messages?: Message[] }).Messages ?? []) {
          m.Attributes = { ...m.Attributes, DeadLetterQueueSourceArn: arns[bodyN(m) % 2]! };
        }
        return out;
      });
    });
    const summary = await redrive({ from: dlq, client, ...opts });
    expect(summary.movedTo).toEqual({ [a]: 10, [b]: 10 });
    expect(calls).toEqual([]);
    expect((await drain(a)).map(bodyN).every((n) => n % 2 === 0)).toBe(true);
    expect((await drain(b)).map(bodyN).every((n) => n % 2 === 1)).toBe(true);
  });
});

/** A fake client for StartMessageMoveTask, which fauxqs lacks. */
function moveTaskFake() {
  const sent: Array<{ name: string; input: Record<string, unknown> }> = [];
  const client = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      sent.push({ name: command.constructor.name, input: command.input });
      if (command instanceof GetQueueAttributesCommand) {
        const name = String(command.input.QueueUrl).split('/').pop();
        return { Attributes: { QueueArn: `arn:aws:sqs:eu-west-1:123456789012:${name}` } };
      }
      if (command instanceof StartMessageMoveTaskCommand) return { TaskHandle: 'task-1' };
      throw new Error(`unexpected ${command.constructor.name}`);
    },
  } as unknown as SQSClient;
  return { client, sent };
}

const DLQ = 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders-dlq';
const SOURCE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders';

describe('redrive({ server: true })', () => {
  it('starts StartMessageMoveTask with the DLQ ARN, the target ARN and the rate', async () => {
    const { client, sent } = moveTaskFake();
    const started = await redrive({
      from: DLQ,
      to: SOURCE,
      maxPerSecond: 25,
      server: true,
      client,
    });
    expect(started).toEqual({
      mode: 'server',
      taskHandle: 'task-1',
      sourceArn: 'arn:aws:sqs:eu-west-1:123456789012:orders-dlq',
      destinationArn: 'arn:aws:sqs:eu-west-1:123456789012:orders',
    });
    expect(sent.at(-1)).toEqual({
      name: 'StartMessageMoveTaskCommand',
      input: {
        SourceArn: 'arn:aws:sqs:eu-west-1:123456789012:orders-dlq',
        DestinationArn: 'arn:aws:sqs:eu-west-1:123456789012:orders',
        MaxNumberOfMessagesPerSecond: 25,
      },
    });
  });

  it('leaves DestinationArn out without `to` (SQS sends each message to its source) and receives nothing', async () => {
    const { client, sent } = moveTaskFake();
    await redrive({ from: DLQ, server: true, client });
    expect(sent.map((s) => s.name)).toEqual([
      'GetQueueAttributesCommand',
      'StartMessageMoveTaskCommand',
    ]);
    expect(sent[1]!.input).toEqual({ SourceArn: 'arn:aws:sqs:eu-west-1:123456789012:orders-dlq' });
  });

  it('says that it needs real SQS when the endpoint (fauxqs) lacks it', async () => {
    const { dlqUrl } = await createQueue({ maxReceiveCount: 2, name: 'srv' });
    const error = await redrive({ from: dlqUrl!, server: true, client: adminClient() }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RedriveError);
    expect((error as Error).message).toMatch(/needs real SQS/);
  });
});

describe('redrive: options', () => {
  it.each([
    [{ from: 'not a url' }, 'from'],
    [{ from: DLQ, to: 'ftp://x/y' }, 'to'],
    [{ from: DLQ, to: DLQ }, 'to'],
    [{ from: DLQ, maxPerSecond: 0 }, 'maxPerSecond'],
    [{ from: DLQ, maxPerSecond: -1 }, 'maxPerSecond'],
    [{ from: DLQ, maxPerSecond: Number.NaN }, 'maxPerSecond'],
    [{ from: DLQ, maxPerSecond: Number.POSITIVE_INFINITY }, 'maxPerSecond'],
    [{ from: DLQ, maxPerSecond: 501, server: true }, 'maxPerSecond'],
    [{ from: DLQ, maxPerSecond: 1.5, server: true }, 'maxPerSecond'],
    [{ from: DLQ, visibilityTimeout: 0 }, 'visibilityTimeout'],
    [{ from: DLQ, waitTimeSeconds: 21 }, 'waitTimeSeconds'],
  ])('rejects %o with a ConfigError naming %s, before any request', async (options, option) => {
    const { client, sent } = moveTaskFake();
    const error = await redrive({ ...options, client } as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ option });
    expect(sent).toEqual([]);
  });
});
