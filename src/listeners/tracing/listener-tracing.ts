/**
 * One listener's tracing and metrics: `process` spans around handler calls, settle spans, and
 * the two messaging metrics, all through the optional `@opentelemetry/api`.
 *
 * Cost. `tracing: false` leaves this out entirely. Otherwise `@opentelemetry/api` is imported
 * once, when the listener starts; until a tracer or meter provider is registered, a message
 * costs one boolean read (`active`). Whether one is registered is checked at start and then
 * every second by an unref'd timer (not per message): the global tracer provider is the API's
 * `ProxyTracerProvider`, whose delegate is the API's no-op provider until an SDK registers, and
 * the global meter provider hands out the API's no-op meter until then. A provider registered
 * after the listener started is thus picked up within a second.
 */
import type {
  MeterProvider,
  Span,
  TextMapPropagator,
  Tracer,
  TracerProvider,
} from '@opentelemetry/api';
import type { LeasedMessage } from '../../core/leased-message.js';
import { SqsMessageStream } from '../../core/sqs-messages.js';
import { toError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { PipelineRun } from '../pipeline.js';
import { ATTR, type AttributeMap, errorTypeOf, QueueTraitsCache, SCOPE } from './attributes.js';
import { ProducerContextReader } from './extract.js';
import { loadApi, loadW3cPropagator, loadXrayPropagator, type OtelApi } from './load.js';
import { type ProcessMetrics, processMetrics } from './metrics.js';
import { type ResolvedTracingOptions, resolveTracingOptions } from './options.js';
import { markFailed, type SpanSettings, startProcessSpan } from './process-span.js';
import { SettleSpans } from './settle-spans.js';

/** How often to look for a provider registered (or removed) after the listener started. */
const RECHECK_MS = 1_000;
/** Where `@opentelemetry/api` 1.x keeps its registered globals (tracer, meter, propagator). */
const OTEL_GLOBALS = Symbol.for('opentelemetry.js.api.1');

interface ProcessRecord {
  span: Span | undefined;
  startMs: number;
  attributes: Readonly<AttributeMap>;
}

/** What is known once the API is loaded. */
interface Runtime {
  api: OtelApi;
  noopTracerProvider: unknown;
  tracerSource: unknown;
  tracer: Tracer | undefined;
  meterSource: unknown;
  metrics: ProcessMetrics | undefined;
  reader: ProducerContextReader | undefined;
  settle: SettleSpans;
  w3c: TextMapPropagator | undefined;
}

export interface TracingHandle {
  close(): void;
}

export class ListenerTracing {
  /** Read per message: spans or metrics are on. */
  active = false;
  private runtime: Runtime | undefined;
  private mode: 'message' | 'batch' = 'message';
  private readonly records = new WeakMap<PipelineRun, ProcessRecord>();
  /** Records not ended yet: 0 lets `end()` skip the lookup. */
  private unended = 0;
  private readonly traits = new QueueTraitsCache();
  private readonly streams = new Map<SqsMessageStream, number>();
  private timer: NodeJS.Timeout | undefined;
  /** Listener calls running (a listener may consume several sources at once). */
  private handles = 0;
  private refreshing: Promise<void> | undefined;
  private settings: SpanSettings | undefined;

  constructor(
    private readonly options: ResolvedTracingOptions,
    private readonly logger: Logger,
  ) {}

  /** Called when the listener starts consuming `source`; the handle is closed when it ends. */
  async open(
    source: AsyncIterable<LeasedMessage>,
    mode: 'message' | 'batch',
  ): Promise<TracingHandle> {
    this.mode = mode;
    const stream = source instanceof SqsMessageStream ? source : undefined;
    if (stream) this.streams.set(stream, (this.streams.get(stream) ?? 0) + 1);
    // Without anything registered there is nothing to load yet: the listener starts at once
    // (no wait on a module load) and the re-check below loads the API once a provider appears.
    if (this.wanted()) await this.refresh();
    this.handles++;
    if (this.timer === undefined) {
      this.timer = setInterval(() => void this.refresh(), RECHECK_MS);
      this.timer.unref();
    }
    let closed = false;
    return {
      close: () => {
        if (closed) return;
        closed = true;
        if (stream) {
          const left = (this.streams.get(stream) ?? 1) - 1;
          if (left > 0) this.streams.set(stream, left);
          else {
            this.streams.delete(stream);
            this.runtime?.settle.unsubscribe(stream);
          }
        }
        if (--this.handles === 0) {
          clearInterval(this.timer);
          this.timer = undefined;
          // Nothing more will be settled through this listener: forget what is left.
          this.runtime?.settle.unsubscribeAll();
        }
      },
    };
  }

  /** Re-reads the providers; loads the propagators the first time spans are on. */
  private refresh(): Promise<void> {
    this.refreshing ??= this.doRefresh()
      .catch((error) => {
        // A provider whose getTracer()/getMeter() throws: no spans or metrics, the listener runs.
        this.active = false;
        this.logger.warn('tracing: could not read the tracer or meter provider; off', {
          error: toError(error),
        });
      })
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }

  /**
   * Whether OpenTelemetry may have something to record: a provider passed in the options, or
   * anything registered in the API's globals (which the API keeps on `globalThis`, so this is
   * known without loading it).
   */
  private wanted(): boolean {
    if (this.runtime !== undefined) return true;
    if (this.options.tracerProvider || this.options.meterProvider) return true;
    const globals = (globalThis as Record<symbol, { trace?: unknown; metrics?: unknown }>)[
      OTEL_GLOBALS
    ];
    return globals?.trace !== undefined || globals?.metrics !== undefined;
  }

  private async runtimeOrLoad(): Promise<Runtime | undefined> {
    if (this.runtime !== undefined) return this.runtime;
    if (!this.wanted()) return undefined;
    const api = await loadApi(this.logger);
    if (api === undefined) return undefined;
    this.runtime ??= {
      api,
      // A fresh proxy's delegate is the API's own no-op provider: what "none registered" looks like.
      noopTracerProvider: new api.ProxyTracerProvider().getDelegate(),
      tracerSource: undefined,
      tracer: undefined,
      meterSource: undefined,
      metrics: undefined,
      reader: undefined,
      settle: new SettleSpans(api, () => this.runtime?.tracer),
      w3c: undefined,
    };
    return this.runtime;
  }

  private async doRefresh(): Promise<void> {
    const rt = await this.runtimeOrLoad();
    if (rt === undefined) return;
    const { api } = rt;
    const explicit = this.options.tracerProvider as TracerProvider | undefined;
    const provider = explicit ?? api.trace.getTracerProvider();
    const proxy = provider as unknown as { getDelegate?: () => unknown };
    const delegate =
      explicit ?? (typeof proxy.getDelegate === 'function' ? proxy.getDelegate() : provider);
    if (delegate !== rt.tracerSource) {
      const on = delegate !== rt.noopTracerProvider;
      if (on && rt.reader === undefined) {
        const [xray, w3c] = await Promise.all([
          loadXrayPropagator(this.logger),
          this.options.propagator ? undefined : loadW3cPropagator(this.logger),
        ]);
        rt.w3c = w3c;
        rt.reader = new ProducerContextReader(api, () => this.propagator(), xray);
      }
      rt.tracerSource = delegate;
      rt.tracer = on ? provider.getTracer(SCOPE) : undefined;
      this.logger.debug(on ? 'tracing: spans on' : 'tracing: no tracer provider, no spans');
    }
    const meterProvider =
      (this.options.meterProvider as MeterProvider | undefined) ?? api.metrics.getMeterProvider();
    if (meterProvider !== rt.meterSource) {
      rt.meterSource = meterProvider;
      const meter = meterProvider.getMeter(SCOPE);
      rt.metrics = meter === api.createNoopMeter() ? undefined : processMetrics(meter);
    }
    for (const stream of this.streams.keys()) {
      if (rt.tracer) rt.settle.subscribe(stream);
      else rt.settle.unsubscribe(stream);
    }
    this.active = rt.tracer !== undefined || rt.metrics !== undefined;
  }

  private propagator(): TextMapPropagator | undefined {
    const rt = this.runtime as Runtime;
    const configured = this.options.propagator as TextMapPropagator | undefined;
    if (configured) return configured;
    // The global one, unless it is the API's no-op (it has no fields): then W3C.
    return rt.api.propagation.fields().length > 0 ? rt.api.propagation : rt.w3c;
  }

  /** Calls the handler, inside a `process` span's context when spans are on. */
  call(run: PipelineRun, call: (messages: LeasedMessage[]) => unknown): unknown {
    if (!this.active) return call(run.messages);
    const rt = this.runtime as Runtime;
    const { messages } = run;
    const traits = this.traits.of(messages[0] as LeasedMessage);
    const record: ProcessRecord = {
      span: undefined,
      startMs: performance.now(),
      attributes: traits.process,
    };
    this.records.set(run, record);
    this.unended++;
    const { tracer } = rt;
    if (tracer === undefined) return call(messages);
    const { api } = rt;
    let context: ReturnType<OtelApi['trace']['setSpan']>;
    try {
      const started = startProcessSpan(this.spanSettings(rt), tracer, messages, traits);
      record.span = started.span;
      context = started.context;
    } catch (error) {
      // A broken tracer (a custom provider) must not fail the message: run it without a span.
      this.logger.warn('tracing: could not start the process span', { error: toError(error) });
      return call(messages);
    }
    return api.context.with(context, call, undefined, messages);
  }

  private spanSettings(rt: Runtime): SpanSettings {
    this.settings ??= {
      api: rt.api,
      mode: this.mode,
      parent: this.options.parent,
      settle: rt.settle,
      producerOf: (message) => {
        try {
          return rt.reader?.read(message);
        } catch (error) {
          // A producer's malformed header or a throwing custom propagator: no link, not a failure.
          this.logger.debug('tracing: could not read the producer context', {
            messageId: message.messageId,
            error: toError(error),
          });
          return undefined;
        }
      },
    };
    return this.settings;
  }

  /** After the handler's outcome is known (classify): status, end, metrics. */
  end(run: PipelineRun): void {
    if (this.unended === 0) return;
    const record = this.records.get(run);
    if (record === undefined) return;
    this.records.delete(run);
    this.unended--;
    const rt = this.runtime as Runtime;
    let errorType: string | undefined;
    if (run.failedAll) {
      errorType = run.failureKind === 'threw' ? errorTypeOf(run.error) : run.failureKind;
    } else if (run.failed !== undefined && run.failed.size > 0) {
      errorType = 'reportedFailed';
    }
    const { span } = record;
    if (span !== undefined) {
      if (errorType !== undefined) markFailed(rt.api, span, run, errorType);
      span.end();
    }
    const attributes =
      errorType === undefined
        ? record.attributes
        : { ...record.attributes, [ATTR.errorType]: errorType };
    if (rt.metrics !== undefined) {
      rt.metrics.duration.record((performance.now() - record.startMs) / 1000, attributes);
      rt.metrics.consumed.add(run.messages.length, attributes);
    }
  }
}

/** The listener's tracing, validated at start-up; `undefined` for `tracing: false`. */
export function listenerTracing(option: unknown, logger: Logger): ListenerTracing | undefined {
  const resolved = resolveTracingOptions(option);
  return resolved === undefined ? undefined : new ListenerTracing(resolved, logger);
}
