/**
 * ECS task scale-in protection for `runListeners({ taskProtection })`: the task is protected
 * while any listener holds a leased message, so that service auto scaling or a deployment does
 * not pick it for termination mid-job, and unprotected once it has been idle for `idleMs`, or at
 * once when draining starts. It talks to the ECS agent's endpoint
 * (`PUT $ECS_AGENT_URI/task-protection/v1/state`); the agent calls UpdateTaskProtection with the
 * task role's credentials. Best-effort: an agent error is logged and retried, never fatal.
 */
import type { StreamEventName, Unsubscribe } from '../core/events.js';
import { toError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { TaskProtectionSettings } from './task-protection-options.js';

export {
  resolveTaskProtection,
  type TaskProtectionOptions,
  type TaskProtectionSettings,
} from './task-protection-options.js';

/** What the protector needs of a stream: its events and its in-flight gauge. */
export interface ProtectedSource {
  on(event: StreamEventName, listener: () => void): Unsubscribe;
  stats(): { inFlight: number };
}

/** Renew when this share of ExpiresInMinutes has passed: a retry or two still fits before it lapses. */
const RENEW_AT = 0.8;
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 60_000;

/** Events after which the in-flight count may have changed. */
const WATCHED: readonly StreamEventName[] = [
  'received',
  'handedOut',
  'acked',
  'nacked',
  'lost',
  'released',
  'settleFailed',
];

/**
 * Keeps the agent's protection in line with the streams' work. One PUT at a time; the state
 * wanted last is the one sent next. Timers are unref'd: they never hold the process.
 */
export class TaskProtector {
  private readonly unsubscribe: Unsubscribe[];
  /** Protection wanted now. */
  private wanted = false;
  /** What the agent last confirmed; `undefined` after a failed call (unknown). A new task starts unprotected. */
  private confirmed: boolean | undefined = false;
  private renewDue = false;
  private request: Promise<void> | undefined;
  private failures = 0;
  private evaluateQueued = false;
  private draining = false;
  private stopped = false;
  private idleTimer: NodeJS.Timeout | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly url: string;

  constructor(
    private readonly settings: TaskProtectionSettings,
    private readonly sources: readonly ProtectedSource[],
    private readonly logger: Logger,
  ) {
    this.url = `${settings.agentUri}/task-protection/v1/state`;
    const changed = () => this.queueEvaluate();
    this.unsubscribe = sources.flatMap((s) => WATCHED.map((name) => s.on(name, changed)));
  }

  /** Draining started: unprotect now, and never protect again. */
  drain(): void {
    if (this.draining) return;
    this.draining = true;
    this.stopWatching();
    clearTimeout(this.idleTimer);
    clearTimeout(this.renewTimer);
    this.want(false);
  }

  /**
   * Ends it: timers cleared, the call in flight awaited (it has its own timeout), and one last
   * unprotect tried when the agent may still hold protection. Never rejects.
   */
  async close(): Promise<void> {
    this.drain();
    clearTimeout(this.retryTimer);
    this.stopped = true;
    while (this.request) await this.request;
    if (this.confirmed !== false) await this.put(false);
  }

  private stopWatching(): void {
    for (const u of this.unsubscribe) u();
  }

  private inFlight(): number {
    let n = 0;
    for (const s of this.sources) n += s.stats().inFlight;
    return n;
  }

  /**
   * Deferred to a microtask, once per burst of events: a nack, loss or release is reported
   * before its slot is freed, so the count is read when that bookkeeping has finished.
   */
  private queueEvaluate(): void {
    if (this.evaluateQueued || this.draining) return;
    this.evaluateQueued = true;
    queueMicrotask(() => {
      this.evaluateQueued = false;
      this.evaluate();
    });
  }

  private evaluate(): void {
    if (this.draining) return;
    if (this.inFlight() > 0) {
      clearTimeout(this.idleTimer);
      this.idleTimer = undefined;
      this.want(true);
    } else if (this.wanted && this.idleTimer === undefined) {
      this.idleTimer = setTimeout(() => {
        this.idleTimer = undefined;
        if (!this.draining && this.inFlight() === 0) this.want(false);
      }, this.settings.idleMs);
      this.idleTimer.unref();
    }
  }

  private want(enabled: boolean): void {
    if (this.wanted === enabled) return;
    this.wanted = enabled;
    if (!enabled) {
      clearTimeout(this.renewTimer);
      this.renewDue = false;
    }
    // A new wish is sent now, not after a backoff meant for the old one.
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.pump();
  }

  /** Sends the wanted state when the agent may not have it; one call at a time. */
  private pump(): void {
    if (this.request || this.stopped) return;
    const enable = this.wanted;
    if (enable === this.confirmed && !(enable && this.renewDue)) return;
    this.renewDue = false;
    this.request = this.put(enable).then((ok) => {
      this.request = undefined;
      if (ok && enable && this.wanted) this.armRenewal();
      if (this.wanted !== enable) this.pump();
      else if (!ok) this.retryLater();
    });
  }

  private armRenewal(): void {
    clearTimeout(this.renewTimer);
    this.renewTimer = setTimeout(
      () => {
        this.renewDue = true;
        this.pump();
      },
      this.settings.expiresInMinutes * 60_000 * RENEW_AT,
    );
    this.renewTimer.unref();
  }

  private retryLater(): void {
    if (this.stopped) return;
    const delay = Math.min(RETRY_FIRST_MS * 2 ** (this.failures - 1), RETRY_MAX_MS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.pump();
    }, delay);
    this.retryTimer.unref();
  }

  /** One PUT; true when the agent confirmed `enable`. Logs and returns false on any failure. */
  private async put(enable: boolean): Promise<boolean> {
    const body = enable
      ? { ProtectionEnabled: true, ExpiresInMinutes: this.settings.expiresInMinutes }
      : { ProtectionEnabled: false };
    try {
      const response = await fetch(this.url, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.settings.requestTimeoutMs),
      });
      const text = await response.text();
      const problem = answerProblem(response.status, text, enable);
      if (problem) throw new Error(problem);
    } catch (error) {
      this.confirmed = undefined;
      this.failures++;
      const fields = { protect: enable, attempt: this.failures, error: toError(error) };
      // The first failure of a streak at WARN; the retries that follow at DEBUG, not every second.
      if (this.failures === 1) this.logger.warn('task protection call failed; retrying', fields);
      else this.logger.debug('task protection call failed again', fields);
      return false;
    }
    const after = this.failures;
    this.failures = 0;
    const wasRenewal = enable && this.confirmed === true;
    this.confirmed = enable;
    const fields = enable ? { expiresInMinutes: this.settings.expiresInMinutes } : {};
    if (wasRenewal) {
      this.logger.debug('task protection renewed', fields);
    } else {
      const message = enable ? 'task protected from scale-in' : 'task protection removed';
      this.logger.info(message, after > 0 ? { ...fields, afterFailures: after } : fields);
    }
    return true;
  }
}

