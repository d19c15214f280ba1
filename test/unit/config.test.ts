/**
 * Configuration: explicit option > environment variable > default, and every invalid value
 * fails when the stream is created, with an error naming the option, the environment variable,
 * the value and the allowed range.
 */
import { describe, expect, it } from 'vitest';
import { sqsMessages } from '../../src/core/sqs-messages.js';
import type { SqsMessagesOptions } from '../../src/core/stream-config.js';
import { ConfigError } from '../../src/shared/errors.js';
import { FakeSqs } from '../support/fake-sqs.js';
import { QUEUE_URL } from '../support/unit.js';

type PinnedOption =
  | 'batchSize'
  | 'waitTime'
  | 'visibilitySecs'
  | 'maxExtend'
  | 'maxInFlight'
  | 'idleSleepMax'
  | 'shutdownTimeout';

interface Pinned {
  option: PinnedOption;
  envVar: string;
  /** Allowed range with every other option at its default. */
  min: number;
  max: number;
  integer: boolean;
  fallback: number;
  /** A valid value other than the default, and another one. */
  valid: [number, number];
}

const PINNED: Pinned[] = [
  {
    option: 'batchSize',
    envVar: 'BATCH_SIZE',
    min: 1,
    max: 10,
    integer: true,
    fallback: 10,
    valid: [3, 7],
  },
  {
    option: 'waitTime',
    envVar: 'WAIT_TIME',
    min: 0,
    max: 20,
    integer: true,
    fallback: 20,
    valid: [0, 5],
  },
  {
    option: 'visibilitySecs',
    envVar: 'VISIBILITY_SECS',
    min: 1,
    max: 43_200,
    integer: true,
    fallback: 60,
    valid: [30, 45],
  },
  {
    // At least visibilitySecs (60 by default), at most SQS's 12 hours.
    option: 'maxExtend',
    envVar: 'MAX_EXTEND',
    min: 60,
    max: 43_200,
    integer: true,
    fallback: 900,
    valid: [600, 3_600],
  },
  {
    option: 'maxInFlight',
    envVar: 'MAX_IN_FLIGHT',
    min: 1,
    max: 100_000,
    integer: true,
    fallback: 20,
    valid: [1, 50],
  },
  {
    option: 'idleSleepMax',
    envVar: 'IDLE_SLEEP_MAX',
    min: 0,
    max: 300,
    integer: false,
    fallback: 2,
    valid: [0.5, 0],
  },
  {
    option: 'shutdownTimeout',
    envVar: 'SHUTDOWN_TIMEOUT',
    min: 0,
    max: Number.POSITIVE_INFINITY,
    integer: false,
    fallback: Number.POSITIVE_INFINITY,
    valid: [2.5, 30],
  },
];

const client = new FakeSqs().client;

function create(options: SqsMessagesOptions, queueUrl: string = QUEUE_URL) {
  return sqsMessages(queueUrl, { client, ...options });
}

/** Runs `fn`, expecting a ConfigError; returns it. */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

function expectDescribes(error: ConfigError, spec: Pinned, shownValue: string): void {
  expect(error.message).toContain(spec.option);
  expect(error.message).toContain(spec.envVar);
  expect(error.message).toContain(shownValue);
  expect(error.message).toContain(`from ${spec.min}`);
  expect(error.message).toContain(
    Number.isFinite(spec.max)
      ? `to ${spec.max.toLocaleString('en-US', { useGrouping: false })}`
      : 'or more',
  );
  if (spec.integer) expect(error.message).toContain('integer');
  expect(error).toMatchObject({ option: spec.option, envVar: spec.envVar, code: 'InvalidConfig' });
}

/** Explicit values no option accepts. */
function invalidOptionValues(spec: Pinned): Array<[string, unknown, string]> {
  const cases: Array<[string, unknown, string]> = [
    ['a numeric string', '10', '"10"'],
    ['NaN', Number.NaN, 'NaN'],
    ['negative', -1, '-1'],
    ['below the range', spec.min - 0.5 < 0 ? -0.5 : spec.min - 1, ''],
    ['null', null, 'null'],
    ['a boolean', true, 'true'],
  ];
  if (Number.isFinite(spec.max)) {
    cases.push(['above the range', spec.max + 1, String(spec.max + 1)]);
    cases.push(['Infinity', Number.POSITIVE_INFINITY, 'Infinity']);
  }
  if (spec.integer) cases.push(['not an integer', spec.min + 1.5, String(spec.min + 1.5)]);
  return cases.map(([what, value, shown]) => [what, value, shown || String(value)]);
}

/** Environment values no variable accepts. */
function invalidEnvValues(spec: Pinned): string[] {
  const values = ['abc', '', ' ', '-1', '10abc', 'NaN', '0x5', '1e400'];
  if (Number.isFinite(spec.max)) values.push(String(spec.max + 1), `${spec.max}0`);
  // An integer setting takes a plain decimal integer: no fraction, no exponent.
  if (spec.integer) values.push(String(spec.min + 1.5), '1e1', '1e3');
  return values;
}

