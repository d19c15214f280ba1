/**
 * The default logger, filtered by LOG_LEVEL: text through `debug` (namespaces under
 * `sqs-fargate-listener:`), or one JSON object per line with LOG_FORMAT=json. A user logger (the
 * library's `(message, fields)` shape, or pino/bunyan as they are: `log-adapters.ts`) may
 * replace it.
 */
import createDebug from 'debug';
import type { Env } from './config.js';
import { ConfigError } from './errors.js';
import { markBound, markDebugEnabled } from './log-adapters.js';
import { jsonLine, type LogFields, textFields, textStacks } from './log-format.js';

export type { LogFields } from './log-format.js';

/**
 * A logger the library calls as `logger.info(message, fields)`. winston and `console` have this
 * shape; pino and bunyan (`(fields, message)`) are accepted as they are by the `logger` option
 * (see `PinoLike`, `pinoLogger`). The methods are typed as properties so that a logger taking
 * `(fields, message)` is a type error rather than a logger that silently drops every field.
 */
export interface Logger {
  /** Receives, extensions, deletes, per-batch outcomes. */
  debug: (message: string, fields?: LogFields) => void;
  /** Lifecycle: started, draining, stopped, the periodic summary. */
  info: (message: string, fields?: LogFields) => void;
  /** Failed messages and retried requests. */
  warn: (message: string, fields?: LogFields) => void;
  /** Handler errors and fatal receive errors. */
  error: (message: string, fields?: LogFields) => void;
  /**
   * Optional: a logger adding `bindings` to every line (pino's and winston's `child`). When
   * present, the library binds `listener` and `queue` with it; otherwise it merges them into
   * every line's fields.
   */
  child?: ((bindings: LogFields) => Logger) | undefined;
}

export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
/** `LOG_LEVEL` values, lowest first. */
export type LogLevel = (typeof LOG_LEVELS)[number];
type Method = 'debug' | 'info' | 'warn' | 'error';

/**
 * Other spellings LOG_LEVEL accepts: Python's WARNING, and pino's and log4j's TRACE and FATAL
 * (a pipeline that sets LOG_LEVEL=trace for pino should not stop this library from starting).
 */
const LEVEL_ALIASES: Readonly<Record<string, LogLevel>> = {
  TRACE: 'DEBUG',
  WARNING: 'WARN',
  FATAL: 'ERROR',
};

/**
 * How the default logger writes lines (`LOG_FORMAT`): `'text'` (the default) or `'json'` (one
 * object per line, on stderr).
 */
export type LogFormat = 'text' | 'json';

export const NAMESPACE = 'sqs-fargate-listener';

export function resolveLogLevel(
  explicit: LogLevel | undefined,
  fallback: LogLevel,
  env: Env = process.env,
): LogLevel {
  if (explicit !== undefined) {
    const level = normaliseLevel(explicit);
    if (level === undefined) {
      throw new ConfigError({
        option: 'logLevel',
        envVar: 'LOG_LEVEL',
        value: explicit,
        allowed: LEVELS_ALLOWED,
        from: 'option',
      });
    }
    return level;
  }
  const raw = env.LOG_LEVEL;
  if (raw === undefined || raw.trim() === '') return fallback;
  const level = normaliseLevel(raw);
  if (level === undefined) {
    throw new ConfigError({
      option: 'logLevel',
      envVar: 'LOG_LEVEL',
      value: raw,
      allowed: LEVELS_ALLOWED,
      from: 'env',
    });
  }
  return level;
}

const LEVELS_ALLOWED = `${LOG_LEVELS.join(', ')} (any case; also TRACE = DEBUG, WARNING = WARN, FATAL = ERROR)`;

function normaliseLevel(value: unknown): LogLevel | undefined {
  if (typeof value !== 'string') return undefined;
  const upper = value.trim().toUpperCase();
  if ((LOG_LEVELS as readonly string[]).includes(upper)) return upper as LogLevel;
  return Object.hasOwn(LEVEL_ALIASES, upper) ? LEVEL_ALIASES[upper] : undefined;
}

/** The default logger's format: the option, else `LOG_FORMAT`, else `text`. */
export function resolveLogFormat(explicit: unknown, env: Env = process.env): LogFormat {
  const from = explicit !== undefined ? 'option' : 'env';
  const raw = explicit !== undefined ? explicit : env.LOG_FORMAT;
  if (raw === undefined || (typeof raw === 'string' && raw.trim() === '' && from === 'env')) {
    return 'text';
  }
  const format = typeof raw === 'string' ? raw.trim().toLowerCase() : undefined;
  if (format === 'text' || format === 'json') return format;
  throw new ConfigError({
    option: 'logFormat',
    envVar: 'LOG_FORMAT',
    value: raw,
    allowed: "'text' or 'json'",
    from,
  });
}

