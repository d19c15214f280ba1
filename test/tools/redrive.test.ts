/**
 * `redrive()` against fauxqs: complete, attributes kept, FIFO order per group, partial send
 * failures, and a crash between send and delete that duplicates but never loses.
 */
import { CreateQueueCommand, DeleteMessageBatchCommand, type Message } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { RedriveError, redrive } from '../../src/index.js';
import { adminClient, createQueue, queueCounts, sendMessages, sleep } from '../support/sqs.js';
import { attributesFor, bodyN, drain, fill, wrapClient } from './support.js';

function byGroup(messages: Message[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const m of messages) {
    const group = m.Attributes?.MessageGroupId ?? '';
    out.set(group, [...(out.get(group) ?? []), bodyN(m)]);
  }
  return out;
}

function expectAttributesKept(messages: Message[]): void {
  for (const m of messages) {
    const want = attributesFor(bodyN(m));
    const got = m.MessageAttributes ?? {};
    expect(got.name?.StringValue).toBe(want.name!.StringValue);
    expect(got.n).toMatchObject({ DataType: 'Number', StringValue: want.n!.StringValue });
    expect(got.bytes?.DataType).toBe('Binary');
    expect([...(got.bytes?.BinaryValue ?? [])]).toEqual([...want.bytes!.BinaryValue!]);
  }
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('redrive (client-side, fauxqs)', () => {
  it('moves 100 messages of a standard DLQ with their attributes, and empties the DLQ', async () => {
    const { queueUrl, dlqUrl } = await createQueue({ maxReceiveCount: 3, name: 'rd-std' });
    await fill(dlqUrl!, 100);

    const summary = await redrive({
      from: dlqUrl!,
      to: queueUrl,
      client: adminClient(),
      waitTimeSeconds: 1,
    });

    expect(summary).toMatchObject({
      mode: 'client',
      moved: 100,
      failed: 0,
      notDeleted: 0,
      stopped: 'empty',
    });
    expect(summary.movedTo).toEqual({ [queueUrl]: 100 });
    expect(await queueCounts(dlqUrl!)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    const moved = await drain(queueUrl);
    expect(moved.map(bodyN).sort((a, b) => a - b)).toEqual(range(100));
    expectAttributesKept(moved);
  });

  it('moves 100 messages of a FIFO DLQ in 4 groups: complete, each group in order, group ids kept', async () => {
    const { queueUrl, dlqUrl } = await createQueue({
      fifo: true,
      maxReceiveCount: 3,
      name: 'rd-fifo',
    });
    await fill(dlqUrl!, 100, 4);

    const summary = await redrive({
      from: dlqUrl!,
      to: queueUrl,
      client: adminClient(),
      waitTimeSeconds: 1,
    });

    expect(summary).toMatchObject({ moved: 100, failed: 0, notDeleted: 0 });
    expect(await queueCounts(dlqUrl!)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    const moved = await drain(queueUrl);
    expect(moved).toHaveLength(100);
    const groups = byGroup(moved);
    for (const g of range(4)) {
      expect(groups.get(`g${g}`)).toEqual(range(100).filter((n) => n % 4 === g));
    }
    for (const m of moved) expect(m.Attributes?.MessageGroupId).toBe(`g${bodyN(m) % 4}`);
    expectAttributesKept(moved);
  });

  it.each([
    ['standard', false],
    ['FIFO', true],
  ])(
    '%s: a crash after SendMessageBatch succeeded and before the delete duplicates, never loses',
    async (_kind, fifo) => {
      const { queueUrl, dlqUrl } = await createQueue({
        fifo,
        maxReceiveCount: 3,
        name: 'rd-crash',
      });
      await fill(dlqUrl!, 100, fifo ? 3 : 0);
      let crashes = 0;
      // The process "dies" at the first delete: the batch is in the target and still in the DLQ.
      const crashing = wrapClient(adminClient(), (command) => {
        if (command instanceof DeleteMessageBatchCommand && crashes++ === 0) {
          return Promise.reject(new Error('crash between send and delete'));
        }
        return undefined;
      });
      const error = await redrive({
        from: dlqUrl!,
        to: queueUrl,
        client: crashing,
        visibilityTimeout: 1,
        waitTimeSeconds: 1,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RedriveError);
      expect((error as RedriveError).summary).toMatchObject({ moved: 0, stopped: 'error' });
      const sentBeforeCrash = (await queueCounts(queueUrl)).visible;
      expect(sentBeforeCrash).toBeGreaterThan(0);
      expect((await queueCounts(dlqUrl!)).inFlight).toBe(sentBeforeCrash);

      await sleep(1_100); // the crashed batch's visibility ends: it is back in the DLQ
      const summary = await redrive({
        from: dlqUrl!,
        to: queueUrl,
        client: adminClient(),
        waitTimeSeconds: 1,
      });

      expect(summary.moved).toBe(100);
      expect(await queueCounts(dlqUrl!)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
      const moved = await drain(queueUrl);
      const ns = moved.map(bodyN);
      expect(new Set(ns)).toEqual(new Set(range(100))); // nothing lost
      // FIFO: SQS dropped the re-sent batch (same MessageDeduplicationId); standard: duplicated.
      expect(ns).toHaveLength(fifo ? 100 : 100 + sentBeforeCrash);
      if (fifo) {
        const groups = byGroup(moved);
        for (const g of range(3))
          expect(groups.get(`g${g}`)).toEqual(range(100).filter((n) => n % 3 === g));
      }
    },
  );

  it('a message back in its FIFO source within 5 minutes of its first send is not dropped as a duplicate of itself', async () => {
    const { queueUrl, dlqUrl } = await createQueue({
      fifo: true,
      maxReceiveCount: 3,
      name: 'rd-dedup',
    });
    const original = { MessageGroupId: 'g', MessageDeduplicationId: 'order-7' };
    // Sent, failed, and moved to the DLQ (keeping its deduplication id) a moment ago.
    await sendMessages(queueUrl, [{ n: 7 }], () => original);
    await drain(queueUrl);
    await sendMessages(dlqUrl!, [{ n: 7 }], () => original);

    const summary = await redrive({
      from: dlqUrl!,
      to: queueUrl,
      client: adminClient(),
      waitTimeSeconds: 1,
    });

    expect(summary.moved).toBe(1);
    // Re-sent with its original MessageDeduplicationId, SQS would have answered "sent" and
    // dropped it: deleted from the DLQ, never delivered.
    expect((await drain(queueUrl)).map(bodyN)).toEqual([7]);
  });

  it('splits a batch of large messages into requests within the 1 MiB batch limit', async () => {
    const { queueUrl, dlqUrl } = await createQueue({ maxReceiveCount: 3, name: 'rd-big' });
    // 10 messages of 300 KB: one receive, 3 MB in all; a single SendMessageBatch would be refused.
    const bodies = range(10).map((n) => ({ n, pad: 'x'.repeat(300_000) }));
    for (const body of bodies) await sendMessages(dlqUrl!, [body]);

    const summary = await redrive({
      from: dlqUrl!,
      to: queueUrl,
      client: adminClient(),
      waitTimeSeconds: 1,
    });

    expect(summary).toMatchObject({ moved: 10, failed: 0, notDeleted: 0 });
    expect((await drain(queueUrl)).map(bodyN).sort((a, b) => a - b)).toEqual(range(10));
  });

  it('deletes only the entries SendMessageBatch confirmed; a failed FIFO message keeps its group behind it in the DLQ', async () => {
    const { dlqUrl } = await createQueue({ fifo: true, maxReceiveCount: 3, name: 'rd-part' });
    // A target that refuses messages above 1,024 bytes: per-entry failures in SendMessageBatch.
    const small = await adminClient().send(
      new CreateQueueCommand({
        QueueName: `rd-small-${Date.now()}.fifo`,
        Attributes: { FifoQueue: 'true', MaximumMessageSize: '1024' },
      }),
    );
    const target = small.QueueUrl!;
    // Group a: 0 ok, 1 too big, 2 ok (must not overtake 1). Group b: all fine.
    const bodies = ['a0', 'a1', 'a2', 'b0', 'b1'].map((id) => ({
      id,
      pad: id === 'a1' ? 'x'.repeat(2000) : '',
    }));
    await sendMessages(dlqUrl!, bodies, (i) => ({
      MessageGroupId: bodies[i]!.id[0],
      MessageDeduplicationId: bodies[i]!.id,
    }));

    const summary = await redrive({
      from: dlqUrl!,
      to: target,
      client: adminClient(),
      visibilityTimeout: 30,
      waitTimeSeconds: 1,
    });

    expect(summary).toMatchObject({ moved: 3, failed: 1, notDeleted: 0 });
    expect(summary.errors).toEqual([
      expect.objectContaining({ stage: 'send', code: 'InvalidParameterValue', target }),
    ]);
    const arrived = (await drain(target)).map((m) => (JSON.parse(m.Body!) as { id: string }).id);
    expect(arrived.sort()).toEqual(['a0', 'b0', 'b1']); // a2 did not overtake a1
    // a1 (hidden for visibilityTimeout) and a2 behind it are still in the DLQ: not lost.
    expect(await queueCounts(dlqUrl!)).toMatchObject({ visible: 1, inFlight: 1 });
  });
});
