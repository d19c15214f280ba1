/**
 * `npm run bench:scale [-- --quick] [--messages N] [--processes 1,2,4] [--handler-ms 0,5]
 *   [--repeats R]`
 *
 * Scale-out: N consumer processes (bench/scale-consumer.ts, each `runListeners` with a
 * per-message listener, library defaults) drain one pre-filled fauxqs queue (200-byte bodies),
 * for each N and handler time. Reports total msgs/s, each process's share of the messages,
 * duplicates, lost messages and the fauxqs process's CPU seconds: fauxqs is one Node process,
 * so on a small machine it, not the consumers, caps what more processes can add.
 *
 * The clock runs from 'go' (every consumer loaded and waiting) until GetQueueAttributes reports
 * the queue empty (every delete confirmed). Each N runs R times (default 3, 1 for --quick) and
 * the table shows the median run by msgs/s: other work on the machine skews single runs. Writes bench/results/scale-out.json
 * (scale-out.quick.json for --quick). Exits non-zero when a message was lost or left behind.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { ConsumerMessage } from './scale-consumer.js';
import { benchClient, createQueue, deleteQueue, fillQueue, messagesLeft } from './sqs.js';

const here = dirname(fileURLToPath(import.meta.url));
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    messages: { type: 'string' },
    processes: { type: 'string', default: '1,2,4' },
    'handler-ms': { type: 'string', default: '0,5' },
    repeats: { type: 'string' },
  },
});
const messages = Number(args.messages ?? (args.quick ? 2_000 : 10_000));
const processCounts = args.processes.split(',').map(Number);
const handlerTimes = args['handler-ms'].split(',').map(Number);
const repeats = Number(args.repeats ?? (args.quick ? 1 : 3));
if (!Number.isInteger(repeats) || repeats < 1) throw new Error(`--repeats: got ${args.repeats}`);
if (!Number.isInteger(messages) || messages < 1)
  throw new Error(`--messages: got ${args.messages}`);
for (const n of processCounts) {
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new Error(`--processes: got ${n} (1–64)`);
}
for (const ms of handlerTimes) {
  if (!Number.isFinite(ms) || ms < 0) throw new Error(`--handler-ms: got ${ms} (≥ 0)`);
}
const BODY_BYTES = 200;
/** A drain slower than this is a failure, not a figure. */
const TIMEOUT_MS = 180_000;

interface Server {
  endpoint: string;
  /** Collects garbage in the server, then returns its CPU seconds so far. */
  cpuSeconds: () => Promise<number>;
  stop: () => Promise<void>;
}

