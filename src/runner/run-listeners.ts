/**
 * `runListeners()`: runs every registered listener concurrently and drains them on
 * SIGTERM/SIGINT or an AbortSignal: stop receiving, release what no handler got, let running
 * handlers finish (leases still extended) up to `shutdownTimeout`, flush, resolve.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { StreamStats } from '../core/stats.js';
import { emptyResult, type ListenerResult } from '../listeners/listener-config.js';
import { type Env, resolveNumber } from '../shared/config.js';
import { ConfigError, toError } from '../shared/errors.js';
import { resolveLoggerOption } from '../shared/log-adapters.js';
import { createDebugLogger, type LogFormat, type Logger, type LogLevel } from '../shared/logger.js';
import { createSqsClient } from '../shared/sqs-client.js';
import { checkEmfDimension, type EmfOptions, EmfReporter, resolveEmf } from './emf.js';
import type { HandlerStats, RunningHandlerCall } from './handler-stats.js';
import {
  type HealthOptions,
  type HealthServer,
  resolveStuckAfterSecs,
  startHealthServer,
} from './health-server.js';
import { reportOf, runPrepared, SHUTDOWN_TIMEOUT } from './listener-run.js';
import { checkRunListenersOptionNames } from './option-names.js';
import { type Prepared, prepare, resolveQueueUrlOf } from './prepare.js';
import type { ListenerMetrics } from './prometheus.js';
import {
  checkListenerRegistration,
  type RegisteredListener,
  registeredListeners,
} from './registry.js';
import { onStopSignals, REPEAT_WINDOW_MS, type StopSignalHandle } from './stop-signals.js';
import {
  resolveTaskProtection,
  startTaskProtection,
  type TaskProtectionOptions,
  type TaskProtectionSettings,
} from './task-protection.js';

/** Options of {@link runListeners}. */
export interface RunListenersOptions {
  /** Aborting it drains every listener, as SIGTERM does. */
  signal?: AbortSignal | undefined;
  /**
   * Seconds running handlers get to finish after a stop; then their `signal`s abort, their
   * messages are released and `runListeners()` resolves. Env `SHUTDOWN_TIMEOUT`, default 25
   * (ECS sends SIGKILL 30 s after SIGTERM by default).
   */
  shutdownTimeout?: number | undefined;
  /** Install SIGTERM/SIGINT handlers (removed again when the run ends). Default true. */
  handleSignals?: boolean | undefined;
  /** Client for listeners that do not bring their own. Default: one from the environment, closed at the end. */
  client?: SQSClient | undefined;
  /**
   * Logger for every listener that does not bring its own: a {@link Logger}, or a pino or
   * bunyan logger as it is. Each listener's lines carry `listener` and `queue`.
   */
  logger?: Logger | undefined;
  /**
   * Level of the default logger. Env `LOG_LEVEL` (any case; TRACE and FATAL are read as DEBUG
   * and ERROR), default INFO.
   */
  logLevel?: LogLevel | undefined;
  /**
   * The default logger's lines: `'text'` (default), or `'json'`: one object per line on stderr
   * with `time`, `level`, `msg`, `listener`, `queue`, the fields, and errors with their stack
   * and cause chain; what CloudWatch Logs Insights reads by itself. Env `LOG_FORMAT`.
   */
  logFormat?: LogFormat | undefined;
  /**
   * Seconds between each listener's INFO `summary` line (messages received, deleted, given
   * back, handler calls and errors since the last one). 0 turns it off. Env
   * `LOG_SUMMARY_SECS`, default 60.
   */
  logSummaryEverySecs?: number | undefined;
  /** The listeners to run. Default: every one registered with `sqsListener()`. */
  listeners?: readonly RegisteredListener[] | undefined;
  /**
   * Where environment settings are read (`SHUTDOWN_TIMEOUT`, `LOG_LEVEL`, `QUEUE_URL`, …) instead
   * of `process.env`: a test, or an app that keeps its configuration elsewhere. Default
   * `process.env`.
   */
  env?: Env | undefined;
  /**
   * Serve `/health` (200 while polling works; 503 while draining, after receives failed for
   * `unhealthyAfterSecs`, or when a listener with free slots got no receive through for
   * `stuckAfterSecs`) and `/metrics` (Prometheus text format) on this port while the run
   * lasts. Off by default.
   */
  health?: HealthOptions | undefined;
  /**
   * ECS task scale-in protection: when `ECS_AGENT_URI` is set, protect the task while messages
   * are in flight, and unprotect it after `idleMs` idle or when draining starts. `true` or
   * {@link TaskProtectionOptions}; env `TASK_PROTECTION`. Off by default.
   */
  taskProtection?: boolean | TaskProtectionOptions | undefined;
  /**
   * `'emf'`: write CloudWatch Embedded Metric Format lines to stdout every `emf.interval`
   * seconds (default 60) and once at the end, one per listener, with the numbers `/metrics`
   * serves: CloudWatch metrics on Fargate with no scraper or agent (see docs/metrics.md).
   * Env `METRICS` (`emf` or `none`). Default `'none'`.
   *
   * @example
   * ```ts
   * await runListeners({ metrics: 'emf', emf: { namespace: 'Orders', interval: 60 } });
   * ```
   */
  metrics?: 'emf' | 'none' | undefined;
  /** Interval, namespace and output of `metrics: 'emf'`; see {@link EmfOptions}. */
  emf?: EmfOptions | undefined;
}

