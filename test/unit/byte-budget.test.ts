/**
 * maxInFlightBytes (issue 14): the bytes of leased, unsettled messages (bodies, message
 * attributes, S3 payloads) are bounded; no receive is sent unless each message it may return
 * fits at SQS's 1 MiB maximum; the budget is at least one receive of ten such messages.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { messageBytes } from '../../src/core/byte-budget.js';
import { payloadPointerOf } from '../../src/core/leased-message.js';
import { sqsMessages as stream } from '../../src/core/sqs-messages.js';
import { ConfigError } from '../../src/shared/errors.js';
import { FakeSqs, sqsMessage } from '../support/fake-sqs.js';
import { type OpenStream, openStream, QUEUE_URL, take, useFakeClock } from '../support/unit.js';

const MIB = 1_048_576;
/** A body of 1,000,000 bytes plus one attribute: 1,000,018 bytes as SQS counts them. */
const LARGE_BYTES = 1_000_000 + 'trace'.length + 'String'.length + 'abcdefg'.length;

function largeMessage(id: string) {
  return sqsMessage(id, {
    body: 'x'.repeat(1_000_000),
    messageAttributes: { trace: { DataType: 'String', StringValue: 'abcdefg' } },
  });
}

let open: OpenStream | undefined;

beforeEach(() => {
  useFakeClock();
});

afterEach(async () => {
  await open?.close();
  open = undefined;
  vi.useRealTimers();
});

describe('maxInFlightBytes', () => {
  it('defaults to 128 MiB; below one receive of ten 1 MiB messages is a ConfigError', () => {
    const fake = new FakeSqs();
    expect(stream(QUEUE_URL, { client: fake.client, env: {} }).config.maxInFlightBytes).toBe(
      128 * MIB,
    );
    expect(
      stream(QUEUE_URL, { client: fake.client, env: { MAX_IN_FLIGHT_BYTES: '20971520' } }).config
        .maxInFlightBytes,
    ).toBe(20 * MIB);
    expect(() =>
      stream(QUEUE_URL, { client: fake.client, env: {}, maxInFlightBytes: 10 * MIB - 1 }),
    ).toThrow(ConfigError);
    expect(() =>
      stream(QUEUE_URL, { client: fake.client, env: { MAX_IN_FLIGHT_BYTES: '1000000' } }),
    ).toThrow(/MAX_IN_FLIGHT_BYTES.*10485760/);
  });

  it('counts body and attribute names, types and values in UTF-8 bytes', () => {
    expect(messageBytes(largeMessage('a'))).toBe(LARGE_BYTES);
    const binary = sqsMessage('b', {
      body: 'é€',
      messageAttributes: { n: { DataType: 'Binary', BinaryValue: new Uint8Array(4) } },
    });
    expect(messageBytes(binary)).toBe(2 + 3 + 1 + 'Binary'.length + 4);
  });

  it('sends no receive while the budget is used up, and receives again as bytes are freed', async () => {
    const fake = new FakeSqs();
    fake.enqueue(...Array.from({ length: 20 }, (_, i) => largeMessage(`big${i}`)));
    open = openStream({ maxInFlight: 100, maxInFlightBytes: 10 * MIB, waitTime: 20 }, fake);

    // The empty budget fits one receive of ten; then ten messages of ~1 MB fill it.
    const held = await take(open.iterator, 10);
    const next = open.iterator.next();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fake.sent('ReceiveMessage')).toHaveLength(1);
    expect(fake.queued).toBe(10);
    expect(open.stream.stats()).toMatchObject({ inFlight: 10, bytesInFlight: 10 * LARGE_BYTES });

    // Settling frees bytes: the receives that follow ask only for what fits.
    const acks = held.slice(0, 5).map((m) => m.ack());
    // (Deletes may wait a settle window while other messages are held.)
    await vi.advanceTimersByTimeAsync(2_000);
    await Promise.all(acks);
    const first = await next;
    expect(first.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    for (const r of fake.sent('ReceiveMessage').slice(1)) {
      expect(r.input.MaxNumberOfMessages as number).toBeLessThanOrEqual(5);
    }
    expect(open.stream.stats().bytesInFlight).toBeLessThanOrEqual(10 * MIB);

    const rest = [...held.slice(5), ...(first.done ? [] : [first.value])];
    for (const m of rest) void m.ack();
    let taken = 11;
    while (taken < 20) {
      const more = open.iterator.next();
      await vi.advanceTimersByTimeAsync(2_000);
      const result = await more;
      if (result.done) break;
      taken++;
      expect(open.stream.stats().bytesInFlight).toBeLessThanOrEqual(10 * MIB);
      void result.value.ack();
    }
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fake.deleted).toHaveLength(20);
    expect(open.stream.stats()).toMatchObject({ inFlight: 0, bytesInFlight: 0 });
  });

  it('counts a payload fetched from S3 until the lease ends', async () => {
    const fake = new FakeSqs().enqueue(sqsMessage('p', { body: 'pointer' }));
    open = openStream({ maxInFlight: 1 }, fake);
    const [message] = await take(open.iterator, 1);
    expect(open.stream.stats().bytesInFlight).toBe('pointer'.length);
    // What the large-payload decoder does once it fetched the object.
    message![payloadPointerOf] = { bucket: 'b', key: 'k', size: 3_000_000 };
    expect(open.stream.stats().bytesInFlight).toBe('pointer'.length + 3_000_000);
    const ack = message!.ack();
    await vi.advanceTimersByTimeAsync(2_000);
    await ack;
    expect(open.stream.stats().bytesInFlight).toBe(0);
  });
});