function forkTs(script: string, env: NodeJS.ProcessEnv, nodeFlags: string[] = []): ChildProcess {
  return fork(join(here, script), [], {
    execArgv: ['--import', 'tsx', ...nodeFlags],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
}

/** fauxqs in its own process (bench/fauxqs-server.ts), so its CPU can be measured apart. */
async function startServer(): Promise<Server> {
  const child = forkTs('fauxqs-server.ts', {}, ['--expose-gc']);
  const endpoint = await new Promise<string>((resolve, reject) => {
    child.once('message', (m: { address: string }) => resolve(m.address));
    child.once('exit', (code) => reject(new Error(`fauxqs exited (${code})`)));
  });
  return {
    endpoint,
    cpuSeconds: () =>
      new Promise<number>((resolve) => {
        child.once('message', (m: { cpuSeconds: number }) => resolve(m.cpuSeconds));
        child.send('usage');
      }),
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send('stop');
      await exited;
    },
  };
}

interface Consumer {
  child: ChildProcess;
  handled: number;
  done: Promise<{ ids: string[]; cpuSeconds: number }>;
}

/** Starts a consumer and resolves once it is loaded and waiting for 'go'. */
async function startConsumer(endpoint: string, queueUrl: string, handlerMs: number) {
  const child = forkTs('scale-consumer.ts', {
    FAUXQS_ENDPOINT: endpoint,
    QUEUE_URL: queueUrl,
    HANDLER_MS: String(handlerMs),
    AWS_REGION: 'us-east-1',
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  let ready!: () => void;
  const loaded = new Promise<void>((resolve) => {
    ready = resolve;
  });
  const consumer: Consumer = {
    child,
    handled: 0,
    done: new Promise((resolve, reject) => {
      child.on('message', (m: ConsumerMessage) => {
        if (m.type === 'ready') ready();
        if (m.type === 'progress') consumer.handled = m.handled;
        if (m.type === 'done') resolve(m);
      });
      child.once('exit', (code) =>
        reject(new Error(`consumer exited (${code}) before reporting\n${stderr.slice(-2000)}`)),
      );
    }),
  };
  // A consumer that dies while loading fails the run rather than hanging it.
  await Promise.race([loaded, consumer.done.then(() => undefined)]);
  return consumer;
}

export interface ScaleRun {
  processes: number;
  handlerMs: number;
  messages: number;
  seconds: number;
  msgsPerSec: number;
  /** Messages each process handled (duplicates included). */
  perProcess: number[];
  duplicates: number;
  lost: number;
  /** Still in the queue after the consumers stopped. */
  left: number;
  serverCpuSeconds: number;
  consumersCpuSeconds: number;
}

async function runOnce(server: Server, processes: number, handlerMs: number): Promise<ScaleRun> {
  const admin = benchClient(server.endpoint);
  const queueUrl = await createQueue(admin, `scale-${randomUUID().slice(0, 8)}`, 60);
  await fillQueue(admin, queueUrl, messages, BODY_BYTES);
  const consumers = await Promise.all(
    Array.from({ length: processes }, () => startConsumer(server.endpoint, queueUrl, handlerMs)),
  );
  const cpuBefore = await server.cpuSeconds();
  const started = performance.now();
  for (const c of consumers) c.child.send('go');
  const deadline = Date.now() + TIMEOUT_MS;
  while ((await messagesLeft(admin, queueUrl)) > 0) {
    if (Date.now() > deadline) throw new Error(`N=${processes}: not drained in ${TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const seconds = (performance.now() - started) / 1000;
  const serverCpuSeconds = (await server.cpuSeconds()) - cpuBefore;
  for (const c of consumers) c.child.send('stop');
  const results = await Promise.all(consumers.map((c) => c.done));
  const left = await messagesLeft(admin, queueUrl);
  await deleteQueue(admin, queueUrl);
  admin.destroy();

  const all = results.flatMap((r) => r.ids);
  const unique = new Set(all).size;
  return {
    processes,
    handlerMs,
    messages,
    seconds,
    msgsPerSec: messages / seconds,
    perProcess: results.map((r) => r.ids.length),
    duplicates: all.length - unique,
    lost: messages - unique,
    left,
    serverCpuSeconds,
    consumersCpuSeconds: results.reduce((sum, r) => sum + r.cpuSeconds, 0),
  };
}

const pct = (part: number, whole: number) => `${((100 * part) / whole).toFixed(0)} %`;

function table(runs: ScaleRun[]): string {
  const rows = runs.map((r) => {
    const share =
      r.processes === 1
        ? '100 %'
        : `${pct(Math.min(...r.perProcess), r.messages)}–${pct(Math.max(...r.perProcess), r.messages)}`;
    return [
      String(r.processes),
      Math.round(r.msgsPerSec).toLocaleString('en-US'),
      share,
      String(r.duplicates),
      String(r.lost),
      `${r.serverCpuSeconds.toFixed(1)} s (${pct(r.serverCpuSeconds, r.seconds)} of a core)`,
      r.consumersCpuSeconds.toFixed(1),
    ];
  });
  const head = [
    'processes',
    'msgs/s',
    'share per process',
    'duplicates',
    'lost',
    'fauxqs CPU',
    'consumers CPU s',
  ];
  return [head, head.map(() => '---'), ...rows]
    .map((cells) => `| ${cells.join(' | ')} |`)
    .join('\n');
}

async function main(): Promise<number> {
  const loadBefore = os.loadavg();
  console.log(`load average before: ${loadBefore.map((l) => l.toFixed(1)).join(' ')}`);
  const server = await startServer();
  const runs: ScaleRun[] = [];
  try {
    for (const handlerMs of handlerTimes) {
      const group: ScaleRun[] = [];
      for (const n of processCounts) {
        const tries: ScaleRun[] = [];
        for (let i = 0; i < repeats; i++) tries.push(await runOnce(server, n, handlerMs));
        runs.push(...tries);
        tries.sort((a, b) => a.msgsPerSec - b.msgsPerSec);
        group.push(tries[Math.floor(tries.length / 2)]!);
      }
      const handler = handlerMs === 0 ? 'no-op handler' : `${handlerMs} ms handler`;
      console.log(
        `\n### ${messages.toLocaleString('en-US')} messages, ${handler} (${os.cpus().length} cores)\n`,
      );
      console.log(table(group));
    }
  } finally {
    await server.stop();
  }
  const file = join(here, 'results', args.quick ? 'scale-out.quick.json' : 'scale-out.json');
  await mkdir(dirname(file), { recursive: true });
  const machine = {
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model,
    node: process.version,
    // Other work on the machine while the runs went on: the figures depend on it.
    loadAverageBefore: loadBefore,
    loadAverageAfter: os.loadavg(),
  };
  await writeFile(
    file,
    `${JSON.stringify({ date: new Date().toISOString(), machine, runs }, null, 2)}\n`,
  );
  console.log(`\nwrote ${file}`);
  const bad = runs.filter((r) => r.lost > 0 || r.left > 0);
  for (const r of bad)
    console.error(`N=${r.processes}: ${r.lost} lost, ${r.left} left in the queue`);
  return bad.length === 0 ? 0 : 1;
}

process.exitCode = await main();
