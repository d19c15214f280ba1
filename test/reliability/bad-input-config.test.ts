/**
 * Bad configuration, table-driven: the options and variables that test/unit/config.test.ts and
 * test/runner/config.test.ts do not cover (workerThreads / WORKER_THREADS, batchWindowMs /
 * BATCH_WINDOW_MS, batch mode's batchSize, the runner's shutdownTimeout / SHUTDOWN_TIMEOUT,
 * LOG_LEVEL and logLevel for the runner, mode, handler, QUEUE_URL for the runner). Each case
 * expects the exact error message, thrown before any request is sent.
 */
import { describe, expect, it } from 'vitest';
import {
  batchListener,
  ConfigError,
  type LogLevel,
  type RegisteredListener,
  runListeners,
  type SqsListenerOptions,
  sqsListener,
} from '../../src/index.js';
import { perMessageListener } from '../../src/listeners/per-message.js';
import { FakeSqs } from '../support/fake-sqs.js';

const QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/q';
const QUEUE_URL_ALLOWED =
  'an SQS queue URL of the form https://sqs.<region>.amazonaws.com/<account-id>/<queue-name> (an emulator: http://<host>:<port>/<account-id>/<queue-name>)';

type Case = [label: string, run: () => unknown, message: string];

function message(
  option: string,
  envVar: string | undefined,
  from: 'option' | 'env',
  shown: string,
  allowed: string,
): string {
  const source =
    from === 'env'
      ? `environment variable ${envVar} (option ${option})`
      : `option ${option}${envVar ? ` (environment variable ${envVar})` : ''}`;
  return `Invalid ${source}: got ${shown}; allowed: ${allowed}.`;
}

const WORKERS = 'an integer from 1 to 10000';
const WINDOW = 'a number from 0 to 300000 (milliseconds)';
const SHUTDOWN = 'a number from 0 to 43200 (seconds)';
const LEVELS =
  'DEBUG, INFO, WARN, ERROR (any case; also TRACE = DEBUG, WARNING = WARN, FATAL = ERROR)';

const noop = () => {};
const perMessage = (options: object) => perMessageListener(noop, options);
const batch = (options: object) => batchListener(noop, options);

const syncCases: Case[] = [];
// workerThreads, for both adapters: wrong type, NaN, negative, zero, fraction, too large, Infinity.
for (const [adapter, make] of [
  ['perMessageListener', perMessage],
  ['batchListener', batch],
] as const) {
  for (const [what, value, shown] of [
    ['a numeric string', '4', '"4"'],
    ['NaN', Number.NaN, 'NaN'],
    ['negative', -1, '-1'],
    ['zero', 0, '0'],
    ['a fraction', 1.5, '1.5'],
    ['above the range', 10_001, '10001'],
    ['Infinity', Number.POSITIVE_INFINITY, 'Infinity'],
    ['null', null, 'null'],
  ] as const) {
    syncCases.push([
      `${adapter} workerThreads ${what}`,
      () => make({ workerThreads: value, env: {} }),
      message('workerThreads', 'WORKER_THREADS', 'option', shown, WORKERS),
    ]);
  }
  for (const raw of ['', ' ', 'abc', '-1', 'NaN', '1.5', '10001', '4x', '0x4']) {
    syncCases.push([
      `${adapter} WORKER_THREADS=${JSON.stringify(raw)}`,
      () => make({ env: { WORKER_THREADS: raw } }),
      message('workerThreads', 'WORKER_THREADS', 'env', JSON.stringify(raw), WORKERS),
    ]);
  }
}
// batchWindowMs (batch mode only).
for (const [what, value, shown] of [
  ['a numeric string', '50', '"50"'],
  ['NaN', Number.NaN, 'NaN'],
  ['negative', -1, '-1'],
  ['above the range', 300_001, '300001'],
  ['Infinity', Number.POSITIVE_INFINITY, 'Infinity'],
] as const) {
  syncCases.push([
    `batchWindowMs ${what}`,
    () => batch({ batchWindowMs: value, env: {} }),
    message('batchWindowMs', 'BATCH_WINDOW_MS', 'option', shown, WINDOW),
  ]);
}
for (const raw of ['', 'abc', '-5', 'NaN', '300001', '1e400']) {
  syncCases.push([
    `BATCH_WINDOW_MS=${JSON.stringify(raw)}`,
    () => batch({ env: { BATCH_WINDOW_MS: raw } }),
    message('batchWindowMs', 'BATCH_WINDOW_MS', 'env', JSON.stringify(raw), WINDOW),
  ]);
}
// batchSize in batch mode: up to 10 without a window, up to 10,000 with one.
syncCases.push(
  [
    'batch batchSize 11 without a window',
    () => batch({ batchSize: 11, env: {} }),
    `${message('batchSize', 'BATCH_SIZE', 'option', '11', 'an integer from 1 to 10')} SQS returns at most 10 messages per receive: batches over 10 need batchWindowMs (env BATCH_WINDOW_MS) above 0, so that a batch gathers across receives (up to 10000 messages).`,
  ],
  [
    'batch batchSize 10001 with a window',
    () => batch({ batchSize: 10_001, batchWindowMs: 100, env: {} }),
    message('batchSize', 'BATCH_SIZE', 'option', '10001', 'an integer from 1 to 10000'),
  ],
  [
    'batch BATCH_SIZE=0',
    () => batch({ env: { BATCH_SIZE: '0' } }),
    message('batchSize', 'BATCH_SIZE', 'env', '"0"', 'an integer from 1 to 10'),
  ],
);

