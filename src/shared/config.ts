/**
 * Option resolution: explicit option > environment variable > default, validated at start-up so
 * that a typo fails loudly instead of producing a consumer that quietly misbehaves.
 */
import { ConfigError } from './errors.js';
import {
  SQS_MAX_BATCH,
  SQS_MAX_MESSAGE_BYTES,
  SQS_MAX_VISIBILITY_SECONDS,
  SQS_MAX_WAIT_SECONDS,
} from './sqs-limits.js';

export type Env = Readonly<Record<string, string | undefined>>;

export interface NumberSpec {
  /** The option's name in code (camelCase). */
  option: string;
  /** The environment variable that may supply it, e.g. `BATCH_SIZE`. */
  env?: string;
  default: number;
  min: number;
  max: number;
  integer: boolean;
  /** Shown in error messages, e.g. "seconds". */
  unit?: string;
  /**
   * More to say about a refused value than its range (`BATCH_SIZE=50`: batches over 10 need
   * `batchWindowMs`); `value` is NaN when the text was no number.
   */
  hint?: (value: number) => string | undefined;
}

export function describeRange(spec: Pick<NumberSpec, 'min' | 'max' | 'integer' | 'unit'>): string {
  const kind = spec.integer ? 'an integer' : 'a number';
  const unit = spec.unit ? ` (${spec.unit})` : '';
  const max = Number.isFinite(spec.max) ? ` to ${spec.max}` : ' or more';
  return `${kind} from ${spec.min}${max}${unit}`;
}

function inRange(spec: NumberSpec, n: number): boolean {
  // Infinity is a value only where the range is open-ended (shutdownTimeout: "no deadline").
  const finiteOrOpen = Number.isFinite(n) || (n === Number.POSITIVE_INFINITY && spec.max === n);
  return finiteOrOpen && n >= spec.min && n <= spec.max && (!spec.integer || Number.isInteger(n));
}

/**
 * Resolves one numeric setting. An explicit value must already be a number (a string such as
 * "10" is a type error in code); an environment value is parsed strictly (no "10abc", no "").
 */
export function resolveNumber(spec: NumberSpec, explicit: unknown, env: Env = process.env): number {
  const allowed = describeRange(spec);
  if (explicit !== undefined) {
    if (typeof explicit !== 'number' || !inRange(spec, explicit)) {
      throw new ConfigError({
        option: spec.option,
        envVar: spec.env,
        value: explicit,
        allowed,
        from: 'option',
        hint: spec.hint?.(typeof explicit === 'number' ? explicit : Number.NaN),
      });
    }
    return explicit;
  }
  const raw = spec.env === undefined ? undefined : env[spec.env];
  if (raw !== undefined) {
    const trimmed = raw.trim();
    // Number() is too lenient for settings: '' and ' ' are 0, '0x14' is 20, '1e1' is 10. Accept
    // plain decimal literals only (an integer setting: digits only, so '1.0' and '1e1' fail too).
    const literal = spec.integer ? /^[+-]?\d+$/ : /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;
    const number = literal.test(trimmed) ? Number(trimmed) : Number.NaN;
    // '1e400' overflows to Infinity: a typo, not a request for "no limit" (leave it unset).
    const parsed = Number.isFinite(number) ? number : Number.NaN;
    if (!inRange(spec, parsed)) {
      throw new ConfigError({
        option: spec.option,
        envVar: spec.env,
        value: raw,
        allowed,
        from: 'env',
        hint: spec.hint?.(parsed),
      });
    }
    return parsed;
  }
  return spec.default;
}

/** Resolves a string setting (such as the queue URL) with the same precedence. */
export function resolveString(
  spec: {
    option: string;
    env?: string;
    allowed: string;
    validate: (s: string) => boolean;
    /** What the refused text probably was, and what to give instead (see `NumberSpec.hint`). */
    hint?: (value: string) => string | undefined;
  },
  explicit: unknown,
  env: Env = process.env,
): string | undefined {
  if (explicit !== undefined) {
    if (typeof explicit !== 'string' || !spec.validate(explicit)) {
      throw new ConfigError({
        option: spec.option,
        envVar: spec.env,
        value: explicit,
        allowed: spec.allowed,
        from: 'option',
        hint: typeof explicit === 'string' ? spec.hint?.(explicit) : undefined,
      });
    }
    return explicit;
  }
  const raw = spec.env === undefined ? undefined : env[spec.env];
  if (raw === undefined) return undefined;
  if (!spec.validate(raw.trim())) {
    throw new ConfigError({
      option: spec.option,
      envVar: spec.env,
      value: raw,
      allowed: spec.allowed,
      from: 'env',
      hint: spec.hint?.(raw),
    });
  }
  return raw.trim();
}

// Re-exported so that code importing the limits from here keeps working.
export { SQS_MAX_BATCH, SQS_MAX_VISIBILITY_SECONDS, SQS_MAX_WAIT_SECONDS } from './sqs-limits.js';