/** Where the default logger's JSON lines go: `process.stderr`, a file stream, a test buffer. */
export interface LogDestination {
  /** Called once per line, with the line and its `\n`. */
  write(line: string): unknown;
}

/** Options of {@link createDebugLogger}. */
export interface DebugLoggerOptions {
  /** Sub-namespace, e.g. a queue name: `sqs-fargate-listener:orders`. */
  component?: string | undefined;
  /** Lowest level written. Default: `LOG_LEVEL` from `env`, else `defaultLevel`. */
  level?: LogLevel | undefined;
  /** Level used when neither `level` nor LOG_LEVEL is set. */
  defaultLevel?: LogLevel | undefined;
  /** `'text'` or `'json'`. Env `LOG_FORMAT`, default `'text'`. */
  format?: LogFormat | undefined;
  /**
   * Fields every JSON line carries, such as `{ listener, queue }`. Text lines show the
   * `component` in their namespace instead.
   */
  bindings?: LogFields | undefined;
  /** Where JSON lines are written. Default `process.stderr`, where text lines go too. */
  destination?: LogDestination | undefined;
  /** Where `LOG_LEVEL`, `LOG_FORMAT` and `LOG_USE_COLOR` are read. Default `process.env`. */
  env?: Env | undefined;
}

/**
 * The default logger. Text: lines at or above the level are printed whatever DEBUG says;
 * DEBUG=... can still turn on the debug lines of one namespace. Colours follow `debug` (TTY
 * only) and LOG_USE_COLOR=0 forces plain text. JSON (`format: 'json'`, LOG_FORMAT=json): one
 * object per line on stderr with `time`, `level`, `msg`, the bindings and the fields, errors
 * as `{ name, message, stack, cause }`: what CloudWatch Logs Insights parses by itself.
 *
 * @example
 * ```ts
 * import { createDebugLogger, runListeners } from 'sqs-fargate-listener';
 *
 * const logger = createDebugLogger({ format: 'json', level: 'INFO', bindings: { app: 'orders' } });
 * logger.info('starting', { version: '1.2.3' });
 * await runListeners({ logger });
 * ```
 */
export function createDebugLogger(options: DebugLoggerOptions = {}): Logger {
  const env = options.env ?? process.env;
  const level = resolveLogLevel(options.level, options.defaultLevel ?? 'WARN', env);
  const threshold = LOG_LEVELS.indexOf(level);
  const format = resolveLogFormat(options.format, env);
  const bindings = options.bindings ?? {};
  if (format === 'json') return createJsonLogger(threshold, bindings, options.destination);
  const base = options.component ? `${NAMESPACE}:${options.component}` : NAMESPACE;
  const plain = env.LOG_USE_COLOR === '0' || env.LOG_USE_COLOR?.toLowerCase() === 'false';
  const methods: Method[] = ['debug', 'info', 'warn', 'error'];
  const logger = {} as Logger;
  let debugOn = false;
  methods.forEach((method, index) => {
    const instance = createDebug(`${base}:${method}`);
    if (index >= threshold) instance.enabled = true;
    // DEBUG=sqs-fargate-listener:* turns the debug lines on below the level, too.
    // (`enabled` reads `undefined` until DEBUG was ever set: hence the `=== true`.)
    if (method === 'debug') debugOn = instance.enabled === true;
    // @types/debug omits useColors, which debug reads per instance.
    if (plain) (instance as unknown as { useColors: boolean }).useColors = false;
    logger[method] = (message, fields) => {
      if (instance.enabled) {
        instance('%s', `${message}${textFields(fields)}${textStacks(fields)}`);
      }
    };
  });
  // Not bound: the namespace already names the listener (and, with no name, the queue).
  return markBound(markDebugEnabled(logger, debugOn), bindings);
}

function createJsonLogger(
  threshold: number,
  bindings: LogFields,
  destination: LogDestination | undefined,
): Logger {
  const logger = {
    child: (more: LogFields) => createJsonLogger(threshold, { ...bindings, ...more }, destination),
  } as Logger;
  LOG_LEVELS.forEach((level, index) => {
    const method = level.toLowerCase() as Method;
    logger[method] =
      index < threshold
        ? () => {}
        : (msg, fields) => {
            const line = jsonLine({ time: new Date(), level, msg, bindings, fields });
            (destination ?? process.stderr).write(`${line}\n`);
          };
  });
  return markBound(markDebugEnabled(logger, threshold === 0), bindings);
}

/** A logger that drops everything; handy in tests. */
export const silentLogger: Logger = markDebugEnabled(
  { debug() {}, info() {}, warn() {}, error() {} },
  false,
);
