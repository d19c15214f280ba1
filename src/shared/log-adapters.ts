/**
 * Loggers users bring. The library calls `logger.info(message, fields)`; pino and bunyan take
 * `(fields, message)` and, called the other way, print the message and drop every field. So a
 * pino/bunyan logger is recognised and adapted (`pinoLogger`), and every logger is bound to the
 * listener and queue it logs for (its own `child()` when it has one, else merged fields).
 */
import { ConfigError } from './errors.js';
import { type LogFields, textFields, toJsonValue } from './log-format.js';
import type { Logger } from './logger.js';

type Method = 'debug' | 'info' | 'warn' | 'error';
const METHODS: readonly Method[] = ['debug', 'info', 'warn', 'error'];

/**
 * A pino or bunyan logger, as it is: methods that take `(fields, message)`, and `child()`. The
 * `logger` option takes one typed as a {@link Logger} (pino's methods also take a message
 * first) and recognises it at run time; a hand-written logger that takes `(fields, message)`
 * is a type error there: wrap it with {@link pinoLogger}.
 */
export interface PinoLike {
  /** pino's `logger.debug(fields, message)`. */
  debug: (fields: object, message?: string) => void;
  /** pino's `logger.info(fields, message)`. */
  info: (fields: object, message?: string) => void;
  /** pino's `logger.warn(fields, message)`. */
  warn: (fields: object, message?: string) => void;
  /** pino's `logger.error(fields, message)`. */
  error: (fields: object, message?: string) => void;
  /** pino: `child(bindings)`; bunyan: `child(fields)`. */
  child(bindings: Record<string, unknown>): PinoLike;
}

/** Whether a logger's DEBUG lines are wanted, for loggers whose level is known here. */
const DEBUG_ON = new WeakMap<object, boolean>();
/** The bindings a logger made here already carries, so that binding twice adds nothing. */
const BOUND = new WeakMap<object, LogFields>();

/** Library-internal: records whether `logger` prints DEBUG lines (used by the default loggers). */
export function markDebugEnabled<L extends Logger>(logger: L, enabled: boolean): L {
  DEBUG_ON.set(logger, enabled);
  return logger;
}

/**
 * Whether DEBUG lines would reach anyone: false for the default logger above DEBUG and for
 * `silentLogger`, pino's `isLevelEnabled('debug')`, true for any other user logger. Lets the
 * stream skip per-message debug work nobody reads.
 */
export function isDebugEnabled(logger: Logger): boolean {
  const known = DEBUG_ON.get(logger);
  if (known !== undefined) return known;
  const check = (logger as { isLevelEnabled?: unknown }).isLevelEnabled;
  if (typeof check === 'function') {
    try {
      return check.call(logger, 'debug') !== false;
    } catch {
      return true;
    }
  }
  return true;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null;
}

/**
 * pino (`levels.values`, `bindings()`, `child()`) or bunyan (`levels()`, `streams`, `child()`).
 * winston and the library's own shape take `(message, fields)` and have neither pair of marks.
 */
export function isPinoLike(value: unknown): value is PinoLike {
  if (!isObject(value) || typeof value.child !== 'function') return false;
  const levels = value.levels;
  const pino = typeof value.bindings === 'function' && isObject(levels) && isObject(levels.values);
  const bunyan = typeof levels === 'function' && Array.isArray(value.streams);
  return pino || bunyan;
}

/** Fields as plain JSON data (errors with stack and cause): pino and bunyan print `{}` for an Error. */
function plainFields(fields: LogFields | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!fields) return out;
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) out[key] = toJsonValue(value);
  }
  return out;
}

/**
 * Adapts a pino or bunyan logger to the library's `(message, fields)` calls: fields become the
 * first argument (errors serialized with their stack and cause chain), the message the second.
 * The `logger` option does this by itself when it recognises pino or bunyan; call it yourself
 * for a logger with the same call order that is not recognised.
 *
 * @example
 * ```ts
 * import pino from 'pino';
 * import { pinoLogger, sqsListener } from 'sqs-fargate-listener';
 *
 * sqsListener({ queueName: 'orders', logger: pinoLogger(pino()) }, async (message) => {
 *   // …
 * });
 * ```
 */
export function pinoLogger(target: PinoLike): Logger {
  const logger = {
    child: (bindings: LogFields): Logger => pinoLogger(target.child(bindings)),
  } as Logger;
  for (const method of METHODS) {
    logger[method] = (message, fields) => target[method](plainFields(fields), message);
  }
  return forwardLevelCheck(logger, target);
}

/**
 * Gives a wrapper its target's `isLevelEnabled` (asked at each call, so a level changed later
 * counts), when the target has one: without it the wrapper would hide that DEBUG is off.
 */
