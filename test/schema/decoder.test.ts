/**
 * The schema decoder on its own (no SQS): the option is checked at start-up, it costs nothing
 * when off, a synchronous validator costs no promise, and whatever a validator or a body holds
 * (thousands of issues, odd paths, huge values, a validator returning junk) gives a bounded,
 * one-line error.
 */

import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { decodedData } from '../../src/core/leased-message.js';
import {
  batchListener,
  ConfigError,
  type LeasedMessage,
  MessageValidationError,
  NonRetryableError,
  perMessageListener,
  runListeners,
  silentLogger,
  sqsListener,
} from '../../src/index.js';
import { buildDecoders } from '../../src/listeners/decoders/index.js';
import { schemaDecoder } from '../../src/listeners/decoders/schema.js';
import { resolveListenerPolicy } from '../../src/listeners/listener-config.js';
import { bodyPreview, formatPath, readIssues } from '../../src/listeners/schema/issues.js';
import { FakeSqs } from '../support/fake-sqs.js';

/** A stand-in message: what the decoder reads (id, body, json) and writes (data). */
function fakeMessage(body: string, messageId = 'm-1'): LeasedMessage {
  let data: unknown;
  return {
    messageId,
    body,
    get json() {
      try {
        return JSON.parse(body);
      } catch (cause) {
        throw Object.assign(new Error(`Message ${messageId} does not have a JSON body`), { cause });
      }
    },
    get data() {
      return data;
    },
    set [decodedData](value: unknown) {
      data = value;
    },
  } as unknown as LeasedMessage;
}

/** A Standard Schema whose validate is `validate`. */
function standard(validate: (value: unknown) => unknown, vendor = 'test') {
  return { '~standard': { version: 1 as const, vendor, validate } } as never;
}

async function rejection(schema: unknown, body: string): Promise<unknown> {
  const decode = schemaDecoder({ schema: schema as never }, silentLogger)!;
  try {
    await decode(fakeMessage(body));
  } catch (error) {
    return error;
  }
  return undefined;
}

const SCHEMA_ALLOWED =
  'a Standard Schema v1 validator (an object with ~standard.version 1 and ~standard.validate): a zod (>= 3.24), valibot (>= 1) or arktype schema';

describe('the schema option at start-up', () => {
  it('no schema: no decoder at all (nothing runs per message)', () => {
    expect(schemaDecoder({}, silentLogger)).toBeUndefined();
    expect(schemaDecoder({ schema: undefined }, silentLogger)).toBeUndefined();
    expect(buildDecoders({}, silentLogger)).toEqual([]);
    expect(resolveListenerPolicy({ env: {} }).decoders).toEqual([]);
    expect(resolveListenerPolicy({ env: {}, schema: z.string() }).decoders).toHaveLength(1);
  });

  it.each([
    ['null', null, 'null'],
    ['a number', 5, '5'],
    ['a string', 'Order', '"Order"'],
    ['an object without ~standard', { parse() {} }, '"an object without a ~standard property"'],
    [
      '~standard without validate',
      { '~standard': { version: 1 } },
      '"a ~standard property without a validate function"',
    ],
    [
      'another spec version',
      { '~standard': { version: 2, validate() {} } },
      '"a Standard Schema of version 2"',
    ],
    [
      'a throwing ~standard getter',
      Object.defineProperty({}, '~standard', {
        get() {
          throw new Error('x');
        },
      }),
      '"an object without a ~standard property"',
    ],
  ])('%s: ConfigError naming the option, from both adapters', (_what, schema, shown) => {
    const expected = `Invalid option schema: got ${shown}; allowed: ${SCHEMA_ALLOWED}.`;
    const options = { schema: schema as never, env: {} };
    expect(() => perMessageListener(() => {}, options)).toThrow(ConfigError);
    expect(() => perMessageListener(() => {}, options)).toThrow(expected);
    expect(() => batchListener(() => {}, options)).toThrow(expected);
  });

  it('runListeners rejects a registration with a bad schema before any request', async () => {
    const fake = new FakeSqs();
    const registration = sqsListener(
      {
        queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/q',
        client: fake.client,
        schema: { parse: () => 1 } as never,
      },
      () => {},
    );
    const error = await runListeners({
      listeners: [registration],
      handleSignals: false,
      logger: silentLogger,
      env: {},
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).option).toBe('schema');
    expect(fake.sent('ReceiveMessage')).toEqual([]);
  });

  it('a callable schema (arktype shape: a function carrying ~standard) is accepted', async () => {
    const callable = Object.assign((value: unknown) => value, {
      '~standard': {
        version: 1 as const,
        vendor: 'arktype',
        validate: (value: unknown) => ({ value }),
      },
    });
    const decode = schemaDecoder({ schema: callable }, silentLogger)!;
    const message = fakeMessage('{"a":1}');
    expect(decode(message)).toBeUndefined();
    expect(message.data).toEqual({ a: 1 });
  });
});