/**
 * Why a batch size over 10 was refused, and what allows one: users coming from Lambda set
 * BATCH_SIZE=50 and expect it to work as Lambda's BatchSize does (with a batching window).
 */
export function batchOverTenHint(value: number, batchMode = false): string | undefined {
  if (!(value > SQS_MAX_BATCH)) return undefined;
  const need = batchMode ? '' : " batch mode (mode: 'batch' or batchListener) with";
  return `SQS returns at most ${SQS_MAX_BATCH} messages per receive: batches over ${SQS_MAX_BATCH} need${need} batchWindowMs (env BATCH_WINDOW_MS) above 0, so that a batch gathers across receives (up to 10000 messages).`;
}

export const SPECS = {
  batchSize: {
    option: 'batchSize',
    env: 'BATCH_SIZE',
    default: 10,
    min: 1,
    max: SQS_MAX_BATCH,
    integer: true,
    hint: batchOverTenHint,
  },
  waitTime: {
    option: 'waitTime',
    env: 'WAIT_TIME',
    default: 20,
    min: 0,
    max: SQS_MAX_WAIT_SECONDS,
    integer: true,
    unit: 'seconds',
  },
  visibilitySecs: {
    option: 'visibilitySecs',
    env: 'VISIBILITY_SECS',
    default: 60,
    min: 1,
    max: SQS_MAX_VISIBILITY_SECONDS,
    integer: true,
    unit: 'seconds',
  },
  maxExtend: {
    option: 'maxExtend',
    env: 'MAX_EXTEND',
    default: 900,
    min: 1,
    max: SQS_MAX_VISIBILITY_SECONDS,
    integer: true,
    unit: 'seconds since receive',
  },
  idleSleepMax: {
    option: 'idleSleepMax',
    env: 'IDLE_SLEEP_MAX',
    default: 2,
    min: 0,
    max: 300,
    integer: false,
    unit: 'seconds',
  },
  maxInFlight: {
    option: 'maxInFlight',
    env: 'MAX_IN_FLIGHT',
    // The default depends on batchSize (see resolveStreamConfig); this one is never used.
    default: 20,
    min: 1,
    max: 100_000,
    integer: true,
  },
  shutdownTimeout: {
    option: 'shutdownTimeout',
    env: 'SHUTDOWN_TIMEOUT',
    default: Number.POSITIVE_INFINITY,
    min: 0,
    max: Number.POSITIVE_INFINITY,
    integer: false,
    unit: 'seconds',
  },
  // Long enough for a sequential loop with a 20 ms handler to fill a batch of 10 (see
  // src/core/settle-window.ts); a batch is sent sooner when full or when nothing else is held.
  settleWindowMs: {
    option: 'settleWindowMs',
    env: 'SETTLE_WINDOW_MS',
    default: 250,
    min: 0,
    max: 10_000,
    integer: false,
    unit: 'milliseconds',
  },
  concurrentReceives: {
    option: 'concurrentReceives',
    min: 1,
    max: 100,
    default: 1,
    integer: true,
  },
  maxConcurrentReceives: {
    option: 'maxConcurrentReceives',
    env: 'MAX_CONCURRENT_RECEIVES',
    // 20: at a 25 ms round trip, 20 receives of 10 keep pace with what this library drains on
    // loopback (measured: 10 gave 0.6× of it, 20 gave 0.9×); only full answers add receives.
    default: 20,
    min: 1,
    max: 100,
    integer: true,
  },
  maxInFlightBytes: {
    option: 'maxInFlightBytes',
    env: 'MAX_IN_FLIGHT_BYTES',
    // 128 MiB: with Node's ~100 MB baseline and the transient copies of a receive's JSON, a
    // 0.5 GB Fargate task keeps its head room.
    default: 128 * 1_048_576,
    // One receive of ten messages of SQS's largest size (1 MiB): a smaller budget could never
    // fit the receive that a large message needs.
    min: SQS_MAX_BATCH * SQS_MAX_MESSAGE_BYTES,
    max: Number.MAX_SAFE_INTEGER,
    integer: true,
    unit: `bytes, at least ${SQS_MAX_BATCH * SQS_MAX_MESSAGE_BYTES} (one receive of ten 1 MiB messages)`,
  },
} satisfies Record<string, NumberSpec>;

/**
 * A queue URL is scheme, host, and a path ending in the queue name. Checked by pattern, not
 * `new URL()`: local emulators use hosts such as `sqs.us-east-1.127.0.0.1` that WHATWG parsing
 * rejects, while the SDK sends them fine.
 */
export function isValidQueueUrl(s: string): boolean {
  return /^https?:\/\/[^/\s]+\/(?:[^/\s]+\/)*[\w-]{1,80}(?:\.fifo)?$/.test(s);
}

export function isFifoQueueUrl(queueUrl: string): boolean {
  return queueUrl.endsWith('.fifo');
}