function forwardLevelCheck(logger: Logger, target: object): Logger {
  const check = (target as { isLevelEnabled?: unknown }).isLevelEnabled;
  if (typeof check !== 'function') return logger;
  (logger as { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled = (level) =>
    check.call(target, level) !== false;
  return logger;
}

/** Options of {@link consoleLogger}. */
export interface ConsoleLoggerOptions {
  /** `'text'` (default): `[INFO] message key=value`; `'json'`: the fields as one object. */
  format?: 'text' | 'json' | undefined;
  /** Fields every line carries. */
  bindings?: LogFields | undefined;
}

/**
 * A logger over `console.debug/info/warn/error`, for apps that route console output themselves
 * (a test runner, a console-patching APM agent). Levels are not filtered: the console's own
 * setup decides.
 *
 * @example
 * ```ts
 * import { consoleLogger, sqsListener } from 'sqs-fargate-listener';
 *
 * sqsListener({ queueName: 'orders', logger: consoleLogger({ format: 'json' }) }, async () => {});
 * ```
 */
export function consoleLogger(options: ConsoleLoggerOptions = {}): Logger {
  const bindings = options.bindings ?? {};
  const json = options.format === 'json';
  const logger = {
    child: (more: LogFields): Logger =>
      consoleLogger({ ...options, bindings: { ...bindings, ...more } }),
  } as Logger;
  for (const method of METHODS) {
    logger[method] = (message, fields) => {
      const all = { ...bindings, ...fields };
      if (json) console[method]({ level: method.toUpperCase(), msg: message, ...plainFields(all) });
      else console[method](`[${method.toUpperCase()}] ${message}${textFields(all)}`);
    };
  }
  return logger;
}

/**
 * Adds `bindings` to every line, without `child()`: for loggers that have none. Keeps the
 * target's level check, or the stream would build its per-message DEBUG lines for a logger that
 * drops them.
 */
function mergeBindings(target: Logger, bindings: LogFields): Logger {
  const logger = {
    child: (more: LogFields): Logger => mergeBindings(target, { ...bindings, ...more }),
  } as Logger;
  for (const method of METHODS) {
    logger[method] = (message, fields) => target[method](message, { ...bindings, ...fields });
  }
  return forwardLevelCheck(logger, target);
}

/**
 * `logger` with `bindings` on every line: its own `child()` when it has one (pino, winston,
 * these adapters), else a wrapper that merges them into the fields. Bindings it already carries
 * (from an earlier call) are not added twice.
 */
export function bindLogger(logger: Logger, bindings: LogFields): Logger {
  const carried = BOUND.get(logger) ?? {};
  const missing: LogFields = {};
  let any = false;
  for (const [key, value] of Object.entries(bindings)) {
    if (value === undefined || key in carried) continue;
    missing[key] = value;
    any = true;
  }
  if (!any) return logger;
  let bound: Logger | undefined;
  if (typeof logger.child === 'function') {
    try {
      const child: unknown = logger.child(missing);
      if (isObject(child) && METHODS.every((m) => typeof child[m] === 'function')) {
        bound = child as unknown as Logger;
      }
    } catch {
      // A child() with another meaning: merge the fields instead.
    }
  }
  bound ??= mergeBindings(logger, missing);
  BOUND.set(bound, { ...carried, ...missing });
  const debug = DEBUG_ON.get(logger);
  if (debug !== undefined) DEBUG_ON.set(bound, debug);
  return bound;
}

/** Library-internal: records that `logger` already carries `bindings` (it was built with them). */
export function markBound<L extends Logger>(logger: L, bindings: LogFields): L {
  BOUND.set(logger, { ...(BOUND.get(logger) ?? {}), ...bindings });
  return logger;
}

/**
 * The `logger` option as a {@link Logger}: pino/bunyan adapted, `undefined` left for the caller's
 * default. Anything without the four methods is a ConfigError at start-up.
 */
export function resolveLoggerOption(option: unknown): Logger | undefined {
  if (option === undefined) return undefined;
  if (!isObject(option) || !METHODS.every((m) => typeof option[m] === 'function')) {
    throw new ConfigError({
      option: 'logger',
      value: option,
      allowed:
        'an object with debug/info/warn/error(message, fields) methods, or a pino or bunyan logger',
      from: 'option',
    });
  }
  return isPinoLike(option) ? pinoLogger(option) : (option as unknown as Logger);
}

/** The `logger` option resolved and bound to `bindings`; `undefined` when it was not given. */
export function userLogger(option: unknown, bindings: LogFields): Logger | undefined {
  const logger = resolveLoggerOption(option);
  return logger === undefined ? undefined : bindLogger(logger, bindings);
}