/** What `runListeners()` reports for each listener when the run ends. */
export interface ListenerRunReport {
  name: string;
  queueUrl: string;
  /** Counts from the listener; zero when it had not returned by the shutdown deadline. */
  result: ListenerResult;
  stats: StreamStats;
  /** Handler calls: errors and a duration summary. */
  handler: HandlerStats;
  /** Handlers were still running when the shutdown deadline passed. */
  timedOut: boolean;
  /**
   * Handler calls that had not returned when this listener's run ended: past the shutdown
   * deadline (their messages were released), or given up on by `handlerTimeout`. Oldest first.
   */
  abandoned: RunningHandlerCall[];
}

/**
 * After a signal stop that abandoned handlers, how long the process may outlive the run before
 * the runner exits it: long enough for the user's cleanup after `await runListeners()`, short
 * against ECS's 30 s between SIGTERM and SIGKILL.
 */
const EXIT_GRACE_MS = 1000;

/**
 * Runs every registered listener (or `options.listeners`) until SIGTERM/SIGINT or
 * `options.signal`, then drains: stop receiving, release what no handler got, let running
 * handlers finish up to `shutdownTimeout`, flush. Rejects when a listener fails for good.
 *
 * @example
 * ```ts
 * sqsListener({ queueUrl: process.env.ORDERS_QUEUE_URL }, handleOrder);
 * const reports = await runListeners({ shutdownTimeout: 20, health: { port: 8080 } });
 * for (const r of reports) console.log(r.name, r.result);
 * ```
 */
