/**
 * `runListeners({ metrics: 'emf' })`: CloudWatch metrics with no Prometheus scraper and no
 * agent. Every `interval` seconds, one Embedded Metric Format line per listener goes to stdout;
 * on Fargate the awslogs driver sends it to CloudWatch Logs, which turns it into metrics. The
 * documents are built in emf-document.ts from the numbers `/metrics` serves.
 */
import { type Env, type NumberSpec, resolveNumber, resolveString } from '../shared/config.js';
import { ConfigError, toError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { EMF_DIMENSIONS, type EmfReading, emfDocument, readListener } from './emf-document.js';
import type { ListenerMetrics } from './prometheus.js';

/** Tuning of `metrics: 'emf'` (the `emf` option of `runListeners()`). */
export interface EmfOptions {
  /**
   * Seconds between two metric lines per listener (counters count what happened in between).
   * Env `METRICS_INTERVAL`, default 60 (CloudWatch's standard resolution), 1 to 3,600.
   */
  interval?: number | undefined;
  /**
   * CloudWatch namespace. Env `METRICS_NAMESPACE`, default `SqsFargateListener`. Up to 255
   * characters: letters, digits, `. - _ / # :` and spaces; not starting with `AWS/`.
   */
  namespace?: string | undefined;
  /**
   * Where each document goes, one JSON text without a line break. Default: a line on stdout,
   * which the awslogs log driver sends to CloudWatch Logs.
   */
  write?: ((document: string) => void) | undefined;
}

/** `metrics` and `emf`, resolved. */
export interface EmfSettings {
  intervalMs: number;
  namespace: string;
  write: (document: string) => void;
}

const INTERVAL: NumberSpec = {
  option: 'emf.interval',
  env: 'METRICS_INTERVAL',
  default: 60,
  min: 1,
  max: 3600,
  integer: false,
  unit: 'seconds',
};

/** CloudWatch's namespace rule; `AWS/` is reserved for AWS's own metrics. */
const NAMESPACE = /^(?!AWS\/)(?=.*\S)[A-Za-z0-9._\-/#: ]{1,255}$/;

/** What a dimension value may be: printable ASCII with something besides spaces, ≤ 1,024. */
const DIMENSION_VALUE = /^(?=.*\S)[\x20-\x7e]{1,1024}$/;

const METRICS_VALUES = ['emf', 'none'] as const;

/**
 * Resolves `metrics` (env `METRICS`: `emf` or `none`, default `none`) and, when it is `emf`,
 * the `emf` options. Undefined when EMF is off. Throws ConfigError for a bad value.
 */
export function resolveEmf(
  metrics: unknown,
  options: EmfOptions | undefined,
  env: Env,
): EmfSettings | undefined {
  const mode = resolveString(
    {
      option: 'metrics',
      env: 'METRICS',
      allowed: `one of ${METRICS_VALUES.map((v) => `'${v}'`).join(', ')}`,
      validate: (s) => (METRICS_VALUES as readonly string[]).includes(s),
    },
    metrics,
    env,
  );
  if (mode !== 'emf') return undefined;
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new ConfigError({
      option: 'emf',
      value: options,
      allowed: 'an object: { interval?, namespace?, write? }',
      from: 'option',
    });
  }
  const write = options?.write;
  if (write !== undefined && typeof write !== 'function') {
    throw new ConfigError({
      option: 'emf.write',
      value: typeof write,
      allowed: 'a function',
      from: 'option',
    });
  }
  const interval = resolveNumber(INTERVAL, options?.interval, env);
  const namespace =
    resolveString(
      {
        option: 'emf.namespace',
        env: 'METRICS_NAMESPACE',
        allowed:
          "a CloudWatch namespace: 1 to 255 letters, digits, '.', '-', '_', '/', '#', ':' or spaces, not starting with 'AWS/'",
        validate: (s) => NAMESPACE.test(s),
      },
      options?.namespace,
      env,
    ) ?? 'SqsFargateListener';
  return {
    intervalMs: interval * 1000,
    namespace,
    write: write ?? ((document) => process.stdout.write(`${document}\n`)),
  };
}

/**
 * Checks that a listener's name can be a CloudWatch dimension value, at start-up: CloudWatch
 * Logs would silently drop every document of a listener whose name it refuses.
 */
export function checkEmfDimension(listenerName: string): void {
  if (DIMENSION_VALUE.test(listenerName)) return;
  throw new ConfigError({
    option: 'name',
    value: listenerName,
    allowed: `printable ASCII, 1 to 1024 characters, not only spaces: with metrics 'emf' the listener name is the CloudWatch dimension ${EMF_DIMENSIONS[0]}`,
    from: 'option',
  });
}

/** Writes the documents every interval and once more at the end. */
export class EmfReporter {
  private readonly timer: NodeJS.Timeout;
  private readonly before = new Map<number, EmfReading>();
  private writeFailed = false;

  constructor(
    private readonly settings: EmfSettings,
    private readonly listeners: () => ListenerMetrics[],
    private readonly draining: () => boolean,
    private readonly logger: Logger,
  ) {
    this.timer = setInterval(() => this.flush(), settings.intervalMs);
    // Metrics never keep a process alive: the run's own keep-alive does while it lasts.
    this.timer.unref();
  }

  /** Writes one document per listener for what happened since the last flush. */
  flush(): void {
    const timestampMs = Date.now();
    const context = { namespace: this.settings.namespace, timestampMs, draining: this.draining() };
    this.listeners().forEach((listener, i) => {
      const now = readListener(listener);
      const document = emfDocument(listener, now, this.before.get(i), context);
      this.before.set(i, now);
      try {
        this.settings.write(JSON.stringify(document));
      } catch (error) {
        // Once: a closed stdout would otherwise log at every interval.
        if (this.writeFailed) return;
        this.writeFailed = true;
        this.logger.warn('could not write EMF metrics; metrics of this interval are lost', {
          error: toError(error),
        });
      }
    });
  }

  /** Stops the timer and writes the last interval (the drain included). */
  close(): void {
    clearInterval(this.timer);
    this.flush();
  }
}