describe.each(PINNED)('option $option / $envVar', (spec) => {
  it.each(invalidOptionValues(spec))(
    'rejects an explicit value that is %s',
    (_what, value, shown) => {
      const error = configError(() => create({ env: {}, [spec.option]: value }));
      expectDescribes(error, spec, shown);
      expect(error.value).toBe(value);
    },
  );

  it.each(invalidEnvValues(spec))('rejects %j in the environment', (raw) => {
    const error = configError(() => create({ env: { [spec.envVar]: raw } }));
    expectDescribes(error, spec, JSON.stringify(raw));
    expect(error.message).toMatch(/environment variable/);
    expect(error.value).toBe(raw);
  });

  it('accepts the bounds of its range', () => {
    const bounds = Number.isFinite(spec.max) ? [spec.min, spec.max] : [spec.min, 1e9];
    for (const value of bounds) {
      expect(create({ env: {}, [spec.option]: value }).config[spec.option]).toBe(value);
      expect(create({ env: { [spec.envVar]: String(value) } }).config[spec.option]).toBe(value);
    }
  });

  it('takes the option over the environment, the environment over the default', () => {
    const [fromOption, fromEnv] = spec.valid;
    const env = { [spec.envVar]: ` ${fromEnv} ` };
    expect(create({ env, [spec.option]: fromOption }).config[spec.option]).toBe(fromOption);
    expect(create({ env }).config[spec.option]).toBe(fromEnv);
    expect(create({ env: {} }).config[spec.option]).toBe(spec.fallback);
  });
});

describe('option dependencies', () => {
  it('rejects maxExtend below visibilitySecs', () => {
    const error = configError(() => create({ env: {}, visibilitySecs: 120, maxExtend: 100 }));
    expect(error.option).toBe('maxExtend');
    expect(error.message).toContain('100');
    expect(error.message).toContain('120');
    const fromEnv = configError(() =>
      create({ env: { VISIBILITY_SECS: '120', MAX_EXTEND: '100' } }),
    );
    expect(fromEnv.envVar).toBe('MAX_EXTEND');
  });

  it('accepts maxExtend equal to visibilitySecs', () => {
    expect(create({ env: {}, visibilitySecs: 120, maxExtend: 120 }).config.maxExtend).toBe(120);
  });

  // A default below the visibility used to pass unchecked (maxExtend 900 with a 1200 s
  // visibility), a pair that is refused when given explicitly.
  it('defaults maxExtend to 900 or visibilitySecs, whichever is larger', () => {
    expect(create({ env: {} }).config.maxExtend).toBe(900);
    expect(create({ env: { VISIBILITY_SECS: '600' } }).config.maxExtend).toBe(900);
    expect(create({ env: { VISIBILITY_SECS: '1200' } }).config.maxExtend).toBe(1200);
    expect(create({ env: {}, visibilitySecs: 43_200 }).config.maxExtend).toBe(43_200);
  });

  it('still refuses an explicit or environment maxExtend below a visibility above 900', () => {
    const explicit = configError(() => create({ env: {}, visibilitySecs: 1200, maxExtend: 900 }));
    expect(explicit).toMatchObject({ option: 'maxExtend', value: 900 });
    expect(explicit.message).toContain('at least visibilitySecs (1200)');
    const fromEnv = configError(() =>
      create({ env: { VISIBILITY_SECS: '1200', MAX_EXTEND: '900' } }),
    );
    expect(fromEnv).toMatchObject({ option: 'maxExtend', envVar: 'MAX_EXTEND', value: '900' });
  });

  it('defaults maxInFlight to twice batchSize', () => {
    expect(create({ env: {}, batchSize: 4 }).config.maxInFlight).toBe(8);
    expect(create({ env: { BATCH_SIZE: '3' } }).config.maxInFlight).toBe(6);
  });
});

describe('shutdownTimeout', () => {
  it('accepts Infinity, its own default ("no deadline"), as an explicit value', () => {
    expect(
      create({ env: {}, shutdownTimeout: Number.POSITIVE_INFINITY }).config.shutdownTimeout,
    ).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('queue URL', () => {
  it.each([
    'not a url',
    '',
    'ftp://sqs.us-east-1.amazonaws.com/123456789012/q',
    'https://sqs.us-east-1.amazonaws.com/',
    'https://sqs.us-east-1.amazonaws.com/123456789012/has space',
    'https://sqs.us-east-1.amazonaws.com/123456789012/q?x=1',
    `https://sqs.us-east-1.amazonaws.com/123456789012/${'q'.repeat(81)}`,
  ])('rejects %j', (url) => {
    const error = configError(() => create({ env: {} }, url));
    expect(error.option).toBe('queueUrl');
    expect(error.message).toContain(JSON.stringify(url));
  });

  it('rejects a value that is not a string', () => {
    const error = configError(() => create({ env: {} }, 42 as unknown as string));
    expect(error.option).toBe('queueUrl');
  });

  it.each([
    QUEUE_URL,
    'https://sqs.us-east-1.amazonaws.com/123456789012/orders.fifo',
    'http://sqs.us-east-1.127.0.0.1:4566/000000000000/local-queue',
  ])('accepts %s', (url) => {
    expect(create({ env: {} }, url).queueUrl).toBe(url);
  });
});

describe('LOG_LEVEL', () => {
  it.each(['VERBOSE', 'silent', '5'])('rejects %j, naming the variable', (level) => {
    const error = configError(() => create({ env: { LOG_LEVEL: level } }));
    expect(error.envVar).toBe('LOG_LEVEL');
    expect(error.message).toContain('LOG_LEVEL');
    expect(error.message).toContain(JSON.stringify(level));
    expect(error.message).toContain('DEBUG');
  });

  // pino's names too (issue 16): trace is DEBUG, fatal is ERROR.
  const accepted = ['DEBUG', 'info', 'WARN', 'warning', 'error', 'trace', 'FATAL'];
  it.each(accepted)('accepts %j', (level) => {
    expect(() => create({ env: { LOG_LEVEL: level } })).not.toThrow();
  });
});

it('rejects a client without send()', () => {
  const error = configError(() =>
    sqsMessages(QUEUE_URL, { client: {} as unknown as typeof client, env: {} }),
  );
  expect(error.option).toBe('client');
});
