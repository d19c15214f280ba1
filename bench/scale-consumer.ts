/**
 * One consumer process of the scale-out benchmark (bench/scale-out.ts): a per-message listener
 * registered with sqsListener() and `runListeners()`, as an ECS task would run it. The queue and
 * settings come from the environment (QUEUE_URL, FAUXQS_ENDPOINT, HANDLER_MS).
 *
 * IPC with the orchestrator:
 * → { type: 'ready' } once loaded (module loading is not charged to the run);
 * ← 'go': start runListeners(); → { type: 'progress', handled } every 100 ms;
 * ← 'stop': stop (as an AbortSignal would), then → { type: 'done', ids, cpuSeconds } with every
 *   message id the handler saw (duplicates included) and the CPU spent since 'go'; then exit.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { type LeasedMessage, runListeners, sqsListener } from '../src/index.js';

export type ConsumerMessage =
  | { type: 'ready' }
  | { type: 'progress'; handled: number }
  | { type: 'done'; ids: string[]; cpuSeconds: number };

const send = (message: ConsumerMessage) => process.send?.(message);
const handlerMs = Number(process.env.HANDLER_MS ?? '0');
const ids: string[] = [];

const client = new SQSClient({
  endpoint: process.env.FAUXQS_ENDPOINT,
  region: 'us-east-1',
  credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
});

sqsListener({ client }, async (m: LeasedMessage) => {
  if (handlerMs > 0) await new Promise((resolve) => setTimeout(resolve, handlerMs));
  ids.push(m.messageId);
});

const stop = new AbortController();
process.on('message', (message: unknown) => {
  if (message === 'go') void run();
  if (message === 'stop') stop.abort();
});
// The orchestrator went away: do not linger.
process.on('disconnect', () => stop.abort());

async function run(): Promise<void> {
  const cpuAtGo = process.cpuUsage();
  const progress = setInterval(() => send({ type: 'progress', handled: ids.length }), 100);
  await runListeners({ signal: stop.signal });
  clearInterval(progress);
  const cpu = process.cpuUsage(cpuAtGo);
  client.destroy();
  // Disconnect only once the report is written: a pending IPC message is dropped otherwise.
  process.send?.(
    { type: 'done', ids, cpuSeconds: (cpu.user + cpu.system) / 1e6 },
    undefined,
    {},
    () => process.disconnect?.(),
  );
}

send({ type: 'ready' });
