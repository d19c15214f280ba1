/**
 * Reporting a failure must never fail itself: `toError()`, the error predicates and the
 * default logger take any thrown value — including the ones `String()`, `instanceof` and
 * template literals throw on — and produce something readable.
 */
import createDebug from 'debug';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  awsErrorCode,
  ConfigError,
  isAbortError,
  isFatalAwsError,
  toError,
} from '../../src/shared/errors.js';
import { createDebugLogger } from '../../src/shared/logger.js';
import { errorWithSymbolName, ODD_VALUES, revokedProxy } from '../support/odd-values.js';

describe('toError', () => {
  it.each(ODD_VALUES)('turns %s into a readable Error without throwing', (_label, make) => {
    const value = make();
    const error = toError(value);
    expect(Object.prototype.toString.call(error)).toBe('[object Error]');
    // Everything a reporter reads must be a plain string that reads without throwing.
    expect(typeof error.message).toBe('string');
    expect(typeof error.name).toBe('string');
    expect(error.message.length).toBeGreaterThan(0);
    expect(() => `${error.name}: ${error.message}`).not.toThrow();
    expect(() => String(error)).not.toThrow();
  });

  it('keeps the thrown value as the cause of the Error it builds', () => {
    const value = Object.create(null);
    expect(toError(value).cause).toBe(value);
    const proxy = revokedProxy();
    expect(toError(proxy).cause).toBe(proxy);
  });

  it('returns a readable Error itself, and a string as the message', () => {
    const error = new TypeError('plain');
    expect(toError(error)).toBe(error);
    expect(toError('just text').message).toBe('just text');
  });

  it('shows what it can of the value', () => {
    expect(toError(Object.assign(Object.create(null), { code: 42 })).message).toContain(
      '{"code":42}',
    );
    expect(toError({ code: 'E1' }).message).toContain('{"code":"E1"}');
    expect(toError(Symbol('thrown')).message).toContain('Symbol(thrown)');
    expect(toError(undefined).message).toContain('undefined');
    expect(toError(10n).message).toContain('10');
    expect(toError(errorWithSymbolName()).message).toContain('named by a symbol');
  });

  it('caps a huge description', () => {
    const huge = { data: 'x'.repeat(100_000) };
    expect(toError(huge).message.length).toBeLessThan(1_000);
  });
});

describe('error predicates', () => {
  it.each(ODD_VALUES)('awsErrorCode, isFatalAwsError and isAbortError take %s', (_l, make) => {
    const value = make();
    expect(typeof awsErrorCode(value)).toBe('string');
    expect(typeof isFatalAwsError(value)).toBe('boolean');
    expect(isAbortError(value)).toBe(false);
  });
});

describe('ConfigError', () => {
  it.each(ODD_VALUES)('names an option whose value is %s', (_label, make) => {
    const value = make();
    const error = new ConfigError({
      option: 'batchSize',
      value,
      allowed: 'a number',
      from: 'option',
    });
    expect(error.message).toMatch(/^Invalid option batchSize: got .+; allowed: a number\.$/s);
    expect(error.value).toBe(value);
  });
});

describe('default logger', () => {
  const lines: string[] = [];
  const originalLog = createDebug.log;

  beforeEach(() => {
    lines.length = 0;
    createDebug.log = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
  });

  afterEach(() => {
    createDebug.log = originalLog;
  });

  it.each(ODD_VALUES)('formats %s as a field, raw or through toError', (_label, make) => {
    const logger = createDebugLogger({ level: 'DEBUG', env: { LOG_USE_COLOR: '0' } });
    const value = make();
    expect(() => logger.error('handler failed', { messageId: 'm-1', raw: value })).not.toThrow();
    expect(() => logger.warn('hook threw', { error: toError(value) })).not.toThrow();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('handler failed');
    expect(lines[0]).toContain('messageId=m-1');
    expect(lines[1]).toContain('hook threw error=');
  });

  it('shows an Error field as name and message, and a plain object as JSON', () => {
    const logger = createDebugLogger({ level: 'DEBUG', env: { LOG_USE_COLOR: '0' } });
    logger.info('x', { error: new TypeError('bad thing'), detail: { a: 1 }, count: 3 });
    expect(lines[0]).toContain('error=TypeError: bad thing');
    expect(lines[0]).toContain('detail={"a":1}');
    expect(lines[0]).toContain('count=3');
  });
});
