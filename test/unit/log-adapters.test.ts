/**
 * Loggers users bring: pino (real pino 10, writing to a captured stream) is recognised and
 * called `(fields, message)`, so its output keeps the fields; every logger gets `listener` and
 * `queue` through its own child() or merged fields; a logger with the wrong call order is a type
 * error.
 */
import { Writable } from 'node:stream';
import createDebug from 'debug';
import pino from 'pino';
import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import {
  ConfigError,
  consoleLogger,
  type Logger,
  type PinoLike,
  perMessageListener,
  pinoLogger,
  sqsMessages,
} from '../../src/index.js';
import {
  bindLogger,
  isDebugEnabled,
  isPinoLike,
  resolveLoggerOption,
  userLogger,
} from '../../src/shared/log-adapters.js';
import { createDebugLogger, silentLogger } from '../../src/shared/logger.js';
import { createInMemorySqs } from '../../src/testing/index.js';

function capturedPino(level = 'info') {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level }, stream), lines };
}

const dbDown = () =>
  new Error('db down', {
    cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
  });

describe('pino', () => {
  it('is recognised; called as the library calls it, its output keeps every field', () => {
    const { logger, lines } = capturedPino();
    const adapted = userLogger(logger, { listener: 'orders', queue: 'orders-q' });
    adapted?.error('handler failed', { messageId: 'm-1', error: dbDown() });
    expect(lines).toHaveLength(1);
    // biome-ignore lint/suspicious/noExplicitAny: a parsed JSON line, read by path
    const line = lines[0] as Record<string, any>;
    expect(line).toMatchObject({
      level: 50,
      msg: 'handler failed',
      messageId: 'm-1',
      listener: 'orders',
      queue: 'orders-q',
    });
    expect(line.error.stack).toMatch(/^Error: db down\n/);
    expect(line.error.cause).toMatchObject({
      message: 'connect ECONNREFUSED',
      code: 'ECONNREFUSED',
    });
  });

  it('without the adapter (what 0.x did) pino drops the fields: the adapter is what fixes it', () => {
    const { logger, lines } = capturedPino();
    (logger as unknown as Logger).error('handler failed', { messageId: 'm-1' });
    expect(lines[0]).not.toHaveProperty('messageId');
  });

  it('binds with pino’s own child(): the bindings appear once, not twice', () => {
    const { logger, lines } = capturedPino();
    const child = vi.spyOn(logger, 'child');
    const once = userLogger(logger, { listener: 'a', queue: 'q' }) as Logger;
    const again = bindLogger(once, { queue: 'q', listener: 'a' });
    expect(again).toBe(once);
    again.info('x');
    expect(child).toHaveBeenCalledTimes(1);
    expect(lines[0]).toMatchObject({ listener: 'a', queue: 'q' });
  });

  it('follows pino’s level: DEBUG work is skipped when pino is at info', () => {
    expect(isDebugEnabled(pinoLogger(capturedPino('info').logger))).toBe(false);
    expect(isDebugEnabled(pinoLogger(capturedPino('debug').logger))).toBe(true);
  });

  it('pinoLogger() adapts an unrecognised (fields, message) logger with child()', () => {
    const calls: unknown[][] = [];
    const custom: PinoLike = {
      debug: (...a) => void calls.push(a),
      info: (...a) => void calls.push(a),
      warn: (...a) => void calls.push(a),
      error: (...a) => void calls.push(a),
      child: () => custom,
    };
    expect(isPinoLike(custom)).toBe(false);
    pinoLogger(custom).warn('slow', { ms: 5 });
    expect(calls).toEqual([[{ ms: 5 }, 'slow']]);
  });
});

