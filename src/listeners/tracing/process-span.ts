/**
 * The `process` span of one handler call: its parent and links from the producers' contexts,
 * its attributes, and its error status once the outcome is known.
 */
import type { Context, Link, Span, Tracer } from '@opentelemetry/api';
import type { LeasedMessage } from '../../core/leased-message.js';
import { toError } from '../../shared/errors.js';
import type { PipelineRun } from '../pipeline.js';
import { ATTR, type AttributeMap, type QueueTraits } from './attributes.js';
import type { ProducerContext } from './extract.js';
import type { OtelApi } from './load.js';
import type { SettleSpans } from './settle-spans.js';

/** What every span of one listener is made with. */
export interface SpanSettings {
  api: OtelApi;
  mode: 'message' | 'batch';
  parent: 'link' | 'parent';
  settle: SettleSpans;
  /** The producer's context of a message; `undefined` when there is none or it is unreadable. */
  producerOf: (message: LeasedMessage) => ProducerContext | undefined;
}

/** Starts the span; returns it with the context the handler runs in. */
export function startProcessSpan(
  settings: SpanSettings,
  tracer: Tracer,
  messages: readonly LeasedMessage[],
  traits: QueueTraits,
): { span: Span; context: Context } {
  const { api } = settings;
  let parent = api.ROOT_CONTEXT;
  let links: Link[] | undefined;
  const attributes: AttributeMap = { ...traits.process };
  const producers: Array<ProducerContext | undefined> = [];
  for (const message of messages) producers.push(settings.producerOf(message));
  if (settings.mode === 'message') {
    attributes[ATTR.messageId] = (messages[0] as LeasedMessage).messageId;
    const producer = producers[0];
    if (producer !== undefined && settings.parent === 'parent') {
      parent = producer.context;
    } else if (producer !== undefined) {
      // A consumer's work is its own trace (the conventions' advice): the producer is a link.
      links = [{ context: producer.spanContext }];
      // The producer's baggage still reaches the handler, without its trace.
      const baggage = api.propagation.getBaggage(producer.context);
      if (baggage !== undefined) parent = api.propagation.setBaggage(parent, baggage);
    }
  } else {
    // One span cannot have N parents: a batch always links, one link per traced message.
    attributes[ATTR.batchCount] = messages.length;
    links = [];
    for (const producer of producers) {
      if (producer !== undefined) links.push({ context: producer.spanContext });
    }
  }
  const span = tracer.startSpan(
    traits.processName,
    { kind: api.SpanKind.CONSUMER, attributes, links },
    parent,
  );
  if (settings.settle.listening) {
    for (let i = 0; i < messages.length; i++) {
      const message = messages[i] as LeasedMessage;
      settings.settle.remember(message.messageId, producers[i]?.spanContext ?? span.spanContext());
    }
  }
  return { span, context: api.trace.setSpan(parent, span) };
}

/** Status ERROR and `error.type`; an odd thrown value (a revoked proxy) cannot break the run. */
export function markFailed(api: OtelApi, span: Span, run: PipelineRun, errorType: string): void {
  span.setAttribute(ATTR.errorType, errorType);
  try {
    const message = run.failedAll
      ? toError(run.error).message
      : `${run.failed?.size} of ${run.messages.length} messages failed`;
    span.setStatus({ code: api.SpanStatusCode.ERROR, message });
    if (run.failureKind === 'threw' && run.error instanceof Error) span.recordException(run.error);
  } catch {
    span.setStatus({ code: api.SpanStatusCode.ERROR });
  }
}
