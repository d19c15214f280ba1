/**
 * `openPollsOnStop`: what happens to a long poll in flight when the stream ends. 'abort' ends it
 * at once; 'finish' lets it complete, within a finite shutdownTimeout, and gives back what it
 * returned at once.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sqsMessages } from '../../src/core/sqs-messages.js';
import { ConfigError } from '../../src/shared/errors.js';
import { FakeSqs, sqsMessage } from '../support/fake-sqs.js';
import { type OpenStream, openStream, QUEUE_URL, useFakeClock } from '../support/unit.js';

describe('the option', () => {
  const config = (options: object, env: Record<string, string> = {}) =>
    sqsMessages(QUEUE_URL, { client: new FakeSqs().client, env, ...options }).config;

  it("defaults to 'abort'; the option wins over OPEN_POLLS_ON_STOP", () => {
    expect(config({}).openPollsOnStop).toBe('abort');
    expect(config({}, { OPEN_POLLS_ON_STOP: 'finish' }).openPollsOnStop).toBe('finish');
    expect(config({}, { OPEN_POLLS_ON_STOP: ' finish ' }).openPollsOnStop).toBe('finish');
    expect(
      config({ openPollsOnStop: 'abort' }, { OPEN_POLLS_ON_STOP: 'finish' }).openPollsOnStop,
    ).toBe('abort');
  });

  it.each([
    [{ openPollsOnStop: 'wait' }, {}, /option openPollsOnStop.*"wait".*'abort' or 'finish'/],
    [{ openPollsOnStop: true }, {}, /option openPollsOnStop.*true/],
    [{}, { OPEN_POLLS_ON_STOP: 'Finish' }, /environment variable OPEN_POLLS_ON_STOP.*"Finish"/],
    [{}, { OPEN_POLLS_ON_STOP: '' }, /environment variable OPEN_POLLS_ON_STOP/],
  ])('refuses %o with env %o', (options, env, message) => {
    let error: unknown;
    try {
      config(options, env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ option: 'openPollsOnStop', envVar: 'OPEN_POLLS_ON_STOP' });
    expect((error as Error).message).toMatch(message);
  });
});

describe('ending during an empty long poll', () => {
  let open: OpenStream | undefined;

  beforeEach(() => {
    useFakeClock();
  });

  afterEach(async () => {
    await open?.close();
    open = undefined;
    vi.useRealTimers();
  });

  /** Starts a consumer waiting on an empty 20 s long poll, then ends the stream. */
  async function stopDuringPoll(options: object) {
    open = openStream({ waitTime: 20, visibilitySecs: 30, maxInFlight: 10, ...options });
    const { fake, iterator, controller, stream } = open;
    let ended = false;
    const next = iterator.next().then((r) => {
      ended = true;
      return r;
    });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fake.pollsWaiting).toBe(1);
    controller.abort();
    await vi.advanceTimersByTimeAsync(0);
    return { fake, next, stream, ended: () => ended };
  }

  it("'abort' ends the poll at once", async () => {
    const { fake, next, ended } = await stopDuringPoll({});
    expect(fake.pollsWaiting).toBe(0);
    expect(await next).toEqual({ value: undefined, done: true });
    expect(ended()).toBe(true);
  });

  it("'finish' lets it complete and releases what it returned at once, unseen", async () => {
    const { fake, next, stream, ended } = await stopDuringPoll({ openPollsOnStop: 'finish' });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(fake.pollsWaiting).toBe(1);
    expect(ended()).toBe(false);

    // A message sent after the stop: the open poll takes it.
    const late = sqsMessage('late');
    fake.enqueue(late);
    await vi.advanceTimersByTimeAsync(100);

    expect(await next).toEqual({ value: undefined, done: true });
    await stream.drained();
    const entries = fake.entriesOf('ChangeMessageVisibilityBatch').flat();
    expect(entries).toEqual([
      expect.objectContaining({ ReceiptHandle: late.ReceiptHandle, VisibilityTimeout: 0 }),
    ]);
    expect(stream.stats()).toMatchObject({ received: 1, released: 1, inFlight: 0 });
  });

  it("'finish' without messages ends when the poll does, after waitTime", async () => {
    const { fake, next, stream, ended } = await stopDuringPoll({ openPollsOnStop: 'finish' });
    await vi.advanceTimersByTimeAsync(18_000);
    expect(ended()).toBe(false);
    await vi.advanceTimersByTimeAsync(1_500);
    expect(ended()).toBe(true);
    expect(await next).toEqual({ value: undefined, done: true });
    await stream.drained();
    // Answered, not aborted: nothing may be open on the server, nothing to release.
    expect(fake.sent('ChangeMessageVisibilityBatch')).toHaveLength(0);
    expect(fake.sent('ReceiveMessage')).toHaveLength(1);
  });

  it("'finish' aborts the poll at a shorter shutdownTimeout, counted from the stop", async () => {
    const { fake, next, ended } = await stopDuringPoll({
      openPollsOnStop: 'finish',
      shutdownTimeout: 3,
    });
    await vi.advanceTimersByTimeAsync(2_900);
    expect(fake.pollsWaiting).toBe(1);
    expect(ended()).toBe(false);
    await vi.advanceTimersByTimeAsync(200);
    expect(fake.pollsWaiting).toBe(0);
    expect(ended()).toBe(true);
    expect(await next).toEqual({ value: undefined, done: true });
  });

  it("'finish' keeps the whole shutdownTimeout for handed-out messages, not that plus the poll", async () => {
    open = openStream({
      waitTime: 20,
      visibilitySecs: 30,
      maxInFlight: 20,
      openPollsOnStop: 'finish',
      shutdownTimeout: 3,
    });
    const { fake, iterator, controller, stream } = open;
    fake.enqueue(sqsMessage('slow'));
    const first = await iterator.next();
    const held = first.value!;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fake.pollsWaiting).toBe(1);

    controller.abort();
    await vi.advanceTimersByTimeAsync(2_900);
    expect(held.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(200);
    expect(fake.pollsWaiting).toBe(0);
    expect(held.signal.reason).toMatchObject({ name: 'LeaseLostError', reason: 'shutdown' });
    await stream.drained();
    // Released past the end of the poll just aborted (sent 1 s before the stop, open 20 s).
    const [release] = fake.entriesOf('ChangeMessageVisibilityBatch').flat();
    expect(release).toMatchObject({ ReceiptHandle: held.receiptHandle });
    expect(release!.VisibilityTimeout).toBeGreaterThanOrEqual(17);
    expect(release!.VisibilityTimeout).toBeLessThanOrEqual(19);
  });
});