describe('other loggers', () => {
  it('a winston-like logger ((message, meta), child, levels without values) is not taken for pino', () => {
    const winstonLike = {
      levels: { error: 0, warn: 1, info: 2 },
      child: vi.fn(),
      debug: vi.fn(),
      info: vi.fn(),
      warn: vi.fn(),
      error: vi.fn(),
    };
    expect(isPinoLike(winstonLike)).toBe(false);
    expect(resolveLoggerOption(winstonLike)).toBe(winstonLike);
  });

  it('a bunyan-like logger (levels(), streams, child) is recognised', () => {
    const bunyanLike = {
      levels: () => [],
      streams: [],
      child: () => bunyanLike,
      debug: vi.fn(),
      info: vi.fn(),
      warn: vi.fn(),
      error: vi.fn(),
    };
    expect(isPinoLike(bunyanLike)).toBe(true);
    resolveLoggerOption(bunyanLike)?.info('hello', { n: 1 });
    expect(bunyanLike.info).toHaveBeenCalledWith({ n: 1 }, 'hello');
  });

  it('a logger without child() gets the bindings merged into every line', () => {
    const info = vi.fn();
    const logger: Logger = { ...silentLogger, info };
    const bound = userLogger(logger, { listener: 'l', queue: 'q' }) as Logger;
    bound.info('started', { workers: 2 });
    expect(info).toHaveBeenCalledWith('started', { listener: 'l', queue: 'q', workers: 2 });
    bound.child?.({ extra: 1 }).info('more');
    expect(info).toHaveBeenLastCalledWith('more', { listener: 'l', queue: 'q', extra: 1 });
  });

  it('a logger without child() keeps its isLevelEnabled: DEBUG work stays off through the merge', () => {
    let level = 'info';
    const logger = {
      ...silentLogger,
      isLevelEnabled: (wanted: string) => wanted !== 'debug' || level === 'debug',
    };
    const bound = userLogger(logger, { listener: 'l', queue: 'q' }) as Logger;
    expect(isDebugEnabled(bound)).toBe(false);
    expect(isDebugEnabled(bound.child?.({ extra: 1 }) as Logger)).toBe(false);
    // Asked at each call: a level changed at run time counts.
    level = 'debug';
    expect(isDebugEnabled(bound)).toBe(true);
  });

  it('a per-message listener sends a child()-less logger at info no per-message DEBUG line, and all at debug', async () => {
    for (const level of ['info', 'debug']) {
      const lines: Array<[string, string]> = [];
      const record = (name: string) => (message: string) => lines.push([name, message]);
      const logger = {
        debug: record('debug'),
        info: record('info'),
        warn: record('warn'),
        error: record('error'),
        isLevelEnabled: (wanted: string) => wanted !== 'debug' || level === 'debug',
      };
      const sqs = createInMemorySqs();
      const queueUrl = sqs.createQueue('logged');
      sqs.sendMessages(queueUrl, ['a', 'b', 'c']);
      const controller = new AbortController();
      let handled = 0;
      const report = await perMessageListener(
        () => {
          if (++handled === 3) controller.abort();
        },
        { logger, env: {} },
      )(
        sqsMessages(queueUrl, {
          client: sqs.client,
          signal: controller.signal,
          logger,
          waitTime: 0,
          env: {},
        }),
      );
      expect(report.succeeded).toBe(3);
      expect(sqs.deleted(queueUrl)).toHaveLength(3);
      const debug = lines.filter(([name]) => name === 'debug').map(([, message]) => message);
      // The listener's "message handled" per message and the stream's lease events ("deleted"
      // per DeleteMessageBatch) are built only for a logger that prints them; a line per receive
      // ("received") may still reach the logger's own level filter.
      const handledLines = debug.filter((m) => m === 'message handled');
      const deletedLines = debug.filter((m) => m === 'deleted');
      expect(handledLines).toHaveLength(level === 'info' ? 0 : 3);
      expect(deletedLines.length > 0).toBe(level === 'debug');
    }
  });

  it('a child() that throws or returns something else falls back to merging', () => {
    const info = vi.fn();
    const odd = {
      ...silentLogger,
      info,
      child: () => {
        throw new Error('not that kind of child');
      },
    };
    bindLogger(odd, { queue: 'q' }).info('x');
    expect(info).toHaveBeenCalledWith('x', { queue: 'q' });
  });

  it('something that is not a logger is a ConfigError at start-up', () => {
    expect(() => resolveLoggerOption({ info() {} })).toThrow(ConfigError);
    expect(() => resolveLoggerOption('pino')).toThrow(
      /option logger: got "pino"; allowed: an object with debug\/info\/warn\/error/,
    );
    expect(() =>
      perMessageListener(() => {}, { logger: console.log as unknown as Logger, env: {} }),
    ).toThrow(ConfigError);
  });

  it('consoleLogger: text or JSON through console, with bindings', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      consoleLogger({ bindings: { queue: 'q' } }).warn('slow', { ms: 5 });
      consoleLogger({ format: 'json' }).child?.({ queue: 'q' }).warn('slow', { error: dbDown() });
      expect(warn.mock.calls[0]).toEqual(['[WARN] slow queue=q ms=5']);
      expect(warn.mock.calls[1]?.[0]).toMatchObject({
        level: 'WARN',
        msg: 'slow',
        queue: 'q',
        error: { message: 'db down', cause: { code: 'ECONNREFUSED' } },
      });
    } finally {
      warn.mockRestore();
    }
  });

  it('isDebugEnabled: known for the default and silent loggers, assumed for others', () => {
    expect(isDebugEnabled(silentLogger)).toBe(false);
    expect(isDebugEnabled(createDebugLogger({ level: 'INFO', env: {} }))).toBe(false);
    expect(isDebugEnabled(createDebugLogger({ level: 'DEBUG', env: {} }))).toBe(true);
    expect(isDebugEnabled({ ...silentLogger })).toBe(true);
  });
});

describe('types', () => {
  it('pino, winston-style and console loggers are Loggers; (fields, message) without child() is not', () => {
    expectTypeOf(pino()).toMatchTypeOf<Logger>();
    expectTypeOf(pino()).toMatchTypeOf<PinoLike>();
    expectTypeOf(console).toMatchTypeOf<Logger>();
    const wrongOrder = {
      debug: (_fields: object, _message?: string) => {},
      info: (_fields: object, _message?: string) => {},
      warn: (_fields: object, _message?: string) => {},
      error: (_fields: object, _message?: string) => {},
    };
    // @ts-expect-error the library calls (message, fields): this logger would drop every field
    const asLogger: Logger = wrongOrder;
    void asLogger;
    // @ts-expect-error the same mistake as the `logger` option of a listener
    perMessageListener(() => {}, { logger: wrongOrder });
    // Inline loggers keep their parameters typed from the option (no implicit any).
    perMessageListener(() => {}, {
      logger: { ...silentLogger, warn: (message, fields) => void [message.length, fields] },
      env: {},
    });
  });
});

describe('DEBUG= namespaces', () => {
  it('turning on the debug namespace counts as DEBUG enabled, whatever LOG_LEVEL says', () => {
    createDebug.enable('sqs-fargate-listener:dbg-ns:debug');
    try {
      const logger = createDebugLogger({ component: 'dbg-ns', level: 'INFO', env: {} });
      expect(isDebugEnabled(logger)).toBe(true);
    } finally {
      createDebug.disable();
    }
    expect(isDebugEnabled(createDebugLogger({ component: 'dbg-ns', level: 'INFO', env: {} }))).toBe(
      false,
    );
  });
});
