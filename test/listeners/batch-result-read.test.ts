/**
 * Reading a batch handler's result: what counts as valid, the one WARN line naming what was
 * wrong with an invalid one, and the type that makes a typo a compile error.
 */
import { describe, expect, it, vi } from 'vitest';
import {
  type BatchHandler,
  type BatchHandlerResult,
  BatchResult,
  batchListener,
  type LeasedMessage,
  sqsMessages,
} from '../../src/index.js';
import { readBatchResult } from '../../src/listeners/batch-result.js';
import { silentLogger } from '../../src/shared/logger.js';
import { createInMemorySqs } from '../../src/testing/index.js';

const batch = [
  { messageId: 'id-1', receiptHandle: 'rh-1' },
  { messageId: 'id-2', receiptHandle: 'rh-2' },
] as LeasedMessage[];

const revoked = () => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
};

describe('readBatchResult', () => {
  it.each<[string, unknown, string[]]>([
    ['undefined', undefined, []],
    ['null (like a Lambda null response)', null, []],
    ['true', true, []],
    ['an empty BatchResult', new BatchResult(), []],
    ['BatchResult.failed', BatchResult.failed([batch[1]!]), ['id-2']],
    ['{ failedReceiptHandles }', { failedReceiptHandles: ['rh-1'] }, ['id-1']],
    ['{ batchItemFailures: [] }', { batchItemFailures: [] }, []],
    [
      '{ batchItemFailures: [{ itemIdentifier }] } with extra fields',
      { batchItemFailures: [{ itemIdentifier: 'id-2', reason: 'x' }], note: 1 },
      ['id-2'],
    ],
  ])('%s is valid', (_name, result, failedIds) => {
    const read = readBatchResult(batch, result);
    expect(read.ok).toBe(true);
    if (read.ok) expect([...read.failed].map((m) => m.messageId)).toEqual(failedIds);
  });

  it.each<[string, unknown, RegExp]>([
    ['a number', 42, /the result is number 42/],
    ['a string', 'done', /the result is a string \("done"\)/],
    ['a symbol', Symbol('x'), /the result is a symbol/],
    ['a function', () => undefined, /the result is a function/],
    ['an array', ['id-1'], /without batchItemFailures or failedReceiptHandles/],
    ['an empty object', {}, /without batchItemFailures or failedReceiptHandles \(keys: none\)/],
    ['a typo', { batchItemFailure: [] }, /keys: batchItemFailure\)/],
    [
      'batchItemFailures as an object',
      { batchItemFailures: { itemIdentifier: 'id-1' } },
      /batchItemFailures is an object, not an array/,
    ],
    [
      'batchItemFailures null',
      { batchItemFailures: null },
      /batchItemFailures is null, not an array/,
    ],
    [
      'an empty itemIdentifier',
      { batchItemFailures: [{ itemIdentifier: '' }] },
      /itemIdentifier is a string \(""\)/,
    ],
    [
      'a numeric itemIdentifier',
      { batchItemFailures: [{ itemIdentifier: 1 }] },
      /itemIdentifier is number 1/,
    ],
    [
      'an unknown itemIdentifier',
      { batchItemFailures: [{ itemIdentifier: 'other' }] },
      /"other" is not a message of the batch/,
    ],
    ['a null item', { batchItemFailures: [null] }, /itemIdentifier is missing/],
    [
      'an unknown receipt handle',
      new BatchResult({ failedReceiptHandles: ['rh-9'] }),
      /not one of the batch/,
    ],
    [
      'failedReceiptHandles as a string',
      { failedReceiptHandles: 'rh-1' },
      /failedReceiptHandles is a string/,
    ],
    ['a revoked Proxy', revoked(), /could not be inspected/],
    [
      'a throwing getter',
      Object.defineProperty({}, 'batchItemFailures', {
        enumerable: true,
        get() {
          throw new Error('getter');
        },
      }),
      /could not be inspected/,
    ],
  ])('%s is invalid, and says why', (_name, result, problem) => {
    const read = readBatchResult(batch, result);
    expect(read.ok).toBe(false);
    if (!read.ok) expect(read.problem).toMatch(problem);
  });

  it('a typo such as batchItemFailure is a type error', () => {
    // @ts-expect-error: `batchItemFailure` is not a field of any batch result
    const typo: BatchHandler = () => ({ batchItemFailure: [] });
    // @ts-expect-error: a string is not a batch result
    const text: BatchHandler = async () => 'ok';
    const fine: BatchHandler = async (messages) => ({
      batchItemFailures: messages.map((m) => ({ itemIdentifier: m.messageId })),
    });
    const result: BatchHandlerResult = false;
    expect([typo, text, fine].every((h) => typeof h === 'function') && result === false).toBe(true);
  });
});

it('an invalid result fails the whole batch with one WARN line naming the problem; nothing is deleted', async () => {
  const sqs = createInMemorySqs();
  const queueUrl = sqs.createQueue('results', { visibilityTimeout: 30 });
  sqs.sendMessages(queueUrl, [{ n: 1 }, { n: 2 }, { n: 3 }]);
  const warnings: string[] = [];
  let calls = 0;
  const controller = new AbortController();
  const stream = sqsMessages(queueUrl, {
    client: sqs.client,
    signal: controller.signal,
    visibilitySecs: 30,
    waitTime: 1,
    idleSleepMax: 0,
    logger: silentLogger,
    env: {},
  });
  const done = batchListener(
    () => {
      calls++;
      return { batchItemFailures: { itemIdentifier: 'x' } } as unknown as BatchHandlerResult;
    },
    { logger: { ...silentLogger, warn: (m) => void warnings.push(m) }, env: {} },
  )(stream);
  await vi.waitFor(() => expect(calls).toBe(1));
  controller.abort();
  const result = await done;
  await stream.drained();
  expect(warnings.filter((w) => w.startsWith('invalid batch result'))).toEqual([
    'invalid batch result: batchItemFailures is an object, not an array; failing the whole batch',
  ]);
  expect(result).toMatchObject({ processed: 3, succeeded: 0, failed: 3 });
  expect(sqs.deleted(queueUrl)).toEqual([]);
  // Given back without a delay: they wait out their visibility, then come again.
  expect(sqs.counts(queueUrl)).toMatchObject({ inFlight: 3, deleted: 0 });
});
