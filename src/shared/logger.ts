/**
 * Logging through `debug`, under the `sqs-fargate-listener:` namespaces, filtered by LOG_LEVEL.
 * A user logger with pino's `debug/info/warn/error` shape may replace it.
 */
import createDebug from 'debug';
import type { Env } from './config.js';
import { ConfigError, describeError, describeValue, isError } from './errors.js';

/** Structured context attached to a log line. */
export type LogFields = Record<string, unknown>;
/** A pino-compatible logger: the library logs through these four methods only. */
export interface Logger {
  /** Receives, extensions, deletes. */
  debug(message: string, fields?: LogFields): void;
  /** Start-up configuration, batch outcomes, the drain. */
  info(message: string, fields?: LogFields): void;
  /** Failed messages and retried requests. */
  warn(message: string, fields?: LogFields): void;
  /** Handler errors and fatal receive errors. */
  error(message: string, fields?: LogFields): void;
}

export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
/** `LOG_LEVEL` values, lowest first. */
export type LogLevel = (typeof LOG_LEVELS)[number];
type Method = 'debug' | 'info' | 'warn' | 'error';

export const NAMESPACE = 'sqs-fargate-listener';

export function resolveLogLevel(
  explicit: LogLevel | undefined,
  fallback: LogLevel,
  env: Env = process.env,
): LogLevel {
  if (explicit !== undefined) {
    if (!LOG_LEVELS.includes(explicit)) {
      throw new ConfigError({
        option: 'logLevel',
        envVar: 'LOG_LEVEL',
        value: explicit,
        allowed: LOG_LEVELS.join(', '),
        from: 'option',
      });
    }
    return explicit;
  }
  const raw = env.LOG_LEVEL;
  if (raw === undefined || raw === '') return fallback;
  const upper = raw.trim().toUpperCase();
  // Python's logging (and many log pipelines) spell it WARNING; accept that spelling too.
  const level = upper === 'WARNING' ? 'WARN' : upper;
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new ConfigError({
      option: 'logLevel',
      envVar: 'LOG_LEVEL',
      value: raw,
      allowed: LOG_LEVELS.join(', '),
      from: 'env',
    });
  }
  return level as LogLevel;
}

function formatFields(fields: LogFields | undefined): string {
  if (!fields) return '';
  let out = '';
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    out += ` ${key}=${formatValue(value)}`;
  }
  return out;
}

/**
 * One field's value. Fields carry what handlers threw, so this must not throw on any value: a
 * log line that throws would turn a reported failure into a crash.
 */
function formatValue(value: unknown): string {
  if (isError(value)) return describeError(value);
  if (typeof value === 'string') {
    return /\s/.test(value) || value === '' ? JSON.stringify(value) : value;
  }
  if (typeof value === 'object' && value !== null) {
    try {
      const json = JSON.stringify(value);
      if (json !== undefined) return json;
    } catch {
      // Circular, a BigInt inside, a throwing getter, a revoked Proxy: described below.
    }
  }
  return describeValue(value);
}

/** Options of {@link createDebugLogger}. */
export interface DebugLoggerOptions {
  /** Sub-namespace, e.g. a queue name: `sqs-fargate-listener:orders`. */
  component?: string;
  level?: LogLevel;
  /** Level used when neither `level` nor LOG_LEVEL is set. */
  defaultLevel?: LogLevel;
  env?: Env;
}

/**
 * The default logger. Lines at or above the level are printed whatever DEBUG says; DEBUG=...
 * can still turn on the debug lines of one namespace. Colours follow `debug` (TTY only) and
 * LOG_USE_COLOR=0 forces plain text, as CloudWatch wants.
 */
export function createDebugLogger(options: DebugLoggerOptions = {}): Logger {
  const env = options.env ?? process.env;
  const level = resolveLogLevel(options.level, options.defaultLevel ?? 'WARN', env);
  const threshold = LOG_LEVELS.indexOf(level);
  const base = options.component ? `${NAMESPACE}:${options.component}` : NAMESPACE;
  const plain = env.LOG_USE_COLOR === '0' || env.LOG_USE_COLOR?.toLowerCase() === 'false';
  const methods: Method[] = ['debug', 'info', 'warn', 'error'];
  const logger = {} as Logger;
  methods.forEach((method, index) => {
    const instance = createDebug(`${base}:${method}`);
    if (index >= threshold) instance.enabled = true;
    // @types/debug omits useColors, which debug reads per instance.
    if (plain) (instance as unknown as { useColors: boolean }).useColors = false;
    logger[method] = (message, fields) => {
      if (instance.enabled) instance('%s', `${message}${formatFields(fields)}`);
    };
  });
  return logger;
}

/** A logger that drops everything; handy in tests. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
