/**
 * Settle spans: one `settle <queue>` span per DeleteMessageBatch, and per
 * ChangeMessageVisibilityBatch sent for delayed nacks, linking the messages it settled (their
 * producer's context, as the messaging conventions ask; the `process` span when the producer
 * sent none). Made from the stream's `settleRequest` event, after the fact, with the request's
 * own start and end times.
 */
import type { Link, SpanContext, Tracer } from '@opentelemetry/api';
import type { SettleRequestEvent, Unsubscribe } from '../../core/events.js';
import type { SqsMessageStream } from '../../core/sqs-messages.js';
import { ATTR, settleAttributes, traitsOf } from './attributes.js';
import type { OtelApi } from './load.js';

/**
 * Messages handled but not settled yet, and what their settle span links to. Bounded: a message
 * whose end the listener never hears of (a source that is not a stream) cannot grow it forever.
 */
const MAX_REMEMBERED = 10_000;

export class SettleSpans {
  private readonly links = new Map<string, SpanContext>();

  constructor(
    private readonly api: OtelApi,
    private readonly tracer: () => Tracer | undefined,
  ) {}

  /** Whether any stream is subscribed: only then is a message remembered. */
  get listening(): boolean {
    return this.subscriptions.size > 0;
  }

  private readonly subscriptions = new Map<SqsMessageStream, Unsubscribe[]>();

  remember(messageId: string, link: SpanContext): void {
    if (this.links.size >= MAX_REMEMBERED) {
      // Oldest first: a Map iterates in insertion order.
      const oldest = this.links.keys().next().value;
      if (oldest !== undefined) this.links.delete(oldest);
    }
    this.links.set(messageId, link);
  }

  subscribe(stream: SqsMessageStream): void {
    if (this.subscriptions.has(stream)) return;
    const forget = ({ messageId }: { messageId: string }) => this.links.delete(messageId);
    this.subscriptions.set(stream, [
      stream.on('settleRequest', (event) => this.record(stream.queueUrl, event)),
      // Endings that send no settle request of ours: forget the message now.
      stream.on('lost', forget),
      stream.on('released', forget),
      stream.on('nacked', (event) => {
        if (event.delaySeconds === undefined) forget(event);
      }),
    ]);
  }

  unsubscribe(stream: SqsMessageStream): void {
    for (const stop of this.subscriptions.get(stream) ?? []) stop();
    this.subscriptions.delete(stream);
  }

  unsubscribeAll(): void {
    for (const stream of [...this.subscriptions.keys()]) this.unsubscribe(stream);
    this.links.clear();
  }

  private record(queueUrl: string, event: SettleRequestEvent): void {
    const links: Link[] = [];
    for (const id of event.messageIds) {
      const context = this.links.get(id);
      if (context === undefined) continue;
      links.push({ context });
      this.links.delete(id);
    }
    // A request for messages this listener did not handle (another consumer of the stream).
    const tracer = this.tracer();
    if (links.length === 0 || tracer === undefined) return;
    const { api } = this;
    const span = tracer.startSpan(
      traitsOf(queueUrl).settleName,
      {
        kind: api.SpanKind.CLIENT,
        startTime: event.startTime,
        links,
        attributes: settleAttributes(queueUrl, event.operation, event.messageIds.length),
      },
      api.ROOT_CONTEXT,
    );
    if (event.error !== undefined) {
      span.setAttribute(ATTR.errorType, event.error.name);
      span.setStatus({ code: api.SpanStatusCode.ERROR, message: event.error.message });
    } else if (event.failed > 0) {
      span.setAttribute(ATTR.errorType, 'EntryFailed');
      span.setStatus({
        code: api.SpanStatusCode.ERROR,
        message: `${event.failed} of ${event.messageIds.length} entries failed`,
      });
    }
    span.end(event.endTime);
  }
}
