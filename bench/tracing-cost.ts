/**
 * What tracing costs per message, on the in-memory SQS (no network, so the listener's own work
 * is what is measured): a no-op per-message handler over N messages that each carry a W3C
 * `traceparent`, in three settings, interleaved over several rounds (median reported):
 * - `tracing: false`;
 * - default tracing with no provider registered (what a user who does not trace gets);
 * - default tracing with a registered provider, SimpleSpanProcessor → InMemorySpanExporter
 *   (a process span and a settle span per 10 messages, links, context extraction).
 *
 *   npx tsx bench/tracing-cost.ts [messages=5000] [rounds=5]
 */
import { randomBytes } from 'node:crypto';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { perMessageListener, silentLogger, sqsMessages } from '../src/index.js';
import { InMemorySqs } from '../src/testing/index.js';

const messages = Number(process.argv[2] ?? 5_000);
const rounds = Number(process.argv[3] ?? 5);

type Setting = 'off' | 'no provider' | 'in-memory exporter';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const contextManager = new AsyncLocalStorageContextManager();

async function once(setting: Setting): Promise<number> {
  trace.disable();
  context.disable();
  if (setting === 'in-memory exporter') {
    context.setGlobalContextManager(contextManager.enable());
    trace.setGlobalTracerProvider(provider);
  }
  exporter.reset();
  const sqs = new InMemorySqs();
  const queueUrl = sqs.createQueue('bench');
  for (let i = 0; i < messages; i++) {
    const traceparent = `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
    sqs.sendMessage(queueUrl, `{"n":${i}}`, { messageAttributes: { traceparent } });
  }
  const controller = new AbortController();
  let handled = 0;
  const stream = sqsMessages(queueUrl, {
    client: sqs.client,
    signal: controller.signal,
    waitTime: 0,
    idleSleepMax: 0,
    logger: silentLogger,
    env: {},
  });
  const started = performance.now();
  await perMessageListener(
    () => {
      if (++handled === messages) controller.abort();
    },
    {
      workerThreads: 16,
      logger: silentLogger,
      env: {},
      tracing: setting === 'off' ? false : undefined,
    },
  )(stream);
  const elapsed = performance.now() - started;
  if (setting === 'in-memory exporter' && exporter.getFinishedSpans().length < messages) {
    throw new Error(
      `expected ${messages} process spans, got ${exporter.getFinishedSpans().length}`,
    );
  }
  return (elapsed * 1000) / messages;
}

const settings: Setting[] = ['off', 'no provider', 'in-memory exporter'];
const results = new Map<Setting, number[]>(settings.map((s) => [s, []]));
await once('off'); // warm-up: JIT, module loading
for (let r = 0; r < rounds; r++) {
  // Rotated, so that no setting always runs after the same one (GC debt, JIT state).
  for (let i = 0; i < settings.length; i++) {
    const setting = settings[(i + r) % settings.length]!;
    results.get(setting)!.push(await once(setting));
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const best = (xs: number[]) => Math.min(...xs);
const off = results.get('off')!;
console.log(`${messages} messages × ${rounds} rounds, per-message listener, no-op handler`);
console.log(`${''.padEnd(20)} median µs/msg (vs off)   best µs/msg (vs off)`);
for (const setting of settings) {
  const xs = results.get(setting)!;
  const show = (f: (xs: number[]) => number) => {
    const delta = f(xs) - f(off);
    return `${f(xs).toFixed(1).padStart(6)} (${delta >= 0 ? '+' : ''}${delta.toFixed(1)})`;
  };
  console.log(`${setting.padEnd(20)} ${show(median).padEnd(24)} ${show(best)}`);
}
console.log('µs per message = ms per 1,000 messages');
