/** SQS's limits, declared once and used by the options, the settler and the in-memory SQS. */
import { describe, expect, it } from 'vitest';
import { ackingWritable } from '../../src/adapters/node-streams.js';
import { SPECS } from '../../src/shared/config.js';
import { ConfigError } from '../../src/shared/errors.js';
import {
  isValidVisibilitySeconds,
  SQS_MAX_BATCH,
  SQS_MAX_VISIBILITY_SECONDS,
  SQS_MAX_WAIT_SECONDS,
} from '../../src/shared/sqs-limits.js';

describe('SQS limits', () => {
  it('bound the stream options', () => {
    expect(SPECS.batchSize.max).toBe(SQS_MAX_BATCH);
    expect(SPECS.waitTime.max).toBe(SQS_MAX_WAIT_SECONDS);
    expect(SPECS.visibilitySecs.max).toBe(SQS_MAX_VISIBILITY_SECONDS);
    expect(SPECS.maxExtend.max).toBe(SQS_MAX_VISIBILITY_SECONDS);
  });

  it.each([0, 1, 900, 43_200])('%s is a valid visibility', (seconds) => {
    expect(isValidVisibilitySeconds(seconds)).toBe(true);
    expect(() => ackingWritable(() => {}, { nackDelaySeconds: seconds })).not.toThrow();
  });

  it.each([-1, 1.5, 43_201, Number.NaN, Number.POSITIVE_INFINITY, '5', null])(
    '%s is not a valid visibility',
    (seconds) => {
      expect(isValidVisibilitySeconds(seconds)).toBe(false);
      expect(() => ackingWritable(() => {}, { nackDelaySeconds: seconds as number })).toThrow(
        ConfigError,
      );
    },
  );
});
