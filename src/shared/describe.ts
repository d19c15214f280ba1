/**
 * Describing values of unknown origin (whatever a handler or the SDK threw) for messages and
 * logs. Every function here is total: code that reports a failure must not fail itself, so a
 * throwing getter, a revoked Proxy or a circular object never escapes as a second error.
 */

/**
 * Reads one property of a value of unknown origin. A getter that throws, a Proxy trap that
 * throws or a revoked Proxy gives `undefined`: code reporting a failure must not fail itself.
 */
export function readProperty(value: unknown, key: string): unknown {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null)
    return undefined;
  try {
    return (value as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}

/**
 * `value instanceof type`, false where the check itself throws: `instanceof` asks a Proxy for
 * its prototype, which throws when the Proxy is revoked (or its trap throws). Use it on anything
 * a user's code threw.
 */
export function isInstance<T>(
  value: unknown,
  type: abstract new (...args: never[]) => T,
): value is T {
  try {
    return value instanceof type;
  } catch {
    return false;
  }
}

/** `value instanceof Error`, false where the check itself throws (a revoked Proxy). */
export function isError(value: unknown): value is Error {
  return isInstance(value, Error);
}

/** Longest description of a non-string value put into a message or a log line. */
const DESCRIPTION_MAX_CHARS = 300;

/**
 * A printable description of any value, for messages and logs; never throws. `String()` throws
 * for a null-prototype object, a revoked Proxy, and an object whose `toString`/`valueOf`/
 * `Symbol.toPrimitive` throws or returns an object; a template literal throws for a Symbol.
 * Plain objects are shown as JSON rather than `[object Object]`.
 */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return value;
  // Primitives, Symbols included: String() is total on them (a template literal is not).
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) {
    return String(value);
  }
  let shown: string | undefined;
  try {
    shown = String(value);
  } catch {
    // Fall through to JSON.
  }
  if (shown === undefined || /^\[object \w*\]$/.test(shown)) {
    try {
      shown = JSON.stringify(value) ?? shown;
    } catch {
      // Circular, a BigInt inside, a throwing toJSON or getter.
    }
  }
  shown ??= `[${typeof value} that cannot be shown]`;
  return shown.length > DESCRIPTION_MAX_CHARS ? `${shown.slice(0, DESCRIPTION_MAX_CHARS)}…` : shown;
}

/** The `name` and `message` of an Error as strings, whatever its getters do. */
export function errorParts(error: Error): {
  name: string | undefined;
  message: string | undefined;
} {
  const name = readProperty(error, 'name');
  const message = readProperty(error, 'message');
  return {
    name: typeof name === 'string' ? name : undefined,
    message: typeof message === 'string' ? message : undefined,
  };
}

/** `name: message` of an Error, or a description of any other value; never throws. */
export function describeError(value: unknown): string {
  if (!isError(value)) return describeValue(value);
  const { name, message } = errorParts(value);
  return `${name ?? describeValue(readProperty(value, 'name') ?? 'Error')}: ${
    message ?? '(message cannot be read)'
  }`;
}

/**
 * Turns any thrown value into an Error, so that logs and `cause` chains stay readable. Total:
 * whatever was thrown, the result's `name` and `message` are strings that read without throwing.
 */
export function toError(value: unknown): Error {
  if (isError(value)) {
    const { name, message } = errorParts(value);
    if (name !== undefined && message !== undefined) return value;
    return new Error(`Unreadable error thrown: ${describeError(value)}`, { cause: value });
  }
  return new Error(
    typeof value === 'string' ? value : `Non-Error value thrown: ${describeValue(value)}`,
    { cause: value },
  );
}
