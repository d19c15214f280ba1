/**
 * `createListener()`: one listener as an object the application holds (start it, stop it, read
 * its stats, listen to its events), with no global registry and no signal handlers.
 * `sqsListener()` + `runListeners()` run the same listener for the whole process.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Unsubscribe } from '../core/events.js';
import { emptyStats, type StreamStats } from '../core/stats.js';
import type { StreamConfig } from '../core/stream-config.js';
import type { BatchHandler } from '../listeners/batch.js';
import { emptyResult } from '../listeners/listener-config.js';
import type { MessageHandler } from '../listeners/per-message.js';
import { resolveNumber } from '../shared/config.js';
import { toError } from '../shared/errors.js';
import { createDebugLogger, type Logger, type LogLevel } from '../shared/logger.js';
import { createSqsClient } from '../shared/sqs-client.js';
import { type HandlerStats, HandlerTimer } from './handler-stats.js';
import {
  HandleEvents,
  type ListenerEventListener,
  type ListenerEventName,
} from './listener-events.js';
import { type ListenerReport, reportOf, runPrepared, SHUTDOWN_TIMEOUT } from './listener-run.js';
import { type Prepared, prepare, resolveQueueUrlOf } from './prepare.js';
import {
  checkListenerRegistration,
  type RegisteredListener,
  type SqsListenerOptions,
} from './registry.js';

/** Options of {@link createListener}: those of `sqsListener()`, plus two of the runner's. */
export interface CreateListenerOptions<T = unknown> extends SqsListenerOptions<T> {
  /**
   * Seconds running handlers get to finish after `stop()` when it names no `timeout`; then
   * their `signal`s abort and their messages are released. Env `SHUTDOWN_TIMEOUT`, default 25.
   */
  shutdownTimeout?: number | undefined;
  /** Level of the default logger (when `logger` is not given). Env `LOG_LEVEL`, default INFO. */
  logLevel?: LogLevel | undefined;
}

/** Options of {@link ListenerHandle.stop}. */
export interface StopOptions {
  /**
   * Seconds running handlers get to finish (0 to 43,200); then their `signal`s abort, their
   * messages are released and `stop()` resolves. Default: the `shutdownTimeout` option.
   */
  timeout?: number | undefined;
}

/** What {@link ListenerHandle.stats} returns. */
export interface ListenerStats {
  /** The stream's counters and gauges (zeros before `start()`). */
  stream: StreamStats;
  /** Handler calls: errors and a duration summary. */
  handler: HandlerStats;
}

/**
 * One listener, held by the application. It installs no SIGTERM/SIGINT handlers: the
 * application owns them and calls `stop()`. One-shot: after a stop, create a new one.
 */
export interface ListenerHandle {
  /**
   * Validates the options and starts receiving. Resolves once the first receive is sent (or the
   * listener was stopped first); rejects with a `ConfigError`, or what the listener failed with
   * before it could receive. Idempotent: a second call returns the first call's promise.
   */
  start(): Promise<void>;
  /**
   * Drains: stops receiving, gives back at once what no handler got, lets running handlers
   * finish (their leases still extended) up to `timeout`, flushes the deletes. Resolves with
   * the report (`timedOut` and `abandoned` name handlers that did not finish in time).
   * Idempotent; before `start()` it only makes the handle stopped.
   */
  stop(options?: StopOptions): Promise<ListenerReport>;
  /** True from a successful `start()` until `stop()` is called or the listener fails. */
  readonly running: boolean;
  /**
   * Resolves with the report once the listener has fully stopped, for whatever reason: a
   * `stop()`, a fatal receive error (the report's `error`), or a start-up error. Never rejects.
   */
  readonly drained: Promise<ListenerReport>;
  /** Counters as they are now. */
  stats(): ListenerStats;
  /**
   * Subscribes to an event: every stream event (`received`, `acked`, `nacked`, `lost`,
   * `released`, `receiveFailed`, …; see `StreamEventMap`), `error` (the listener failed for
   * good) and `stopped`. Allowed before `start()`. Every subscription ends when the listener
   * has stopped. Returns the function that unsubscribes.
   */
  on<K extends ListenerEventName>(event: K, listener: ListenerEventListener<K>): Unsubscribe;
  /** Removes a listener added with `on()`. */
  off<K extends ListenerEventName>(event: K, listener: ListenerEventListener<K>): void;
}

