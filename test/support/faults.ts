/**
 * A fault layer for reliability tests: an SDK middleware on the consumer's own SQSClient that,
 * per request and at a configurable rate per action, answers with the faults production sees.
 *
 * Why a middleware and not an HTTP proxy in front of fauxqs: the middleware sees the command
 * name, the parsed input and the parsed output, so it can fail one chosen entry of a batch
 * without re-encoding the wire protocol, it reads the request's abort signal (a delayed response
 * still ends at once on shutdown), and it observes the server's real answers — which messages
 * SQS actually deleted — independently of what it then reports to the library. It is added in
 * the `initialize` step, above the SDK's own retry middleware: every fault injected reaches the
 * library, which must cope by itself (as it must when the SDK's retries are exhausted). Only the
 * consumer under test gets it; the admin client that sends and inspects stays clean.
 *
 * Kinds (one per faulted request, chosen by weight among those that apply to the action):
 * - `throttle`: `ThrottlingException` ($fault client, $retryable throttling), nothing sent.
 * - `serverError`: `ServiceUnavailable` (503) or `InternalError` (500), $fault server, nothing sent.
 * - `reset`: the request IS sent and the server acts on it, then the response is lost with an
 *   `ECONNRESET` error, as the node http handler reports it. The nastiest case: a receive hides
 *   messages the library never sees (they come back after their visibility, receive count + 1),
 *   a delete may have happened although the library was told it failed.
 * - `delay`: the server answers at once, the answer reaches the library `delayMs` later (or, if
 *   the request's abort signal fires meanwhile, an AbortError at that moment).
 * - `entryFailed` (DeleteMessageBatch / ChangeMessageVisibilityBatch only): one entry is taken
 *   out of the request before it is sent and reported back as Failed, alternately
 *   `InternalError` (SenderFault false: retryable) and `ReceiptHandleIsInvalid` (SenderFault
 *   true). Injected before sending so that the report is truthful: rewriting a real success into
 *   a failure would claim a delete failed while the message is gone, which SQS never does.
 * - `outage`: during an outage window every request of every action fails before it is sent
 *   with `ECONNREFUSED` (the endpoint is unreachable); counted separately.
 */
import { type SQSClient, SQSServiceException } from '@aws-sdk/client-sqs';

export type FaultKind = 'throttle' | 'serverError' | 'reset' | 'delay' | 'entryFailed' | 'outage';
type RandomKind = Exclude<FaultKind, 'outage'>;

export const FAULT_KINDS: readonly FaultKind[] = [
  'throttle',
  'serverError',
  'reset',
  'delay',
  'entryFailed',
  'outage',
];

export interface FaultOptions {
  /** Probability (0..1) that a request gets a fault, for every action. Default 0. */
  rate?: number;
  /** Per-action rate overriding `rate`, keyed by action (`ReceiveMessage`, `DeleteMessageBatch`…). */
  rates?: Record<string, number>;
  /** Relative weights of the random kinds. Default: all 1. */
  weights?: Partial<Record<RandomKind, number>>;
  /** Delay range for `delay` faults, ms. Default [1000, 3000]. */
  delayMs?: [number, number];
  /** Seed of the random generator (the same seed gives the same choices). Default random. */
  seed?: number;
}

interface BatchEntry {
  Id?: string;
  ReceiptHandle?: string;
}
interface BatchOutput {
  Successful?: Array<{ Id?: string }>;
  Failed?: Array<{ Id?: string; Code?: string; SenderFault?: boolean; Message?: string }>;
  $metadata?: unknown;
}
interface ReceiveOutput {
  Messages?: Array<{ MessageId?: string; ReceiptHandle?: string }>;
}

const BATCH_ACTIONS = new Set(['DeleteMessageBatch', 'ChangeMessageVisibilityBatch']);
const SMITHY_CONTEXT_KEY = '__smithy_context';

