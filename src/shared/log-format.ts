/**
 * The two line formats of the default logger. `json`: one object per line (`time`, `level`,
 * `msg`, the bindings, the fields, errors with stack and cause), which CloudWatch Logs Insights
 * parses with no configuration. `text`: `message key=value …`, errors as a one-line summary with
 * their causes, then their stacks. Fields carry what handlers threw, so nothing here throws.
 */
import { describeValue, isError } from './describe.js';
import { errorStacks, errorSummary, serializeError } from './log-errors.js';

/** Structured context attached to a log line. */
export type LogFields = Record<string, unknown>;

/** How deep nested field objects are copied into a JSON line. */
const MAX_DEPTH = 8;
/** Keys every JSON line owns; a field of that name is written as `field.<name>`. */
const RESERVED = new Set(['time', 'level', 'msg']);

/** A field value as plain JSON data: errors serialized, cycles and BigInts made safe. */
export function toJsonValue(value: unknown): unknown {
  return convert(value, 0, new Set());
}

function convert(value: unknown, depth: number, seen: Set<object>): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value !== 'object') return describeValue(value);
  if (isError(value)) return serializeError(value);
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[too deep]';
  try {
    if (value instanceof Date)
      return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
    seen.add(value);
    if (Array.isArray(value)) return value.map((v) => convert(v, depth + 1, seen));
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = convert(v, depth + 1, seen);
    }
    return out;
  } catch {
    // A revoked Proxy, a throwing getter: described instead.
    return describeValue(value);
  } finally {
    seen.delete(value);
  }
}

/** What one JSON line holds besides the fields. */
export interface JsonLineParts {
  time: Date;
  level: string;
  msg: string;
  bindings: LogFields | undefined;
  fields: LogFields | undefined;
}

/** One JSON log line, without the newline. */
export function jsonLine(parts: JsonLineParts): string {
  const line: Record<string, unknown> = {
    time: parts.time.toISOString(),
    level: parts.level,
    msg: parts.msg,
  };
  for (const source of [parts.bindings, parts.fields]) {
    if (!source) continue;
    for (const [key, value] of Object.entries(source)) {
      if (value === undefined) continue;
      line[RESERVED.has(key) ? `field.${key}` : key] = toJsonValue(value);
    }
  }
  try {
    return JSON.stringify(line);
  } catch {
    // Unreachable with converted values; kept so that a log call can never throw.
    return JSON.stringify({ time: line.time, level: parts.level, msg: parts.msg });
  }
}

/** ` key=value …` of a text line; errors as their one-line summary with causes. */
export function textFields(fields: LogFields | undefined): string {
  if (!fields) return '';
  let out = '';
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    out += ` ${key}=${textValue(value)}`;
  }
  return out;
}

/**
 * The stacks of the error fields, printed after a text line (`''` when there are none). Every
 * line is indented, so that a message with a line break in it (what a sender can put in a body
 * and a handler can echo in an error) cannot pass for a log line of its own.
 */
export function textStacks(fields: LogFields | undefined): string {
  if (!fields) return '';
  let out = '';
  for (const value of Object.values(fields)) {
    if (!isError(value)) continue;
    const stacks = errorStacks(value);
    if (stacks !== '') out += `\n${stacks.replace(/^/gm, '  ')}`;
  }
  return out;
}

/** Line breaks shown as `\n`: one log line stays one line. */
function oneLine(text: string): string {
  return text.replace(/\r?\n|\r/g, '\\n');
}

function textValue(value: unknown): string {
  if (isError(value)) return oneLine(errorSummary(value));
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
  return oneLine(describeValue(value));
}
