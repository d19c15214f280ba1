/**
 * The producer's trace context of a message, looked for in this order (the first valid one
 * wins):
 * 1. W3C `traceparent`/`tracestate`/`baggage` in the SQS message attributes (what the AWS SDK
 *    instrumentation injects), through the configured propagator;
 * 2. the same in an SNS envelope's `MessageAttributes`, once the SNS decoder unwrapped it (they
 *    are then what `messageAttributes()` shows);
 * 3. the `AWSTraceHeader` system attribute (X-Ray: `Root=1-…;Parent=…;Sampled=…`), which SQS
 *    sets when the producer was traced by X-Ray or Lambda's active tracing.
 * The receive already asks for `All` message and system attributes, so no propagator needs a
 * name added to the request.
 */
import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { Context, SpanContext, TextMapGetter, TextMapPropagator } from '@opentelemetry/api';
import type { LeasedMessage, MessageAttributeRecord } from '../../core/leased-message.js';
import type { OtelApi } from './load.js';

type SqsAttributes = Record<string, MessageAttributeValue>;

/** Reads String attributes; W3C names are lower case, as the SDK instrumentation sends them. */
const sqsGetter: TextMapGetter<SqsAttributes> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    return value?.DataType?.startsWith('String') ? value.StringValue : undefined;
  },
};

const simplifiedGetter: TextMapGetter<MessageAttributeRecord> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    return typeof value === 'string' ? value : undefined;
  },
};

const XRAY_KEY = 'x-amzn-trace-id';
const xrayGetter: TextMapGetter<string> = {
  keys: () => [XRAY_KEY],
  get: (carrier, key) => (key === XRAY_KEY ? carrier : undefined),
};

/** A context carrying a valid remote span context, with what it was read from. */
export interface ProducerContext {
  context: Context;
  spanContext: SpanContext;
}

export class ProducerContextReader {
  constructor(
    private readonly api: OtelApi,
    /** W3C (or whatever the user configured); `undefined`: none could be loaded. */
    private readonly propagator: () => TextMapPropagator | undefined,
    private readonly xray: TextMapPropagator | undefined,
  ) {}

  read(message: LeasedMessage): ProducerContext | undefined {
    const { api } = this;
    const root = api.ROOT_CONTEXT;
    const raw: Message = message.raw;
    const propagator = this.propagator();
    if (propagator !== undefined) {
      const attributes = raw.MessageAttributes;
      if (attributes !== undefined) {
        const found = this.valid(propagator.extract(root, attributes, sqsGetter));
        if (found) return found;
      }
      // A decoder that unwrapped an envelope replaced the body (and the attributes with the
      // envelope's): only then is there a second set to look at.
      if (message.body !== raw.Body) {
        const found = this.valid(
          propagator.extract(root, message.messageAttributes(), simplifiedGetter),
        );
        if (found) return found;
      }
    }
    const header = raw.Attributes?.AWSTraceHeader;
    if (header !== undefined && this.xray !== undefined) {
      return this.valid(this.xray.extract(root, header, xrayGetter));
    }
    return undefined;
  }

  private valid(context: Context): ProducerContext | undefined {
    const spanContext = this.api.trace.getSpanContext(context);
    if (spanContext === undefined || !this.api.isSpanContextValid(spanContext)) return undefined;
    return { context, spanContext };
  }
}