/** mulberry32: small, fast, seedable. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function serviceError(name: string, fault: 'client' | 'server', status: number, message: string) {
  const error = new SQSServiceException({
    name,
    $fault: fault,
    $metadata: { httpStatusCode: status, attempts: 1, totalRetryDelay: 0 },
    message,
  });
  return error;
}

export function throttlingError(): Error {
  const error = serviceError('ThrottlingException', 'client', 400, 'Rate exceeded (injected)');
  (error as { $retryable?: { throttling: boolean } }).$retryable = { throttling: true };
  return error;
}

export function serverError(name: 'ServiceUnavailable' | 'InternalError'): Error {
  return serviceError(
    name,
    'server',
    name === 'ServiceUnavailable' ? 503 : 500,
    `${name} (injected)`,
  );
}

/** Shaped like the node http handler's socket errors. */
export function socketError(code: 'ECONNRESET' | 'ECONNREFUSED'): Error {
  const message =
    code === 'ECONNRESET' ? 'socket hang up (injected)' : 'connect ECONNREFUSED (injected)';
  return Object.assign(new Error(message), {
    code,
    errno: code === 'ECONNRESET' ? -104 : -111,
    syscall: code === 'ECONNRESET' ? 'read' : 'connect',
    $metadata: { attempts: 1, totalRetryDelay: 0 },
  });
}

function abortError(reason: unknown): Error {
  const error = new Error('Request aborted', { cause: reason });
  error.name = 'AbortError';
  return error;
}