/**
 * Why an agent answer is not a confirmation, or `undefined` when it is. The agent answers 200
 * with `{ protection: { ProtectionEnabled, ExpirationDate, TaskArn } }`; 200 with
 * `{ failure: { Arn, Reason, Detail } }` when ECS refused (e.g. TASK_NOT_VALID: not a service
 * task); 4xx/5xx with `{ error: { Code, Message } }`.
 */
function answerProblem(status: number, text: string, enable: boolean): string | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return `agent answered ${status} with a body that is not JSON: ${JSON.stringify(text.slice(0, 200))}`;
  }
  const answer = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
  const error = record(answer.error);
  if (status < 200 || status > 299 || error) {
    return `agent answered ${status}${error ? `: ${String(error.Code)}: ${String(error.Message)}` : ''}`;
  }
  const failure = record(answer.failure);
  if (failure) {
    return `ECS refused: ${String(failure.Reason)}${failure.Detail ? ` (${String(failure.Detail)})` : ''}`;
  }
  const protection = record(answer.protection);
  if (protection?.ProtectionEnabled !== enable) {
    return `agent answered ${status} without the protection asked for: ${text.slice(0, 200)}`;
  }
  return undefined;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)
    : undefined;
}

/** Starts protection for `sources`; `signal` aborting (the run's stop) unprotects at once. */
export function startTaskProtection(
  settings: TaskProtectionSettings,
  sources: readonly ProtectedSource[],
  logger: Logger,
  signal: AbortSignal,
): { close(): Promise<void> } {
  const protector = new TaskProtector(settings, sources, logger);
  const onAbort = () => protector.drain();
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return {
    close: async () => {
      signal.removeEventListener('abort', onAbort);
      await protector.close();
    },
  };
}
