/**
 * `largePayloads` is validated at start-up: `allowedBuckets` must be set, and every field gets
 * a ConfigError naming it. A registered listener with a bad option stops `runListeners()`
 * before a single request goes out.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  batchListener,
  ConfigError,
  clearListeners,
  type LargePayloadOptions,
  perMessageListener,
  runListeners,
  silentLogger,
  sqsListener,
} from '../../src/index.js';
import { countingClient, createQueue } from '../support/sqs.js';

afterEach(clearListeners);

function configError(largePayloads: unknown): ConfigError {
  let caught: unknown;
  try {
    perMessageListener(() => {}, {
      largePayloads: largePayloads as LargePayloadOptions,
      logger: silentLogger,
      env: {},
    });
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ConfigError);
  return caught as ConfigError;
}

describe('largePayloads validation', () => {
  it('without allowedBuckets: a ConfigError naming the option and what is allowed', () => {
    const error = configError({});
    expect(error.option).toBe('largePayloads.allowedBuckets');
    expect(error.message).toContain('largePayloads.allowedBuckets');
    expect(error.message).toContain("'*'");
  });

  const cases: Array<[string, unknown, string]> = [
    ['not an object', true, 'largePayloads'],
    ['an array', [], 'largePayloads'],
    ['an empty allowlist', { allowedBuckets: [] }, 'largePayloads.allowedBuckets'],
    ['a bucket name string', { allowedBuckets: 'payloads' }, 'largePayloads.allowedBuckets'],
    ['a bucket ARN', { allowedBuckets: ['arn:aws:s3:::payloads'] }, 'largePayloads.allowedBuckets'],
    ['a number in the allowlist', { allowedBuckets: [1] }, 'largePayloads.allowedBuckets'],
    [
      'a string deletePayloadOnAck',
      { allowedBuckets: '*', deletePayloadOnAck: 'yes' },
      'largePayloads.deletePayloadOnAck',
    ],
    [
      'an unknown onMissingPayload',
      { allowedBuckets: '*', onMissingPayload: 'ignore' },
      'largePayloads.onMissingPayload',
    ],
    ['an s3Client without send', { allowedBuckets: '*', s3Client: {} }, 'largePayloads.s3Client'],
  ];
  it.each(cases)('%s: ConfigError naming %s', (_what, value, option) => {
    expect(configError(value).option).toBe(option);
  });

  it("accepts '*' and an array of names, in both adapters", () => {
    for (const largePayloads of [{ allowedBuckets: '*' as const }, { allowedBuckets: ['a-b.c'] }]) {
      expect(() => perMessageListener(() => {}, { largePayloads, env: {} })).not.toThrow();
      expect(() => batchListener(() => {}, { largePayloads, env: {} })).not.toThrow();
    }
  });

  it('sqsListener + runListeners: refuses to start, sending nothing', async () => {
    const { queueUrl } = await createQueue();
    const { client, counts } = countingClient();
    sqsListener({ queueUrl, client, largePayloads: {} as LargePayloadOptions }, () => {});
    const error = await runListeners({ handleSignals: false, logger: silentLogger, env: {} }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).option).toBe('largePayloads.allowedBuckets');
    expect(counts).toEqual({});
  });
});