function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal.reason));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal?.reason));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export class FaultInjector {
  /** Faults injected so far, by kind. */
  readonly counts: Record<FaultKind, number> = {
    throttle: 0,
    serverError: 0,
    reset: 0,
    delay: 0,
    entryFailed: 0,
    outage: 0,
  };
  /** Faults injected, by action and kind (`DeleteMessageBatch.entryFailed`). */
  readonly byAction: Record<string, number> = {};
  /** Requests seen, by action. */
  readonly requests: Record<string, number> = {};
  /** Message ids SQS really deleted (a Successful entry in the server's own answer). */
  readonly deleted = new Set<string>();
  /** Visibility changes SQS really applied (Successful entries), for lease tests. */
  visibilityChangesApplied = 0;
  private readonly handleToId = new Map<string, string>();
  private outageUntilMs = 0;
  private outageTimer: NodeJS.Timeout | undefined;
  private readonly random: () => number;
  private entryFailures = 0;
  private options: Required<Omit<FaultOptions, 'seed'>>;
  readonly seed: number;

  constructor(options: FaultOptions = {}) {
    this.seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
    this.random = seeded(this.seed);
    this.options = {
      rate: 0,
      rates: {},
      weights: {},
      delayMs: [1000, 3000],
    };
    this.configure(options);
  }

  /** Changes rates, weights or delays from now on. */
  configure(options: Omit<FaultOptions, 'seed'>): void {
    this.options = {
      rate: options.rate ?? this.options.rate,
      rates: options.rates ?? this.options.rates,
      weights: options.weights ?? this.options.weights,
      delayMs: options.delayMs ?? this.options.delayMs,
    };
  }

  /** Every request fails (ECONNREFUSED) for `ms` from now. Resolves when the outage is over. */
  outage(ms: number): Promise<void> {
    this.outageUntilMs = Date.now() + ms;
    return new Promise((resolve) => {
      this.outageTimer = setTimeout(resolve, ms);
    });
  }

  get inOutage(): boolean {
    return Date.now() < this.outageUntilMs;
  }

  /** Ends an outage early and stops every random fault (for clean-up). */
  calm(): void {
    this.outageUntilMs = 0;
    if (this.outageTimer) clearTimeout(this.outageTimer);
    this.options = { ...this.options, rate: 0, rates: {} };
  }

  /** `throttle=3 serverError=2 …`, every kind, in a fixed order. */
  summary(): string {
    return FAULT_KINDS.map((k) => `${k}=${this.counts[k]}`).join(' ');
  }

  /** Adds the middleware to `client`; returns `this`. */
  attach(client: SQSClient): this {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const action = (context.commandName ?? 'Unknown').replace(/Command$/, '');
        this.requests[action] = (this.requests[action] ?? 0) + 1;
        const smithy = (context as Record<string, unknown>)[SMITHY_CONTEXT_KEY] as
          | { abortSignal?: AbortSignal }
          | undefined;
        const signal = smithy?.abortSignal;
        const input = args.input as { Entries?: BatchEntry[] };

        if (this.inOutage) {
          this.count(action, 'outage');
          throw socketError('ECONNREFUSED');
        }
        const kind = this.pick(action, input);
        switch (kind) {
          case 'throttle':
            this.count(action, kind);
            throw throttlingError();
          case 'serverError':
            this.count(action, kind);
            throw serverError(this.random() < 0.5 ? 'ServiceUnavailable' : 'InternalError');
          case 'entryFailed':
            return this.failOneEntry(action, input, args, next);
          default:
            break;
        }
        const result = await next(args);
        this.observe(action, input, result.output);
        if (kind === 'reset') {
          this.count(action, kind);
          throw socketError('ECONNRESET');
        }
        if (kind === 'delay') {
          this.count(action, kind);
          const [min, max] = this.options.delayMs;
          await abortableSleep(min + this.random() * (max - min), signal);
        }
        return result;
      },
      { step: 'initialize', name: 'injectFaults' },
    );
    return this;
  }

  private count(action: string, kind: FaultKind): void {
    this.counts[kind]++;
    const key = `${action}.${kind}`;
    this.byAction[key] = (this.byAction[key] ?? 0) + 1;
  }

  private pick(action: string, input: { Entries?: BatchEntry[] }): RandomKind | undefined {
    const rate = this.options.rates[action] ?? this.options.rate;
    if (rate <= 0 || this.random() >= rate) return undefined;
    const kinds: RandomKind[] = ['throttle', 'serverError', 'reset', 'delay'];
    if (BATCH_ACTIONS.has(action) && (input.Entries?.length ?? 0) > 0) kinds.push('entryFailed');
    const weighted = kinds.map((k) => [k, this.options.weights[k] ?? 1] as const);
    const total = weighted.reduce((sum, [, w]) => sum + w, 0);
    if (total <= 0) return undefined;
    let r = this.random() * total;
    for (const [k, w] of weighted) {
      r -= w;
      if (r < 0) return k;
    }
    return weighted[weighted.length - 1]![0];
  }

  /** Takes one entry out of the request, sends the rest, and reports that one as Failed. */
  private async failOneEntry<A extends { input: unknown }, R extends { output: unknown }>(
    action: string,
    input: { Entries?: BatchEntry[] },
    args: A,
    next: (args: A) => Promise<R>,
  ): Promise<R> {
    const entries = input.Entries ?? [];
    const victim = entries[Math.floor(this.random() * entries.length)]!;
    const retryable = this.entryFailures++ % 2 === 0;
    const failure = retryable
      ? { Id: victim.Id, Code: 'InternalError', SenderFault: false, Message: 'injected' }
      : {
          Id: victim.Id,
          Code: 'ReceiptHandleIsInvalid',
          SenderFault: true,
          Message: 'injected',
        };
    this.count(action, 'entryFailed');
    const rest = entries.filter((e) => e !== victim);
    if (rest.length === 0) {
      return {
        output: { Successful: [], Failed: [failure], $metadata: { httpStatusCode: 200 } },
        response: {},
      } as unknown as R;
    }
    const result = await next({ ...args, input: { ...input, Entries: rest } });
    this.observe(action, { Entries: rest }, result.output);
    const output = result.output as BatchOutput;
    return {
      ...result,
      output: { ...output, Failed: [...(output.Failed ?? []), failure] },
    };
  }

  /** Records what the server really did, before any fault is reported. */
  private observe(action: string, input: { Entries?: BatchEntry[] }, output: unknown): void {
    if (action === 'ReceiveMessage') {
      for (const m of (output as ReceiveOutput).Messages ?? []) {
        if (m.ReceiptHandle && m.MessageId) this.handleToId.set(m.ReceiptHandle, m.MessageId);
      }
      return;
    }
    if (!BATCH_ACTIONS.has(action)) return;
    const byId = new Map((input.Entries ?? []).map((e) => [e.Id, e.ReceiptHandle]));
    for (const ok of (output as BatchOutput).Successful ?? []) {
      if (action === 'ChangeMessageVisibilityBatch') {
        this.visibilityChangesApplied++;
        continue;
      }
      const handle = byId.get(ok.Id);
      const id = handle === undefined ? undefined : this.handleToId.get(handle);
      if (id !== undefined) this.deleted.add(id);
    }
  }
}

/** Attaches a new fault injector to `client`. */
export function injectFaults(client: SQSClient, options: FaultOptions = {}): FaultInjector {
  return new FaultInjector(options).attach(client);
}
