/**
 * The default logger's formats and levels: errors keep their stack and cause chain (JSON and
 * text), JSON lines carry time/level/msg/bindings/fields, LOG_FORMAT and LOG_LEVEL are
 * validated, and pino's level names are read instead of refused.
 */
import createDebug from 'debug';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, createDebugLogger, serializeError } from '../../src/index.js';
import { errorSummary, MAX_CAUSE_DEPTH } from '../../src/shared/log-errors.js';
import { jsonLine, toJsonValue } from '../../src/shared/log-format.js';
import { resolveLogFormat, resolveLogLevel } from '../../src/shared/logger.js';

function dbDown(): Error {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
    code: 'ECONNREFUSED',
  });
  return new Error('db down', { cause: refused });
}

describe('serializeError', () => {
  it('keeps name, message, stack, code and the cause chain', () => {
    const out = serializeError(dbDown());
    expect(out).toMatchObject({
      name: 'Error',
      message: 'db down',
      stack: expect.stringContaining('Error: db down\n    at '),
      cause: {
        name: 'Error',
        message: 'connect ECONNREFUSED 127.0.0.1:5432',
        code: 'ECONNREFUSED',
        stack: expect.stringContaining('ECONNREFUSED'),
      },
    });
  });

  it('is safe against a cause cycle and bounded in depth', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(JSON.stringify(serializeError(a))).toContain('"cause":"[circular]"');

    let deep: Error = new Error('root');
    for (let i = 0; i < 50; i++) deep = new Error(`level ${i}`, { cause: deep });
    let link: unknown = serializeError(deep);
    let depth = 0;
    while (typeof link === 'object' && link !== null && 'cause' in link) {
      link = (link as { cause: unknown }).cause;
      depth++;
    }
    expect(depth).toBe(MAX_CAUSE_DEPTH + 1);
    expect(link).toBe('[cause chain truncated]');
  });

  it("lists an AggregateError's errors, and describes a non-Error cause", () => {
    const aggregate = new AggregateError([new TypeError('one'), 'two'], 'several', {
      cause: { reason: 'plain object' },
    });
    expect(serializeError(aggregate)).toMatchObject({
      name: 'AggregateError',
      errors: [{ name: 'TypeError', message: 'one' }, 'two'],
      cause: '{"reason":"plain object"}',
    });
  });

  it('never throws: a throwing getter, a revoked Proxy, a string', () => {
    const nasty = new Error('x');
    Object.defineProperty(nasty, 'cause', {
      get() {
        throw new Error('getter');
      },
    });
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(serializeError(nasty)).toMatchObject({ name: 'Error', message: 'x' });
    expect(typeof serializeError(proxy)).toBe('string');
    expect(serializeError('plain')).toBe('plain');
  });
});

describe('JSON lines', () => {
  it('time, level, msg, bindings, then fields; errors with stack and cause', () => {
    const line = jsonLine({
      time: new Date('2026-01-02T03:04:05.006Z'),
      level: 'ERROR',
      msg: 'handler failed',
      bindings: { listener: 'orders', queue: 'orders-q' },
      fields: { messageId: 'm-1', error: dbDown(), skipped: undefined },
    });
    const parsed = JSON.parse(line);
    expect(Object.keys(parsed)).toEqual([
      'time',
      'level',
      'msg',
      'listener',
      'queue',
      'messageId',
      'error',
    ]);
    expect(parsed.time).toBe('2026-01-02T03:04:05.006Z');
    expect(parsed.error.cause.message).toBe('connect ECONNREFUSED 127.0.0.1:5432');
    expect(parsed.error.stack).toMatch(/^Error: db down\n/);
  });

  it('a field named like a reserved key does not overwrite it; BigInt and cycles are safe', () => {
    const cycle: Record<string, unknown> = { a: 1 };
    cycle.self = cycle;
    const parsed = JSON.parse(
      jsonLine({
        time: new Date(0),
        level: 'INFO',
        msg: 'real',
        bindings: undefined,
        fields: { msg: 'fake', level: 'x', big: 10n, cycle, nan: Number.NaN },
      }),
    );
    expect(parsed.msg).toBe('real');
    expect(parsed['field.msg']).toBe('fake');
    expect(parsed.big).toBe('10');
    expect(parsed.cycle).toEqual({ a: 1, self: '[circular]' });
    expect(parsed.nan).toBe('NaN');
    expect(toJsonValue([new Date(0)])).toEqual(['1970-01-01T00:00:00.000Z']);
  });

  it('createDebugLogger({ format: "json" }): one object per line, filtered by level, child bindings', () => {
    const out: string[] = [];
    const logger = createDebugLogger({
      format: 'json',
      level: 'INFO',
      bindings: { listener: 'orders' },
      destination: { write: (s: string) => out.push(s) },
      env: {},
    });
    logger.debug('hidden');
    logger.info('started', { workers: 4 });
    logger.child?.({ queue: 'q' }).error('failed', { error: dbDown() });
    expect(out).toHaveLength(2);
    for (const chunk of out)
      expect(chunk.endsWith('\n') && !chunk.slice(0, -1).includes('\n')).toBe(true);
    const [started, failed] = out.map((l) => JSON.parse(l));
    expect(started).toMatchObject({
      level: 'INFO',
      msg: 'started',
      listener: 'orders',
      workers: 4,
    });
    expect(failed).toMatchObject({ level: 'ERROR', listener: 'orders', queue: 'q' });
    expect(failed.error.cause.code).toBe('ECONNREFUSED');
  });

  it('LOG_FORMAT=json selects it from the environment, any case', () => {
    expect(resolveLogFormat(undefined, { LOG_FORMAT: 'JSON ' })).toBe('json');
    expect(resolveLogFormat(undefined, {})).toBe('text');
    expect(resolveLogFormat('text', { LOG_FORMAT: 'json' })).toBe('text');
  });

  it('a bad LOG_FORMAT or logFormat is a ConfigError naming both and the allowed values', () => {
    expect(() => resolveLogFormat(undefined, { LOG_FORMAT: 'yaml' })).toThrow(ConfigError);
    expect(() => resolveLogFormat(undefined, { LOG_FORMAT: 'yaml' })).toThrow(
      /environment variable LOG_FORMAT \(option logFormat\): got "yaml"; allowed: 'text' or 'json'/,
    );
    expect(() => createDebugLogger({ format: 'xml' as 'json', env: {} })).toThrow(
      /option logFormat \(environment variable LOG_FORMAT\): got "xml"/,
    );
    expect(() => resolveLogFormat(42, {})).toThrow(ConfigError);
  });
});