// Values String() throws on: the ConfigError must still be built and name them.
const { proxy: revoked, revoke } = Proxy.revocable({}, {});
revoke();
syncCases.push(
  [
    'workerThreads a null-prototype object',
    () => perMessage({ workerThreads: Object.assign(Object.create(null), { n: 4 }), env: {} }),
    message('workerThreads', 'WORKER_THREADS', 'option', '{"n":4}', WORKERS),
  ],
  [
    'workerThreads an object whose toString throws',
    () =>
      perMessage({
        workerThreads: {
          toString() {
            throw new Error('toString bug');
          },
        },
        env: {},
      }),
    message('workerThreads', 'WORKER_THREADS', 'option', '{}', WORKERS),
  ],
  [
    'batchWindowMs a revoked Proxy',
    () => batch({ batchWindowMs: revoked, env: {} }),
    message('batchWindowMs', 'BATCH_WINDOW_MS', 'option', '[object that cannot be shown]', WINDOW),
  ],
);

describe('listener options', () => {
  it.each(syncCases)('%s', (_label, run, expected) => {
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(expected);
    try {
      run();
    } catch (error) {
      expect((error as Error).message).toBe(expected);
    }
  });

  it.each([
    ['perMessageListener', () => perMessageListener('nope' as unknown as () => void)],
    ['batchListener', () => batchListener(undefined as unknown as () => void)],
  ])('%s without a handler function: TypeError', (name, run) => {
    expect(run).toThrow(new TypeError(`${name}(handler): handler must be a function`));
  });
});

/** Runs runListeners with one fake-client listener; returns what it rejected with. */
async function runnerError(
  options: Parameters<typeof runListeners>[0],
  listener: Partial<SqsListenerOptions & { mode?: 'per_message' }> = {},
): Promise<unknown> {
  const fake = new FakeSqs();
  const listeners: RegisteredListener[] = [
    { options: { queueUrl: QUEUE, client: fake.client, ...listener }, handler: noop },
  ];
  const error = await runListeners({ handleSignals: false, listeners, ...options }).then(
    () => undefined,
    (e: unknown) => e,
  );
  // Nothing started: not one request went out.
  expect(fake.sent('ReceiveMessage')).toEqual([]);
  return error;
}