/**
 * Creates a listener without registering it anywhere: `start()` it, `stop()` it when the
 * application decides (its own signal handlers, a test's `afterEach`). The options and the
 * handler are those of `sqsListener()`; both modes.
 *
 * @example
 * ```ts
 * import { createListener } from 'sqs-fargate-listener';
 *
 * const listener = createListener({ queueUrl: process.env.QUEUE_URL }, async (message) => {
 *   console.log(message.messageId, message.body);
 * });
 * listener.on('error', (error) => console.error('listener failed', error));
 * await listener.start();
 * process.once('SIGTERM', () => void listener.stop({ timeout: 20 }));
 * const report = await listener.drained;
 * console.log(report.result);
 * ```
 */
export function createListener<T = unknown>(
  options: CreateListenerOptions<T> & { mode: 'batch' },
  handler: BatchHandler<NoInfer<T>>,
): ListenerHandle;
export function createListener<T = unknown>(
  options: CreateListenerOptions<T> & { mode?: 'per_message' | undefined },
  handler: MessageHandler<NoInfer<T>>,
): ListenerHandle;
export function createListener(
  options: CreateListenerOptions,
  handler: MessageHandler | BatchHandler,
): ListenerHandle {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('createListener(options, handler): options must be an object');
  }
  if (typeof handler !== 'function') {
    throw new TypeError('createListener(options, handler): handler must be a function');
  }
  return new Handle({ ...options }, handler);
}

class Handle implements ListenerHandle {
  private prepared: Prepared | undefined;
  private starting: Promise<void> | undefined;
  private stopping: Promise<ListenerReport> | undefined;
  private state: 'idle' | 'running' | 'stopping' | 'stopped' = 'idle';
  private readonly controller = new AbortController();
  // Before start() the only thing to log is an event listener that throws: at ERROR, shown.
  private readonly events = new HandleEvents(
    () => this.logger ?? createDebugLogger({ component: 'listener', env: {} }),
  );
  /** The listener's logger, once prepared. */
  private logger: Logger | undefined;
  private shutdownTimeout = SHUTDOWN_TIMEOUT.default;
  private ownedClient: SQSClient | undefined;
  private keepAlive: NodeJS.Timeout | undefined;
  private deadline: NodeJS.Timeout | undefined;
  private stopWaiting: Unsubscribe | undefined;
  /** Set once, when the listener has stopped. */
  private report: ListenerReport | undefined;
  private resolveDrained!: (report: ListenerReport) => void;
  readonly drained: Promise<ListenerReport>;

  constructor(
    private readonly options: CreateListenerOptions,
    private readonly handler: MessageHandler | BatchHandler,
  ) {
    this.drained = new Promise((resolve) => {
      this.resolveDrained = resolve;
    });
  }

  get running(): boolean {
    return this.state === 'running';
  }

  start(): Promise<void> {
    this.starting ??= this.begin();
    return this.starting;
  }

  stop(options: StopOptions = {}): Promise<ListenerReport> {
    const { timeout } = options;
    if (timeout !== undefined) {
      try {
        // Checked on every call: a bad timeout must not pass for a stop that happened.
        resolveNumber(
          { ...SHUTDOWN_TIMEOUT, option: 'stop({ timeout })', env: undefined },
          timeout,
        );
      } catch (error) {
        return Promise.reject(error);
      }
    }
    this.stopping ??= this.halt(timeout ?? this.shutdownTimeout);
    return this.stopping;
  }

  stats(): ListenerStats {
    const p = this.prepared;
    if (p) return { stream: p.stream.stats(), handler: p.timer.snapshot() };
    return { stream: emptyStats(), handler: new HandlerTimer().snapshot() };
  }

  on<K extends ListenerEventName>(event: K, listener: ListenerEventListener<K>): Unsubscribe {
    return this.events.on(event, listener);
  }

  off<K extends ListenerEventName>(event: K, listener: ListenerEventListener<K>): void {
    this.events.off(event, listener);
  }

  private async begin(): Promise<void> {
    if (this.state !== 'idle') {
      throw new Error('This listener was stopped and cannot start again: create a new one');
    }
    let p: Prepared;
    try {
      p = this.prepare();
      // A queue given by name: its URL is looked up (GetQueueUrl) before anything starts.
      await resolveQueueUrlOf(p);
    } catch (error) {
      // Not logged: start() rejects with it, and the `error` event carries it.
      this.finish(this.emptyReport(toError(error)));
      throw error;
    }
    // Stopped while the queue URL was looked up: the stop has reported already.
    if (this.report) return;
    this.prepared = p;
    this.logger = p.logger;
    this.state = 'running';
    this.events.attach(p.stream);
    // Held while the listener runs, as runListeners() does: lease timers are unref'd and a
    // handler awaiting a promise holds no handle, so Node could exit in the middle of a drain.
    this.keepAlive = setInterval(() => {}, 1 << 30);
    const receiving = new Promise<void>((resolve) => {
      this.stopWaiting = p.stream.on('receiveSent', () => resolve());
    });
    const run = this.run(p);
    await Promise.race([receiving, run]);
    this.stopWaiting?.();
    // The listener may have ended before its first receive: a failure rejects start().
    const failed = this.endedWith()?.error;
    if (failed) throw failed;
  }