export async function runListeners(
  options: RunListenersOptions = {},
): Promise<ListenerRunReport[]> {
  // A misspelt option would otherwise keep its default without a word: checked before anything.
  checkRunListenersOptionNames(options);
  const env = options.env ?? process.env;
  const registrations = options.listeners ?? registeredListeners();
  const shutdownTimeout = resolveNumber(SHUTDOWN_TIMEOUT, options.shutdownTimeout, env);
  const runLogger =
    resolveLoggerOption(options.logger) ??
    createDebugLogger({
      component: 'runner',
      level: options.logLevel,
      defaultLevel: 'INFO',
      format: options.logFormat,
      env,
    });
  if (registrations.length === 0) {
    throw new ConfigError({
      option: 'listeners',
      value: 0,
      allowed: 'at least one listener registered with sqsListener()',
      from: 'option',
    });
  }

  const controller = new AbortController();
  let ownedClient: SQSClient | undefined;
  const sharedClient = () => {
    if (options.client) return options.client;
    ownedClient ??= createSqsClient();
    return ownedClient;
  };
  // Resolve and validate every listener before starting any: a bad setting stops start-up.
  let prepared: Prepared[];
  let protection: TaskProtectionSettings | undefined;
  let emf: ReturnType<typeof resolveEmf>;
  try {
    protection = resolveTaskProtection(options.taskProtection, env, runLogger);
    emf = resolveEmf(options.metrics, options.emf, env);
    // Registrations built by hand (`listeners: [{ options, handler }]`) skipped sqsListener().
    for (const r of registrations) checkListenerRegistration(r.options);
    prepared = registrations.map((r) =>
      prepare(r, {
        logger: options.logger,
        logLevel: options.logLevel,
        logFormat: options.logFormat,
        logSummaryEverySecs: options.logSummaryEverySecs,
        env,
        shutdownTimeout,
        signal: controller.signal,
        sharedClient,
      }),
    );
    if (emf) for (const p of prepared) checkEmfDimension(p.name);
    // Queues given by name: every URL is looked up before any listener starts, so a missing
    // queue stops start-up instead of one listener failing while the others run.
    await Promise.all(prepared.map(resolveQueueUrlOf));
  } catch (error) {
    runLogger.error('invalid configuration; not starting', { error: toError(error) });
    ownedClient?.destroy();
    throw error;
  }
  let health: HealthServer | undefined;
  if (options.health) {
    try {
      const cycles = prepared.map((p) => p.stream.config);
      health = await startHealthServer(options.health, {
        startedAtMs: Date.now(),
        stuckAfterMs: resolveStuckAfterSecs(options.health, env, cycles) * 1000,
        draining: () => controller.signal.aborted,
        listeners: () => prepared.map(metricsOf),
      });
      runLogger.info('health endpoint listening', { url: health.url });
    } catch (error) {
      runLogger.error('health endpoint could not start; not starting', { error: toError(error) });
      ownedClient?.destroy();
      throw error;
    }
  }

  const emfReporter =
    emf &&
    new EmfReporter(
      emf,
      () => prepared.map(metricsOf),
      () => controller.signal.aborted,
      runLogger,
    );

  const finished = new Map<Prepared, ListenerRunReport>();
  let deadline: NodeJS.Timeout | undefined;
  let deadlinePassed: (() => void) | undefined;
  const pastDeadline = new Promise<void>((resolve) => {
    deadlinePassed = resolve;
  });
  const stop = (why: string) => {
    if (controller.signal.aborted) return;
    runLogger.info(`${why}; draining…`, { shutdownTimeoutSecs: shutdownTimeout });
    // Armed before draining starts, so a handler that never returns cannot hold the run.
    deadline = setTimeout(
      () => {
        const abandonedMessageIds = prepared.flatMap((p) =>
          finished.has(p) ? [] : p.timer.running().flatMap((c) => c.messageIds),
        );
        runLogger.warn(
          'shutdown timeout passed; handlers still running were abandoned and their messages released',
          { abandonedMessageIds },
        );
        deadlinePassed?.();
      },
      (shutdownTimeout + 1) * 1000,
    );
    deadline.unref();
    controller.abort();
  };
  const onUserAbort = () => stop('Stop requested');
  options.signal?.addEventListener('abort', onUserAbort, { once: true });
  if (options.signal?.aborted) stop('Stop requested');
  let signals: StopSignalHandle | undefined;
  let stoppedBySignal = false;
  if (options.handleSignals !== false) {
    signals = onStopSignals({
      first: (name) => {
        stoppedBySignal = true;
        stop(`Stop signal received (${name})`);
      },
      second: (name) => {
        runLogger.error(`Second ${name} received; exiting now`);
      },
      repeated: (name) => {
        runLogger.info(
          `${name} repeated within ${REPEAT_WINDOW_MS} ms; taken as the same stop request`,
        );
      },
    });
  }

  // The run holds the process until it resolves. Lease timers are unref'd and a handler awaiting
  // a promise that never settles holds no handle: without this, once the stream has nothing to
  // receive (workers busy, buffer full, or draining), Node would exit with code 13 on the
  // unsettled top-level await, and neither the drain nor the user's cleanup would run.
  const keepAlive = setInterval(() => {}, 1 << 30);
  const protector =
    protection &&
    startTaskProtection(
      protection,
      prepared.map((p) => p.stream),
      runLogger,
      controller.signal,
    );
  try {
    const reports = prepared.map(async (p): Promise<ListenerRunReport> => {
      try {
        // The same run as a createListener() handle's: log, listen, drain.
        const result = await runPrepared(p);
        const report = reportOf(p, result, false);
        finished.set(p, report);
        return report;
      } catch (error) {
        p.logger.error('listener failed; stopping every listener', { error: toError(error) });
        stop(`Listener ${p.name} failed`);
        throw error;
      }
    });
    // If a listener fails, let the others drain before reporting the failure.
    const all = Promise.all(reports);
    all.catch(() => {});
    const drained = Promise.allSettled(reports).then(() => all);
    const outcome = await Promise.race([drained, pastDeadline.then(() => undefined)]);
    if (outcome !== undefined) {
      runLogger.info('all listeners drained');
      return outcome;
    }
    if (stoppedBySignal) {
      // The process was told to stop, and abandoned handlers (ignoring their signal) may keep
      // it alive. Exit shortly unless it ends by itself; unref'd, so it never holds it up.
      setTimeout(() => {
        runLogger.warn(
          'abandoned handlers keep the process alive after the shutdown timeout; exiting',
        );
        process.exit();
      }, EXIT_GRACE_MS).unref();
    }
    return prepared.map((p) => finished.get(p) ?? reportOf(p, emptyResult(), true));
  } finally {
    clearInterval(keepAlive);
    if (deadline) clearTimeout(deadline);
    options.signal?.removeEventListener('abort', onUserAbort);
    signals?.remove();
    // After the drain: the last document counts the final deletes.
    emfReporter?.close();
    await protector?.close();
    await health?.close();
    ownedClient?.destroy();
  }
}

/** A listener's numbers now, for `/metrics` and EMF. */
function metricsOf(p: Prepared): ListenerMetrics {
  return {
    name: p.name,
    queueUrl: p.queueUrl,
    stats: p.stream.stats(),
    handler: p.timer.snapshot(),
  };
}
