import { trace } from '@opentelemetry/api';
import {
  ConsoleSpanExporter,
  NodeTracerProvider,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import { runListeners, sqsListener } from 'sqs-fargate-listener';

// Register a tracer provider before the listeners start (the OpenTelemetry Node SDK does the
// same): the listener finds it, no option needed. register() also installs the
// AsyncLocalStorage context manager and the W3C propagator.
const provider = new NodeTracerProvider({
  spanProcessors: [new SimpleSpanProcessor(new ConsoleSpanExporter())],
});
provider.register();

const tracer = trace.getTracer('orders');

// QUEUE_URL comes from the environment. Each message gets a `process <queue>` span, linked to
// the producer's trace (traceparent or AWSTraceHeader); `tracing: { parent: 'parent' }` would
// make the producer its parent instead, and `tracing: false` turns it off.
sqsListener({ mode: 'per_message' }, async (message) => {
  // The handler runs inside the process span: this span is its child.
  await tracer.startActiveSpan('charge order', async (span) => {
    span.setAttribute('order.body.length', message.body.length);
    span.end();
  });
});

await runListeners();
await provider.shutdown();