describe('text lines', () => {
  const lines: string[] = [];
  const originalLog = createDebug.log;
  beforeEach(() => {
    lines.length = 0;
    createDebug.log = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
  });
  afterEach(() => {
    createDebug.log = originalLog;
  });

  it('an error shows its cause on the line, then the stacks of both', () => {
    const logger = createDebugLogger({ level: 'DEBUG', env: { LOG_USE_COLOR: '0' } });
    logger.error('handler failed', { messageId: 'm-1', error: dbDown() });
    expect(lines).toHaveLength(1);
    const [first, ...rest] = (lines[0] ?? '').split('\n');
    expect(first).toContain(
      'handler failed messageId=m-1 error=Error: db down (caused by Error: connect ECONNREFUSED 127.0.0.1:5432)',
    );
    const stacks = rest.join('\n');
    expect(stacks).toMatch(/^ {2}Error: db down\n {6}at /);
    expect(stacks).toMatch(
      /\n {2}Caused by: Error: connect ECONNREFUSED 127\.0\.0\.1:5432\n {6}at /,
    );
  });

  it('a line break in an error message cannot start a line of its own', () => {
    const logger = createDebugLogger({ level: 'DEBUG', env: { LOG_USE_COLOR: '0' } });
    const forged = '\n2026-01-01T00:00:00.000Z sqs-fargate-listener:orders:info all good';
    logger.error('handler failed', { error: new Error(`bad${forged}`), note: Symbol(forged) });
    const [first, ...rest] = (lines[0] ?? '').split('\n');
    expect(first).toContain('error=Error: bad\\n2026-01-01T00:00:00.000Z');
    expect(first).toContain('note=Symbol(\\n2026');
    for (const line of rest) expect(line).toMatch(/^ {2}/);
  });

  it('errorSummary follows nested causes', () => {
    const e = new Error('a', { cause: new Error('b', { cause: 'c' }) });
    expect(errorSummary(e)).toBe('Error: a (caused by Error: b (caused by c))');
  });
});

describe('LOG_LEVEL', () => {
  it.each([
    ['trace', 'DEBUG'],
    ['TRACE', 'DEBUG'],
    ['debug', 'DEBUG'],
    ['Info', 'INFO'],
    ['warning', 'WARN'],
    ['fatal', 'ERROR'],
    [' error ', 'ERROR'],
  ])('%s is read as %s', (raw, level) => {
    expect(resolveLogLevel(undefined, 'INFO', { LOG_LEVEL: raw })).toBe(level);
  });

  it('an unknown level still fails, naming the accepted spellings', () => {
    expect(() => resolveLogLevel(undefined, 'INFO', { LOG_LEVEL: 'verbose' })).toThrow(
      /LOG_LEVEL \(option logLevel\): got "verbose"; allowed: DEBUG, INFO, WARN, ERROR \(any case; also TRACE = DEBUG/,
    );
    expect(() => resolveLogLevel('LOUD' as 'INFO', 'INFO', {})).toThrow(ConfigError);
  });
});
