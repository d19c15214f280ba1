/**
 * Unknown option names (`batchsize`, `workerthreads`, `queueURL`) fail at start-up with a
 * ConfigError that names the key, its value, the allowed names and the name the user probably
 * meant, at every public entry point and in nested option objects; a bad `mode` likewise. The
 * name lists are the option types' keys, checked by the compiler (type tests at the end).
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { SqsMessagesOptions } from '../../src/core/stream-config.js';
import { SQS_MESSAGES_OPTION_NAMES } from '../../src/core/stream-config.js';
import {
  type BatchListenerOptions,
  batchListener,
  ConfigError,
  type ListenerBaseOptions,
  type RegisteredListener,
  type RunListenersOptions,
  runListeners,
  type SqsListenerOptions,
  sqsListener,
  sqsMessages,
} from '../../src/index.js';
import type {
  BATCH_LISTENER_OPTION_NAMES,
  LISTENER_OPTION_NAMES,
} from '../../src/listeners/option-names.js';
import { perMessageListener } from '../../src/listeners/per-message.js';
import type {
  RUN_LISTENERS_OPTION_NAMES,
  SQS_LISTENER_OPTION_NAMES,
} from '../../src/runner/option-names.js';
import { silentLogger } from '../../src/shared/logger.js';
import { editDistance, type OptionNames, suggestName } from '../../src/shared/option-names.js';
import { FakeSqs } from '../support/fake-sqs.js';
import { QUEUE_URL } from '../support/unit.js';

const noop = () => {};

/** Runs `make`, expecting a ConfigError; returns it. */
function configError(make: () => unknown): ConfigError {
  try {
    make();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('suggestName', () => {
  it.each([
    ['batchsize', 'batchSize'],
    ['workerthreads', 'workerThreads'],
    ['queueURL', 'queueUrl'],
    ['bacthSize', 'batchSize'],
    ['batchSizes', 'batchSize'],
    ['visibilitySec', 'visibilitySecs'],
    // The environment variable's spelling finds the option too.
    ['WAIT_TIME', 'waitTime'],
    ['id', undefined],
    ['somethingElse', undefined],
  ])('%s → %s', (input, expected) => {
    expect(
      suggestName(input, [...Object.keys(SQS_MESSAGES_OPTION_NAMES), 'workerThreads', 'queueUrl']),
    ).toBe(expected);
  });

  it('counts an adjacent swap as one edit, and stops past the cap', () => {
    expect(editDistance('prot', 'port')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('a', 'abcdefgh', 2)).toBe(3);
  });
});

describe('unknown option names', () => {
  it('sqsMessages({ batchsize }): names the key, its value, the allowed names, the fix; sends nothing', () => {
    const fake = new FakeSqs();
    const error = configError(() =>
      sqsMessages(QUEUE_URL, { client: fake.client, env: {}, batchsize: 50 } as SqsMessagesOptions),
    );
    expect(error.message).toBe(
      `Unknown option batchsize: got 50; allowed: the options of sqsMessages(): ${Object.keys(SQS_MESSAGES_OPTION_NAMES).join(', ')}. Did you mean batchSize?`,
    );
    expect(error).toMatchObject({
      option: 'batchsize',
      value: 50,
      hint: 'Did you mean batchSize?',
    });
    expect(error.code).toBe('InvalidConfig');
    expect(fake.sent('ReceiveMessage')).toEqual([]);
  });

  it('a key whose value is undefined is still a typo', () => {
    const error = configError(() =>
      sqsMessages(QUEUE_URL, { env: {}, waittime: undefined } as SqsMessagesOptions),
    );
    expect(error.hint).toBe('Did you mean waitTime?');
  });

  it('an option of another layer says where it belongs', () => {
    const error = configError(() =>
      sqsMessages(QUEUE_URL, { env: {}, workerThreads: 8 } as SqsMessagesOptions),
    );
    expect(error.hint).toBe(
      'workerThreads is an option of the listeners (perMessageListener, batchListener, sqsListener), not of sqsMessages().',
    );
  });

  it('perMessageListener: a near miss, and batchSize (a batchListener option)', () => {
    const typo = configError(() =>
      perMessageListener(noop, { workerthreads: 4, env: {} } as ListenerBaseOptions),
    );
    expect(typo.message).toContain('Unknown option workerthreads: got 4;');
    expect(typo.message).toContain('the options of perMessageListener(): schema, workerThreads,');
    expect(typo.hint).toBe('Did you mean workerThreads?');
    const batchOnly = configError(() =>
      perMessageListener(noop, { batchSize: 5, env: {} } as ListenerBaseOptions),
    );
    expect(batchOnly.hint).toMatch(/^batchSize is an option of batchListener\(\)/);
  });

  it('batchListener: batchWindow → batchWindowMs; its own batchSize is fine', () => {
    const error = configError(() =>
      batchListener(noop, { batchWindow: 100, env: {} } as BatchListenerOptions),
    );
    expect(error.hint).toBe('Did you mean batchWindowMs?');
    expect(() => batchListener(noop, { batchSize: 5, env: {} })).not.toThrow();
  });

  it('sqsListener: queueURL → queueUrl, and shutdownTimeout belongs to runListeners()', () => {
    const url = configError(() =>
      sqsListener({ queueURL: QUEUE_URL } as SqsListenerOptions & { mode?: 'per_message' }, noop),
    );
    expect(url.message).toMatch(/^Unknown option queueURL: got "https:\/\/sqs/);
    expect(url.hint).toBe('Did you mean queueUrl?');
    const deadline = configError(() =>
      sqsListener(
        { queueUrl: QUEUE_URL, shutdownTimeout: 5 } as SqsListenerOptions & {
          mode?: 'per_message';
        },
        noop,
      ),
    );
    expect(deadline.hint).toBe(
      'shutdownTimeout is an option of runListeners() (the drain deadline of the whole run), not of sqsListener().',
    );
  });

  it('runListeners: checked before anything runs; listeners built by hand are checked too', async () => {
    const fake = new FakeSqs();
    const listeners: RegisteredListener[] = [
      { options: { queueUrl: QUEUE_URL, client: fake.client }, handler: noop },
    ];
    await expect(
      runListeners({
        handleSignals: false,
        logger: silentLogger,
        listeners,
        env: {},
        shutdownTimout: 5,
      } as RunListenersOptions),
    ).rejects.toMatchObject({ name: 'ConfigError', hint: 'Did you mean shutdownTimeout?' });
    const handBuilt: RegisteredListener[] = [
      {
        options: {
          queueUrl: QUEUE_URL,
          client: fake.client,
          batchsize: 5,
        } as SqsListenerOptions & { mode?: 'per_message' },
        handler: noop,
      },
    ];
    await expect(
      runListeners({ handleSignals: false, logger: silentLogger, listeners: handBuilt, env: {} }),
    ).rejects.toMatchObject({ name: 'ConfigError', option: 'batchsize' });
    expect(fake.sent('ReceiveMessage')).toEqual([]);
  });

  it.each([
    [
      'retry',
      () => perMessageListener(noop, { env: {}, retry: { baseSecond: 1 } } as ListenerBaseOptions),
      'retry.baseSecond',
      'Did you mean retry.baseSeconds?',
    ],
    [
      'largePayloads',
      () =>
        perMessageListener(noop, {
          env: {},
          largePayloads: { allowedBucket: ['b'] },
        } as unknown as ListenerBaseOptions),
      'largePayloads.allowedBucket',
      'Did you mean largePayloads.allowedBuckets?',
    ],
    [
      'tracing',
      () => batchListener(noop, { env: {}, tracing: { parents: 'link' } } as BatchListenerOptions),
      'tracing.parents',
      'Did you mean tracing.parent?',
    ],
    [
      'sqsListener retry',
      () =>
        sqsListener(
          { queueUrl: QUEUE_URL, retry: { maxSecond: 5 } } as SqsListenerOptions & {
            mode?: 'per_message';
          },
          noop,
        ),
      'retry.maxSecond',
      'Did you mean retry.maxSeconds?',
    ],
  ])('nested %s options', (_what, make, option, hint) => {
    const error = configError(make);
    expect(error).toMatchObject({ option, hint });
  });

  it.each([
    ['health', { health: { prot: 8080 } }, 'health.prot', 'Did you mean health.port?'],
    [
      'taskProtection',
      { taskProtection: { idleMS: 5 } },
      'taskProtection.idleMS',
      'Did you mean taskProtection.idleMs?',
    ],
  ])('nested runListeners %s options', async (_what, extra, option, hint) => {
    const fake = new FakeSqs();
    const listeners: RegisteredListener[] = [
      { options: { queueUrl: QUEUE_URL, client: fake.client }, handler: noop },
    ];
    await expect(
      runListeners({
        handleSignals: false,
        logger: silentLogger,
        listeners,
        env: {},
        ...extra,
      } as RunListenersOptions),
    ).rejects.toMatchObject({ name: 'ConfigError', option, hint });
    expect(fake.sent('ReceiveMessage')).toEqual([]);
  });
});

describe('mode', () => {
  it.each([
    ['perMessage', "Did you mean 'per_message'?"],
    ['per-message', "Did you mean 'per_message'?"],
    ['Batch', "Did you mean 'batch'?"],
    ['stream', undefined],
  ])("sqsListener mode %s: ConfigError listing 'per_message' and 'batch'", (mode, hint) => {
    const error = configError(() =>
      sqsListener({ queueUrl: QUEUE_URL, mode } as unknown as SqsListenerOptions, noop as never),
    );
    expect(error.message).toContain(
      `Invalid option mode: got ${JSON.stringify(mode)}; allowed: 'per_message' (the default: one message per handler call) or 'batch' (arrays).`,
    );
    expect(error.hint).toBe(hint);
  });
});

describe('the name lists are the option types', () => {
  it('have exactly the keys of their interfaces', () => {
    expectTypeOf<keyof typeof SQS_MESSAGES_OPTION_NAMES>().toEqualTypeOf<
      keyof SqsMessagesOptions
    >();
    expectTypeOf<keyof typeof LISTENER_OPTION_NAMES>().toEqualTypeOf<keyof ListenerBaseOptions>();
    expectTypeOf<keyof typeof BATCH_LISTENER_OPTION_NAMES>().toEqualTypeOf<
      keyof BatchListenerOptions
    >();
    expectTypeOf<keyof typeof SQS_LISTENER_OPTION_NAMES>().toEqualTypeOf<
      keyof SqsListenerOptions
    >();
    expectTypeOf<keyof typeof RUN_LISTENERS_OPTION_NAMES>().toEqualTypeOf<
      keyof RunListenersOptions
    >();
  });

  it('a list missing a key of its type does not compile', () => {
    interface Two {
      a?: number;
      b?: string;
    }
    // @ts-expect-error: `b` is missing, as a new option forgotten in the list would be.
    const missing = { a: true } as const satisfies OptionNames<Two>;
    // @ts-expect-error: `c` is no key of Two.
    const extra = { a: true, b: true, c: true } as const satisfies OptionNames<Two>;
    expect([missing, extra]).toHaveLength(2);
  });
});
