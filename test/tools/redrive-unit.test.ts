/**
 * `redrive()` over a fake client with fake timers: the rate limit, FIFO waves inside one
 * received batch (which fauxqs, handing out one message per group, cannot produce), and abort.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { redrive } from '../../src/index.js';
import { useFakeClock } from '../support/unit.js';

const DLQ = 'https://sqs.eu-west-1.amazonaws.com/123456789012/jobs-dlq';
const TARGET = 'https://sqs.eu-west-1.amazonaws.com/123456789012/jobs';

interface FakeMessage {
  id: string;
  group?: string;
}

/** A DLQ and a target: receive hands out what is left; sends and deletes are recorded with the time. */
function fakeSqs(
  messages: FakeMessage[],
  options: { failSend?: (id: string) => boolean; receiveBatch?: number } = {},
) {
  const left = [...messages];
  const sends: Array<{ at: number; ids: string[] }> = [];
  const deleted: string[] = [];
  const released: string[] = [];
  let onReceive: (() => void) | undefined;
  const client = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const input = command.input as Record<string, unknown>;
      switch (command.constructor.name) {
        case 'ReceiveMessageCommand': {
          onReceive?.();
          const max = Math.min(input.MaxNumberOfMessages as number, options.receiveBatch ?? 10);
          return {
            Messages: left.splice(0, max).map((m) => ({
              MessageId: m.id,
              ReceiptHandle: `rh-${m.id}`,
              Body: m.id,
              Attributes: m.group ? { MessageGroupId: m.group } : {},
            })),
          };
        }
        case 'SendMessageBatchCommand': {
          const entries = input.Entries as Array<{ Id: string; MessageBody: string }>;
          sends.push({ at: Date.now(), ids: entries.map((e) => e.MessageBody) });
          const bad = entries.filter((e) => options.failSend?.(e.MessageBody));
          return {
            Successful: entries
              .filter((e) => !bad.includes(e))
              .map((e) => ({ Id: e.Id, MessageId: `new-${e.Id}` })),
            Failed: bad.map((e) => ({
              Id: e.Id,
              Code: 'Throttled',
              SenderFault: false,
              Message: 'slow down',
            })),
          };
        }
        case 'DeleteMessageBatchCommand':
          deleted.push(
            ...(input.Entries as Array<{ ReceiptHandle: string }>).map((e) =>
              e.ReceiptHandle.slice(3),
            ),
          );
          return { Successful: [], Failed: [] };
        case 'ChangeMessageVisibilityBatchCommand':
          released.push(
            ...(input.Entries as Array<{ ReceiptHandle: string }>).map((e) =>
              e.ReceiptHandle.slice(3),
            ),
          );
          return { Successful: [], Failed: [] };
        default:
          throw new Error(`unexpected ${command.constructor.name}`);
      }
    },
  } as unknown as SQSClient;
  return {
    client,
    sends,
    deleted,
    released,
    sentIds: () => sends.flatMap((s) => s.ids),
    onReceive: (f: () => void) => {
      onReceive = f;
    },
  };
}

const ids = (n: number, group?: (i: number) => string): FakeMessage[] =>
  Array.from({ length: n }, (_, i) => ({ id: `m${i}`, ...(group ? { group: group(i) } : {}) }));

afterEach(() => {
  vi.useRealTimers();
});

describe('redrive maxPerSecond (fake clock)', () => {
  it('never moves more than the rate allows, plus one batch', async () => {
    useFakeClock();
    const fake = fakeSqs(ids(50));
    const start = Date.now();
    const done = redrive({ from: DLQ, to: TARGET, client: fake.client, maxPerSecond: 5 });
    for (let second = 0; second <= 12; second++) {
      await vi.advanceTimersByTimeAsync(second === 0 ? 0 : 1000);
      const sentSoFar = fake.sends
        .filter((s) => s.at - start <= second * 1000)
        .flatMap((s) => s.ids).length;
      expect(sentSoFar).toBeLessThanOrEqual(5 * second + 5);
    }
    expect(await done).toMatchObject({ moved: 50 });
    // Not slower than needed either: each second moves a full batch of 5.
    expect(fake.sends.every((s) => s.ids.length === 5)).toBe(true);
  });

  it('below one per second moves one message at a time', async () => {
    useFakeClock();
    const fake = fakeSqs(ids(3));
    const start = Date.now();
    const done = redrive({ from: DLQ, to: TARGET, client: fake.client, maxPerSecond: 0.5 });
    await vi.advanceTimersByTimeAsync(10_000);
    await done;
    expect(fake.sends.map((s) => [s.at - start, s.ids.length])).toEqual([
      [0, 1],
      [2000, 1],
      [4000, 1],
    ]);
  });
});

describe('redrive FIFO waves', () => {
  it('sends at most one message per group per request, and holds back a group after a failed entry', async () => {
    // One receive brings a0 a1 a2 b0 b1 (real SQS hands out several messages of a group at once).
    const batch: FakeMessage[] = [
      { id: 'a0', group: 'a' },
      { id: 'a1', group: 'a' },
      { id: 'b0', group: 'b' },
      { id: 'a2', group: 'a' },
      { id: 'b1', group: 'b' },
    ];
    const fake = fakeSqs(batch, { failSend: (id) => id === 'a1' });
    const summary = await redrive({ from: DLQ, to: `${TARGET}.fifo`, client: fake.client });
    expect(fake.sends.map((s) => s.ids)).toEqual([
      ['a0', 'b0'],
      ['a1', 'b1'],
    ]);
    expect(fake.deleted).toEqual(['a0', 'b0', 'b1']);
    expect(summary).toMatchObject({ moved: 3, failed: 2 });
    expect(summary.errors.map((e) => [e.messageId, e.code])).toEqual([
      ['a1', 'Throttled'],
      ['a2', 'GroupOrder'],
    ]);
  });
});

describe('redrive abort', () => {
  it('stops before the next receive and reports it', async () => {
    const controller = new AbortController();
    const fake = fakeSqs(ids(30), { receiveBatch: 10 });
    let receives = 0;
    fake.onReceive(() => {
      if (++receives === 2) controller.abort();
    });
    const summary = await redrive({
      from: DLQ,
      to: TARGET,
      client: fake.client,
      signal: controller.signal,
    });
    expect(summary).toMatchObject({ stopped: 'aborted' });
    // The batch received as the signal fired is given back at once, not sent.
    expect(fake.sentIds()).toEqual(ids(10).map((m) => m.id));
    expect(fake.released).toEqual(
      ids(20)
        .slice(10)
        .map((m) => m.id),
    );
  });
});
