/**
 * The Lambda context's clock: `getRemainingTimeInMillis()` counts down the listener's
 * `handlerTimeout` from the moment the handler call started, and reaches 0 as the timeout fires
 * (fake clock, FakeSqs); without a timeout it counts down 15 minutes. The stand-in names.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NO_TIMEOUT_REMAINING_MS } from '../../src/adapters/lambda-context.js';
import { sqsMessages } from '../../src/core/sqs-messages.js';
import {
  batchListener,
  type LambdaContext,
  type LambdaSqsEvent,
  lambdaHandler,
  silentLogger,
} from '../../src/index.js';
import { FakeSqs, sqsMessage } from '../support/fake-sqs.js';
import { QUEUE_URL, useFakeClock } from '../support/unit.js';

afterEach(() => {
  vi.useRealTimers();
});

interface Call {
  context: LambdaContext;
  event: LambdaSqsEvent;
  /** Ends the handler call. */
  finish: () => void;
}

/** A listener over a FakeSqs whose Lambda handler waits until the test finishes its call. */
function start(listenerOptions: { handlerTimeout?: number }) {
  const calls: Call[] = [];
  const handler = lambdaHandler(
    (event, context) =>
      new Promise<void>((resolve) => {
        calls.push({ context, event, finish: resolve });
      }),
    { functionName: 'orders-worker' },
  );
  const fake = new FakeSqs();
  const controller = new AbortController();
  const stream = sqsMessages(QUEUE_URL, {
    client: fake.client,
    signal: controller.signal,
    idleSleepMax: 0,
    visibilitySecs: 30,
    logger: silentLogger,
    env: {},
  });
  const done = batchListener(handler, {
    ...listenerOptions,
    workerThreads: 1,
    tracing: false,
    logger: silentLogger,
    env: {},
  })(stream);
  const close = async () => {
    controller.abort();
    await vi.advanceTimersByTimeAsync(60_000);
    await stream.drained();
  };
  return { open: { fake, close }, calls, done };
}

async function firstCall(calls: Call[]): Promise<Call> {
  for (let i = 0; i < 100 && calls.length === 0; i++) await vi.advanceTimersByTimeAsync(10);
  const call = calls[0];
  if (call === undefined) throw new Error('the handler was not called');
  return call;
}

describe('context.getRemainingTimeInMillis()', () => {
  it('counts down handlerTimeout from the start of the call and is 0 once it passed', async () => {
    useFakeClock();
    const { open, calls, done } = start({ handlerTimeout: 10 });
    open.fake.enqueue(sqsMessage('a'), sqsMessage('b'));
    const call = await firstCall(calls);
    const { context } = call;
    // The call started within the 10 ms steps firstCall advanced: at most that is used up.
    const atStart = context.getRemainingTimeInMillis();
    expect(atStart).toBeLessThanOrEqual(10_000);
    expect(atStart).toBeGreaterThan(9_900);

    await vi.advanceTimersByTimeAsync(4_000);
    expect(context.getRemainingTimeInMillis()).toBe(atStart - 4_000);
    await vi.advanceTimersByTimeAsync(atStart - 4_000 - 5);
    expect(context.getRemainingTimeInMillis()).toBe(5);
    await vi.advanceTimersByTimeAsync(1_000);
    // Past the timeout: 0, never negative (the listener gave the batch back).
    expect(context.getRemainingTimeInMillis()).toBe(0);
    expect(open.fake.deleted).toEqual([]);

    call.finish();
    await open.close();
    expect(await done).toMatchObject({ processed: 2, succeeded: 0, failed: 2 });
  });

  it('without a handlerTimeout counts down 15 minutes', async () => {
    useFakeClock();
    const { open, calls, done } = start({});
    open.fake.enqueue(sqsMessage('a'));
    const call = await firstCall(calls);
    const atStart = call.context.getRemainingTimeInMillis();
    expect(atStart).toBeLessThanOrEqual(NO_TIMEOUT_REMAINING_MS);
    expect(atStart).toBeGreaterThan(NO_TIMEOUT_REMAINING_MS - 1_000);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(call.context.getRemainingTimeInMillis()).toBe(atStart - 60_000);
    call.finish();
    await vi.advanceTimersByTimeAsync(100);
    expect(open.fake.deleted).toHaveLength(1);
    await open.close();
    expect(await done).toMatchObject({ processed: 1, succeeded: 1 });
  });

  it('names the function and its ARN after the functionName option and the queue', async () => {
    useFakeClock();
    const { open, calls, done } = start({});
    open.fake.enqueue(sqsMessage('a'));
    const { context, event, finish } = await firstCall(calls);
    // QUEUE_URL of the unit streams: https://sqs.us-east-1.amazonaws.com/123456789012/unit-queue
    expect(context).toMatchObject({
      functionName: 'orders-worker',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:orders-worker',
      logGroupName: '/aws/lambda/orders-worker',
      callbackWaitsForEmptyEventLoop: true,
    });
    expect(context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(context.memoryLimitInMB)).toBeGreaterThan(0);
    expect(context.logStreamName).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    expect(event.Records[0]).toMatchObject({
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:unit-queue',
      awsRegion: 'us-east-1',
    });
    finish();
    await open.close();
    await done;
  });
});
