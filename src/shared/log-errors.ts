/**
 * Errors as log data: the stack and the whole cause chain, for JSON lines (`serializeError`) and
 * for text lines (`errorSummary`, `errorStacks`). What a handler threw can be anything (a
 * revoked Proxy, a cause that points back at itself, a getter that throws), so every function
 * here is total, bounded in depth and safe against cycles: a log line must never throw.
 */
import { describeValue, errorParts, isError, readProperty } from './describe.js';

/** How many causes (and nested `errors` of an AggregateError) are followed. */
export const MAX_CAUSE_DEPTH = 5;
/** How many of an AggregateError's `errors` are kept. */
const MAX_AGGREGATED = 10;

/** An error as a JSON log line carries it. */
export interface SerializedError {
  /** `TypeError`, `ConfigError`, … */
  name: string;
  message: string;
  /** The error's `stack`, when it has one. */
  stack?: string;
  /** A string `code` (`ECONNREFUSED`, an AWS error code, this library's codes). */
  code?: string;
  /** What the error was caused by, to 5 levels. */
  cause?: SerializedError | string;
  /** An AggregateError's errors (at most 10). */
  errors?: (SerializedError | string)[];
}

function readString(value: unknown, key: string): string | undefined {
  const read = readProperty(value, key);
  return typeof read === 'string' ? read : undefined;
}

/**
 * Any thrown value as `{ name, message, stack, code, cause, errors }`: what JSON log lines and
 * the pino adapter write for an error field. A non-Error is described as a string; a cause seen
 * before (a cycle) becomes `"[circular]"`; past the depth bound, `"[cause chain truncated]"`.
 * Never throws.
 *
 * @example
 * ```ts
 * import { serializeError } from 'sqs-fargate-listener';
 *
 * const error = new Error('db down', { cause: new Error('connect ECONNREFUSED 127.0.0.1:5432') });
 * console.log(JSON.stringify(serializeError(error)));
 * // {"name":"Error","message":"db down","stack":"Error: db down\n    at …","cause":{"name":"Error",…}}
 * ```
 */
export function serializeError(value: unknown): SerializedError | string {
  return serialize(value, 0, new Set());
}

function serialize(value: unknown, depth: number, seen: Set<unknown>): SerializedError | string {
  if (!isError(value)) return describeValue(value);
  if (seen.has(value)) return '[circular]';
  if (depth > MAX_CAUSE_DEPTH) return '[cause chain truncated]';
  seen.add(value);
  const { name, message } = errorParts(value);
  const out: SerializedError = {
    name: name ?? 'Error',
    message: message ?? '(message cannot be read)',
  };
  const stack = readString(value, 'stack');
  if (stack !== undefined) out.stack = stack;
  const code = readString(value, 'code');
  if (code !== undefined) out.code = code;
  const cause = readProperty(value, 'cause');
  if (cause !== undefined) out.cause = serialize(cause, depth + 1, seen);
  const errors = readProperty(value, 'errors');
  if (Array.isArray(errors)) {
    out.errors = errors.slice(0, MAX_AGGREGATED).map((e) => serialize(e, depth + 1, seen));
  }
  return out;
}

/** `name: message` of one link of the chain. */
function headline(error: SerializedError | string): string {
  return typeof error === 'string' ? error : `${error.name}: ${error.message}`;
}

/**
 * One line for a text log: `Error: db down (caused by Error: connect ECONNREFUSED …)`, so the
 * cause reads on the line itself even where the stacks below it are cut off.
 */
export function errorSummary(value: unknown): string {
  let error = serializeError(value);
  let line = headline(error);
  let open = 0;
  while (typeof error !== 'string' && error.cause !== undefined) {
    error = error.cause;
    line += ` (caused by ${headline(error)}`;
    open++;
  }
  return line + ')'.repeat(open);
}

/**
 * The stacks of the error and of each cause, Java style (`Caused by: …`), for the lines a text
 * log prints after the message; `''` when nothing has a stack.
 */
export function errorStacks(value: unknown): string {
  const parts: string[] = [];
  let error: SerializedError | string | undefined = serializeError(value);
  let first = true;
  while (error !== undefined && typeof error !== 'string') {
    const text = error.stack ?? headline(error);
    parts.push(first ? text : `Caused by: ${text}`);
    for (const inner of error.errors ?? []) {
      parts.push(
        `  Aggregated: ${typeof inner === 'string' ? inner : (inner.stack ?? headline(inner))}`,
      );
    }
    first = false;
    error = error.cause;
  }
  if (typeof error === 'string') parts.push(`Caused by: ${error}`);
  const withStack = parts.some((p) => p.includes('\n'));
  return withStack ? parts.join('\n') : '';
}