  /** The report, once stopped (a method: TypeScript would keep a field narrowed across awaits). */
  private endedWith(): ListenerReport | undefined {
    return this.report;
  }

  private prepare(): Prepared {
    // shutdownTimeout and logLevel are the handle's; the rest is a registration's.
    const { shutdownTimeout, logLevel, ...rest } = this.options;
    // Typos (`workerthreads`), a bad mode, a queue named twice: as sqsListener() checks them.
    checkListenerRegistration(rest, 'createListener()');
    const env = rest.env ?? process.env;
    this.shutdownTimeout = resolveNumber(SHUTDOWN_TIMEOUT, shutdownTimeout, env);
    const registration = { options: rest, handler: this.handler } as RegisteredListener;
    return prepare(registration, {
      logger: undefined,
      logLevel,
      env,
      shutdownTimeout: this.shutdownTimeout,
      signal: this.controller.signal,
      sharedClient: () => {
        this.ownedClient ??= createSqsClient();
        return this.ownedClient;
      },
    });
  }

  /** Runs the listener to its end; never rejects (a failure ends up in the report). */
  private async run(p: Prepared): Promise<void> {
    try {
      const result = await runPrepared(p);
      this.finish({ ...reportOf(p, result, false), error: undefined });
    } catch (thrown) {
      const error = toError(thrown);
      p.logger.error('listener failed; stopping', { error });
      this.state = this.state === 'running' ? 'stopping' : this.state;
      this.controller.abort();
      // What the listener had handed out is settled by now (it waits for its handlers before
      // it fails): let the stream flush before the client is destroyed.
      await p.stream.drained();
      this.finish({ ...reportOf(p, emptyResult(), false), error });
    }
  }

  private async halt(timeout: number): Promise<ListenerReport> {
    const p = this.prepared;
    if (this.state === 'idle' || !p) {
      this.finish(this.emptyReport(undefined));
      return this.drained;
    }
    if (this.state === 'running') {
      this.state = 'stopping';
      p.logger.info('stop requested; draining…', { shutdownTimeoutSecs: timeout });
      setShutdownDeadline(p, timeout);
      // Armed before draining starts, so a handler that never returns cannot hold stop().
      this.deadline = setTimeout(() => this.abandon(p), (timeout + 1) * 1000);
      this.controller.abort();
    }
    return this.drained;
  }

  /** The shutdown deadline passed and handlers still run: report them, and stop waiting. */
  private abandon(p: Prepared): void {
    const abandonedMessageIds = p.timer.running().flatMap((c) => c.messageIds);
    p.logger.warn(
      'shutdown timeout passed; handlers still running were abandoned and their messages released',
      { abandonedMessageIds },
    );
    this.finish({ ...reportOf(p, emptyResult(), true), error: undefined });
  }

  private finish(report: ListenerReport): void {
    if (this.report) return;
    this.report = report;
    this.state = 'stopped';
    clearInterval(this.keepAlive);
    clearTimeout(this.deadline);
    this.stopWaiting?.();
    if (report.error) this.events.emit('error', report.error);
    this.events.emit('stopped', report);
    this.events.end();
    this.ownedClient?.destroy();
    this.resolveDrained(report);
  }

  private emptyReport(error: Error | undefined): ListenerReport {
    const { name, queueUrl } = this.options;
    return {
      name: name ?? '',
      queueUrl: queueUrl ?? '',
      result: emptyResult(),
      stats: emptyStats(),
      handler: new HandlerTimer().snapshot(),
      timedOut: false,
      abandoned: [],
      error,
    };
  }
}

/**
 * Makes `timeout` this stop's deadline. The stream reads `shutdownTimeout` when it has stopped
 * receiving (to arm its deadline), from the config its iteration started with; that object is
 * `stream.config`, since nothing but this handle's listener consumes the stream.
 */
function setShutdownDeadline(p: Prepared, timeout: number): void {
  (p.stream.config as StreamConfig).shutdownTimeout = timeout;
}