describe('validating a body', () => {
  it('a synchronous validator returns no promise; data is the output, json the body', () => {
    const decode = schemaDecoder(
      { schema: z.object({ n: z.string().transform(Number) }) },
      silentLogger,
    )!;
    const message = fakeMessage('{"n":"42"}');
    expect(decode(message)).toBeUndefined();
    expect(message.data).toEqual({ n: 42 });
    expect(message.json).toEqual({ n: '42' });
  });

  it('validate() is called as a method of ~standard with the parsed body, once', async () => {
    const seen: unknown[] = [];
    const props = {
      version: 1 as const,
      vendor: 'test',
      validate(this: unknown, value: unknown) {
        seen.push(this === props, value);
        return { value };
      },
    };
    const decode = schemaDecoder({ schema: { '~standard': props } }, silentLogger)!;
    await decode(fakeMessage('[1,2]'));
    expect(seen).toEqual([true, [1, 2]]);
  });

  it('a validator returning junk (null, a number) is a validator bug: thrown, retryable', async () => {
    for (const junk of [null, 7, undefined]) {
      const error = await rejection(
        standard(() => junk),
        '{}',
      );
      expect(error).toBeInstanceOf(TypeError);
      expect(error).not.toBeInstanceOf(NonRetryableError);
      expect((error as Error).message).toMatch(/returned .+, not a result object/);
    }
  });

  it('a validator that throws or rejects: what it threw is passed on unchanged and logged', async () => {
    const thrown = new NonRetryableError('customer deleted');
    const errors: Array<[string, Record<string, unknown> | undefined]> = [];
    const logger = {
      ...silentLogger,
      error: (m: string, f?: Record<string, unknown>) => void errors.push([m, f]),
    };
    for (const schema of [
      standard(() => {
        throw thrown;
      }),
      standard(async () => {
        throw thrown;
      }),
    ]) {
      const decode = schemaDecoder({ schema }, logger)!;
      await expect(Promise.resolve().then(() => decode(fakeMessage('{}', 'm-7')))).rejects.toBe(
        thrown,
      );
    }
    expect(errors).toHaveLength(2);
    for (const [line, fields] of errors) {
      expect(line).toMatch(/^schema validation threw/);
      expect(fields).toMatchObject({ messageId: 'm-7', vendor: 'test', error: thrown });
    }
  });

  it('a truthy issues that is not a list still fails the body, with a placeholder issue', async () => {
    const error = (await rejection(
      standard(() => ({ issues: true })),
      '{}',
    )) as MessageValidationError;
    expect(error).toBeInstanceOf(MessageValidationError);
    expect(error.issues).toEqual([
      { path: '$', message: 'the validator reported issues it did not list' },
    ]);
    const empty = (await rejection(
      standard(() => ({ issues: [] })),
      '{}',
    )) as MessageValidationError;
    // An empty list is falsy only in spirit: the spec says truthy issues fail, [] is truthy.
    expect(empty.issues).toEqual([{ path: '$', message: 'invalid (no issue given)' }]);
  });

  it('thousands of issues: 100 kept, 10 in the message, the count said', async () => {
    const schema = z.array(z.string());
    const body = JSON.stringify(Array.from({ length: 5000 }, (_, i) => i));
    const error = (await rejection(schema, body)) as MessageValidationError;
    expect(error.issues).toHaveLength(100);
    expect(error.issues[99]?.path).toBe('$[99]');
    expect(error.message).toContain('(zod, 5000 issues)');
    expect(error.message).toContain('$[9]: ');
    expect(error.message).not.toContain('$[10]: ');
    expect(error.message).toContain('and 4990 more');
    expect(error.message.length).toBeLessThan(3000);
  });

  it('not JSON: InvalidJson, one issue at $, the parser says where', async () => {
    const error = (await rejection(z.unknown(), '{"a":')) as MessageValidationError;
    expect(error.code).toBe('InvalidJson');
    expect(error.retryable).toBe(false);
    expect(error.issues).toEqual([
      { path: '$', message: expect.stringMatching(/^not JSON: .*JSON/) },
    ]);
    expect(error.message).toBe(
      `Message m-1 failed validation: its body is not JSON (${error.issues[0]!.message.slice(10)}); body: {"a":`,
    );
  });

  it('a multi-line body and issue stay on one line in the message', async () => {
    const schema = standard(() => ({ issues: [{ message: 'bad\nvalue\r\x1b[31m', path: ['a'] }] }));
    const error = (await rejection(schema, '{\n"a": 1\n}')) as MessageValidationError;
    expect([...error.message].filter((c) => c.charCodeAt(0) < 32)).toEqual([]);
    expect(error.bodyPreview).toBe('{\n"a": 1\n}');
  });
});

describe('issue formatting', () => {
  it('paths: keys, indexes, { key } segments, odd keys, symbols; $ for the root', () => {
    expect(formatPath(undefined)).toBe('$');
    expect(formatPath([])).toBe('$');
    expect(formatPath(['items', 0, 'qty'])).toBe('$.items[0].qty');
    expect(formatPath([{ key: 'items' }, { key: 2 }])).toBe('$.items[2]');
    expect(formatPath(['a b', '0', 'ok_$1'])).toBe('$["a b"]["0"].ok_$1');
    expect(formatPath([Symbol('s')])).toBe('$[Symbol(s)]');
    expect(formatPath(['x'.repeat(500)]).length).toBeLessThanOrEqual(201);
    expect(formatPath(Array.from({ length: 10_000 }, () => 'k')).length).toBeLessThanOrEqual(201);
  });

  it('issue messages that are not strings, or hostile objects, are described, never thrown', () => {
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('trap');
        },
      },
    );
    const { kept, total } = readIssues([
      { message: 42 },
      hostile,
      { message: 'ok', path: hostile },
    ]);
    expect(total).toBe(3);
    expect(kept).toEqual([
      { path: '$', message: '42' },
      { path: '$', message: 'undefined' },
      { path: '$', message: 'ok' },
    ]);
  });

  it('the body preview is at most 200 characters and never splits a surrogate pair', () => {
    expect(bodyPreview('a'.repeat(500))).toHaveLength(200);
    const emoji = `${'a'.repeat(199)}😀tail`;
    expect(bodyPreview(emoji)).toBe('a'.repeat(199));
    expect(bodyPreview('short')).toBe('short');
  });
});