const runnerCases: Array<[string, Parameters<typeof runListeners>[0], string]> = [];
for (const [what, value, shown] of [
  ['a numeric string', '5', '"5"'],
  ['NaN', Number.NaN, 'NaN'],
  ['negative', -1, '-1'],
  ['above 12 h', 43_201, '43201'],
  ['Infinity', Number.POSITIVE_INFINITY, 'Infinity'],
] as const) {
  runnerCases.push([
    `runner shutdownTimeout ${what}`,
    { shutdownTimeout: value as number, env: {} },
    message('shutdownTimeout', 'SHUTDOWN_TIMEOUT', 'option', shown, SHUTDOWN),
  ]);
}
for (const raw of ['', 'abc', '-1', 'NaN', '43201', '25s']) {
  runnerCases.push([
    `runner SHUTDOWN_TIMEOUT=${JSON.stringify(raw)}`,
    { env: { SHUTDOWN_TIMEOUT: raw } },
    message('shutdownTimeout', 'SHUTDOWN_TIMEOUT', 'env', JSON.stringify(raw), SHUTDOWN),
  ]);
}
// pino's names (trace, fatal) are accepted since the logging work of issue 16.
for (const raw of ['VERBOSE', 'ALL', '5', 'INFO!']) {
  runnerCases.push([
    `runner LOG_LEVEL=${JSON.stringify(raw)}`,
    { env: { LOG_LEVEL: raw } },
    message('logLevel', 'LOG_LEVEL', 'env', JSON.stringify(raw), LEVELS),
  ]);
}
runnerCases.push([
  'runner logLevel option "VERBOSE"',
  { logLevel: 'VERBOSE' as LogLevel, env: {} },
  message('logLevel', 'LOG_LEVEL', 'option', '"VERBOSE"', LEVELS),
]);
for (const raw of ['not a url', 'https://sqs.us-east-1.amazonaws.com/', 'ftp://host/q', ' ']) {
  runnerCases.push([
    `runner QUEUE_URL=${JSON.stringify(raw)}`,
    { env: { QUEUE_URL: raw } },
    `${message('queueUrl', 'QUEUE_URL', 'env', JSON.stringify(raw), QUEUE_URL_ALLOWED)} To give the queue by name instead, pass queueName (env QUEUE_NAME): its URL is looked up with GetQueueUrl at start.`,
  ]);
}
for (const raw of ['', '0', 'x']) {
  runnerCases.push([
    `runner WORKER_THREADS=${JSON.stringify(raw)}`,
    { env: { WORKER_THREADS: raw } },
    message('workerThreads', 'WORKER_THREADS', 'env', JSON.stringify(raw), WORKERS),
  ]);
}

describe('runner options', () => {
  it.each(runnerCases)('%s', async (label, options, expected) => {
    const queueFromEnv = label.includes('QUEUE_URL');
    const error = await runnerError(options, queueFromEnv ? { queueUrl: undefined } : {});
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(expected);
  });

  it.each([
    ['"batched"', 'batched'],
    ['""', ''],
    ['5', 5],
  ])('sqsListener mode %s: ConfigError listing the modes', (shown, mode) => {
    const register = () => sqsListener({ queueUrl: QUEUE, mode } as unknown as SqsListenerOptions);
    expect(register).toThrow(ConfigError);
    expect(register).toThrow(
      `Invalid option mode: got ${shown}; allowed: 'per_message' (the default: one message per handler call) or 'batch' (arrays).`,
    );
  });

  it.each([
    ['null', null],
    ['a string', QUEUE],
  ])('sqsListener options %s: TypeError', (_what, options) => {
    expect(() =>
      sqsListener(options as unknown as SqsListenerOptions & { mode?: 'per_message' }, noop),
    ).toThrow(new TypeError('sqsListener(options, handler): options must be an object'));
  });

  it('sqsListener with a handler that is not a function: TypeError', () => {
    expect(() => sqsListener({ queueUrl: QUEUE }, 42 as unknown as () => void)).toThrow(
      new TypeError('sqsListener(options, handler): handler must be a function'),
    );
  });

  it('no listener at all: ConfigError', async () => {
    await expect(runListeners({ handleSignals: false, listeners: [], env: {} })).rejects.toThrow(
      'Invalid option listeners: got 0; allowed: at least one listener registered with sqsListener().',
    );
  });
});
