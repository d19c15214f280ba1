/**
 * The `taskProtection` option of `runListeners()`: its type, its environment variables and its
 * validation (a bad value is a `ConfigError` at start-up, as for every other setting).
 */
import { type Env, resolveNumber } from '../shared/config.js';
import { ConfigError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';

/**
 * Settings of ECS task scale-in protection (`runListeners({ taskProtection })`).
 *
 * @example
 * ```ts
 * import { runListeners } from 'sqs-fargate-listener';
 *
 * // Protected while messages are in flight; unprotected after 60 s idle or on SIGTERM.
 * await runListeners({ taskProtection: { expiresInMinutes: 30, idleMs: 60_000 } });
 * ```
 */
export interface TaskProtectionOptions {
  /**
   * `ExpiresInMinutes` of each protect call: how long ECS keeps the protection if this process
   * cannot remove it. Renewed at 80 % of it while messages stay in flight. Env
   * `TASK_PROTECTION_EXPIRES_MINUTES`, an integer from 1 to 2880, default 60.
   */
  expiresInMinutes?: number | undefined;
  /**
   * How long every listener must have had nothing in flight before protection is removed, so
   * that a short gap between messages does not cost two agent calls. Env
   * `TASK_PROTECTION_IDLE_MS`, 0 to 3,600,000 ms, default 30,000.
   */
  idleMs?: number | undefined;
  /** Timeout of one call to the agent, in ms: 100 to 60,000, default 5,000. */
  requestTimeoutMs?: number | undefined;
}

/** Resolved settings; `agentUri` is the endpoint's base (`ECS_AGENT_URI`). */
export interface TaskProtectionSettings {
  agentUri: string;
  expiresInMinutes: number;
  idleMs: number;
  requestTimeoutMs: number;
}

const EXPIRES = {
  option: 'taskProtection.expiresInMinutes',
  env: 'TASK_PROTECTION_EXPIRES_MINUTES',
  default: 60,
  // The agent's (ECS's) own range for ExpiresInMinutes.
  min: 1,
  max: 2880,
  integer: true,
  unit: 'minutes',
};
const IDLE = {
  option: 'taskProtection.idleMs',
  env: 'TASK_PROTECTION_IDLE_MS',
  default: 30_000,
  min: 0,
  max: 3_600_000,
  integer: true,
  unit: 'ms',
};
const TIMEOUT = {
  option: 'taskProtection.requestTimeoutMs',
  default: 5000,
  min: 100,
  max: 60_000,
  integer: true,
  unit: 'ms',
};
/**
 * The settings, or `undefined` when protection is off or no ECS agent is there (logged once).
 * Throws `ConfigError` for an invalid option or environment value.
 */
export function resolveTaskProtection(
  option: unknown,
  env: Env,
  logger: Logger,
): TaskProtectionSettings | undefined {
  let on: boolean;
  let o: TaskProtectionOptions = {};
  if (option === undefined) {
    on = enabledFromEnv(env);
  } else if (typeof option === 'boolean') {
    on = option;
  } else if (typeof option === 'object' && option !== null && !Array.isArray(option)) {
    on = true;
    o = option as TaskProtectionOptions;
    const known = new Set(['expiresInMinutes', 'idleMs', 'requestTimeoutMs']);
    const unknown = Object.keys(o).find((k) => !known.has(k));
    if (unknown !== undefined) {
      throw new ConfigError({
        option: 'taskProtection',
        value: unknown,
        allowed: 'the keys expiresInMinutes, idleMs and requestTimeoutMs',
        from: 'option',
      });
    }
  } else {
    throw new ConfigError({
      option: 'taskProtection',
      envVar: 'TASK_PROTECTION',
      value: option,
      allowed: 'true, false or { expiresInMinutes, idleMs, requestTimeoutMs }',
      from: 'option',
    });
  }
  if (!on) return undefined;
  // Validated even when no agent is there: a typo should fail on a laptop, not first on ECS.
  const expiresInMinutes = resolveNumber(EXPIRES, o.expiresInMinutes, env);
  const idleMs = resolveNumber(IDLE, o.idleMs, env);
  const requestTimeoutMs = resolveNumber(TIMEOUT, o.requestTimeoutMs, env);
  const raw = env.ECS_AGENT_URI?.trim();
  if (!raw) {
    logger.info('task protection is on but ECS_AGENT_URI is not set (not on ECS); it stays off');
    return undefined;
  }
  if (!isHttpUrl(raw)) {
    throw new ConfigError({
      option: 'taskProtection',
      envVar: 'ECS_AGENT_URI',
      value: raw,
      allowed: 'an http(s) URL (the ECS agent sets it)',
      from: 'env',
    });
  }
  return { agentUri: raw.replace(/\/+$/, ''), expiresInMinutes, idleMs, requestTimeoutMs };
}

function enabledFromEnv(env: Env): boolean {
  const raw = env.TASK_PROTECTION?.trim().toLowerCase();
  // Empty is an error, as for every other variable: a template that forgot its value.
  if (raw === undefined || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1') return true;
  throw new ConfigError({
    option: 'taskProtection',
    envVar: 'TASK_PROTECTION',
    value: env.TASK_PROTECTION,
    allowed: 'true, false, 1 or 0',
    from: 'env',
  });
}

function isHttpUrl(s: string): boolean {
  try {
    const url = new URL(s);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
