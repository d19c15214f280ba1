/**
 * `npm run bench [-- --quick] [--repeats N] [--workload a,b] [--contestant a,b] [--messages N]
 *   [--delay-ms N] [--duration S] [--record-baseline]`
 *
 * `--delay-ms` overrides the delay added before every request (drain-latency's 25 ms),
 * `--duration` a time-based workload's length (idle's 40 s). `--record-baseline` writes this
 * run's figures for the recorded targets to bench/baseline.json (see bench/targets.ts).
 *
 * Orchestrator: starts fauxqs in its own process, then for each workload and repeat runs every
 * contestant in turn (A B A B …, so slow drift of the machine hits all alike), each in a fresh
 * child process against a freshly filled queue. Checks the queue is empty afterwards, prints
 * markdown tables (results, pairwise ratios, targets) and writes bench/results/latest.json
 * (bench/results/quick.json for --quick, so CI does not overwrite the published figures).
 * Exits non-zero when a run failed, lost messages or left some in the queue, which is what
 * `--quick` in CI relies on. Targets missed are reported, not fatal: the machine may be busy.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildChildren } from './build-children.js';
import {
  BASELINE,
  CONTESTANTS,
  contestantByName,
  DEFAULT_CONTESTANTS,
} from './contestants/index.js';
import type { ChildMessage, ContestantInput, ContestantResult } from './protocol.js';
import {
  idleTable,
  markdownTable,
  pairwiseRatios,
  type RunRecord,
  type Summary,
  summarize,
} from './report.js';
import { benchClient, createQueue, deleteQueue, fillQueue, messagesLeft } from './sqs.js';
import {
  BASELINE_FILE,
  type Baselines,
  checkTargets,
  recordBaselines,
  targetsTable,
} from './targets.js';
import { effectiveWorkload, WORKLOADS, type Workload } from './workloads.js';

const here = dirname(fileURLToPath(import.meta.url));
const childEnv = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    repeats: { type: 'string' },
    workload: { type: 'string', default: Object.keys(WORKLOADS).join(',') },
    // Default: each workload's own list (all but the opt-in contestants, or the library's for
    // backlog, or core / core-awaited / raw-sdk for core-sequential).
    contestant: { type: 'string' },
    messages: { type: 'string' },
    'delay-ms': { type: 'string' },
    duration: { type: 'string' },
    'record-baseline': { type: 'boolean', default: false },
  },
});
if (args['record-baseline'] && args.quick) {
  throw new Error(
    '--record-baseline: not with --quick (its counts are too small to be a baseline)',
  );
}

const repeatsOverride = args.repeats === undefined ? undefined : Number(args.repeats);
if (repeatsOverride !== undefined && (!Number.isInteger(repeatsOverride) || repeatsOverride < 1)) {
  throw new Error(`--repeats: got ${args.repeats}`);
}
const workloads = args.workload.split(',').map((name) => {
  const w = WORKLOADS[name];
  if (!w) throw new Error(`unknown workload ${name}; known: ${Object.keys(WORKLOADS).join(', ')}`);
  const effective = effectiveWorkload(w, args.quick);
  if (args.messages && effective.durationMs === undefined)
    effective.messages = Number(args.messages);
  if (repeatsOverride) effective.repeats = repeatsOverride;
  if (args['delay-ms'] !== undefined) effective.requestDelayMs = Number(args['delay-ms']);
  if (args.duration !== undefined && effective.durationMs !== undefined) {
    effective.durationMs = Number(args.duration) * 1000;
  }
  return effective;
});
const contestantsFor = (w: Workload) =>
  (args.contestant?.split(',') ?? w.contestants ?? DEFAULT_CONTESTANTS).map(contestantByName);

/** The fauxqs server runs its TypeScript through tsx's loader, like the parent. */
function forkTs(script: string, argv: string[], nodeFlags: string[] = []): ChildProcess {
  return fork(join(here, script), argv, {
    execArgv: ['--import', 'tsx', ...nodeFlags],
    env: childEnv,
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
}

/** Contestants run compiled, on plain node (see build-children.ts). */
const contestantScript = await buildChildren();

interface Server {
  endpoint: string;
  /** Collects garbage in the server, then returns its CPU seconds so far. */
  cpuSeconds: () => Promise<number>;
  stop: () => Promise<void>;
}

async function startServer(): Promise<Server> {
  const child = forkTs('fauxqs-server.ts', [], ['--expose-gc']);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const endpoint = await new Promise<string>((resolve, reject) => {
    child.once('message', (m: { address: string }) => resolve(m.address));
    child.once('exit', (code) => reject(new Error(`fauxqs exited (${code}): ${stderr}`)));
  });
  const stop = async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.send('stop');
    await exited;
  };
  const cpuSeconds = () =>
    new Promise<number>((resolve) => {
      child.once('message', (m: { cpuSeconds: number }) => resolve(m.cpuSeconds));
      child.send('usage');
    });
  return { endpoint, cpuSeconds, stop };
}

/** Runs one contestant child; resolves with its result or throws with why it failed. */
function runChild(input: ContestantInput, timeoutMs: number): Promise<ContestantResult> {
  return new Promise((resolve, reject) => {
    // e.g. BENCH_CHILD_FLAGS='--cpu-prof --cpu-prof-dir=bench/results/profiles' to profile a run.
    const flags = [
      '--expose-gc',
      ...(process.env.BENCH_CHILD_FLAGS ?? '').split(' ').filter(Boolean),
    ];
    const child = fork(contestantScript, [JSON.stringify(input)], {
      execArgv: flags,
      env: childEnv,
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    let stderr = '';
    let message: ChildMessage | undefined;
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('message', (m: ChildMessage) => {
      message = m;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (message?.type === 'result' && code === 0) resolve(message.result);
      else if (message?.type === 'error') reject(new Error(message.message));
      else {
        const why =
          signal === 'SIGKILL' ? `timed out after ${timeoutMs} ms` : `exit ${code ?? signal}`;
        reject(new Error(`${why}${stderr ? `\n${stderr.slice(-2000)}` : ''}`));
      }
    });
  });
}

async function main(): Promise<number> {
  const server = await startServer();
  const admin = benchClient(server.endpoint);
  const records: RunRecord[] = [];
  const output: Array<{ workload: Workload; messages: number; summaries: Summary[] }> = [];
  const baselines = await readBaselines();
  const startedAt = performance.now();
  console.log(
    `# sqs-fargate-listener benchmark${args.quick ? ' (quick)' : ''}\n\n` +
      `node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), ` +
      `fauxqs 1.9.2 in its own process at ${server.endpoint}\n`,
  );
  try {
    for (const workload of workloads) {
      const { messages, repeats } = workload;
      if (args.quick && workload.skipQuick) {
        console.log(`## ${workload.name}: skipped in --quick (${workload.skipQuick})\n`);
        continue;
      }
      const contestants = contestantsFor(workload);
      const size =
        workload.durationMs === undefined
          ? `${messages} messages`
          : `${workload.durationMs / 1000} s, ${messages} messages`;
      console.log(`## ${workload.name}: ${size}, ${repeats} repeat(s); ${workload.description}\n`);
      console.log(
        `workload: ${JSON.stringify({ handlerMs: workload.handlerMs, concurrency: workload.concurrency, bodyBytes: workload.bodyBytes, visibilitySecs: workload.visibilitySecs, heartbeatSecs: workload.heartbeatSecs, waitSecs: workload.waitSecs, requestDelayMs: workload.requestDelayMs, durationMs: workload.durationMs })}`,
      );
      for (const c of contestants) {
        console.log(`- ${c.name}: ${c.description}; ${JSON.stringify(c.options(workload))}`);
      }
      console.log('');
      const runOne = async (c: (typeof contestants)[number], repeat: number) => {
        const queueUrl = await createQueue(
          admin,
          `bench-${workload.name}-${c.name}-${repeat}-${randomUUID().slice(0, 8)}`,
          workload.visibilitySecs,
        );
        await fillQueue(admin, queueUrl, messages, workload.bodyBytes);
        const record: RunRecord = {
          workload: workload.name,
          contestant: c.name,
          repeat,
          sent: messages,
          left: 0,
          lost: 0,
          serverCpuSeconds: 0,
        };
        const serverCpuBefore = await server.cpuSeconds();
        try {
          record.result = await runChild(
            {
              contestant: c.name,
              options: c.options(workload),
              workload,
              queueUrl,
              endpoint: server.endpoint,
              expected: messages,
            },
            workload.timeoutMs,
          );
        } catch (error) {
          record.error = error instanceof Error ? error.message : String(error);
        }
        // Includes the server's own GC of the run's garbage, which the run did cause. Side by
        // side, it is the whole group's (not a target there).
        record.serverCpuSeconds = (await server.cpuSeconds()) - serverCpuBefore;
        record.left = await messagesLeft(admin, queueUrl);
        record.lost = messages - (record.result?.handled ?? 0);
        await deleteQueue(admin, queueUrl);
        records.push(record);
        console.log(progressLine(record));
      };
      for (let repeat = 1; repeat <= repeats; repeat++) {
        if (workload.sideBySide) {
          await Promise.all(contestants.map((c) => runOne(c, repeat)));
          continue;
        }
        for (const c of contestants) await runOne(c, repeat);
      }
      const summaries = contestants.map((c) =>
        summarize(
          records.filter((r) => r.workload === workload.name),
          c.name,
          c.options(workload),
          BASELINE,
        ),
      );
      output.push({ workload, messages, summaries });
      if (workload.durationMs !== undefined && messages === 0) {
        // Nothing to handle: requests and CPU of the whole run, not per message.
        const window = workload.durationMs / 1000;
        console.log(`\n${idleTable(summaries, window, workload.waitSecs ?? 1)}\n`);
        continue;
      }
      console.log(`\n${markdownTable(summaries, BASELINE)}\n`);
      const ratios = pairwiseRatios(
        records.filter((r) => r.workload === workload.name),
        contestants.filter((c) => c.kind === 'library').map((c) => c.name),
        contestants.filter((c) => c.kind !== 'library').map((c) => c.name),
      );
      if (ratios) console.log(`msgs/s ratios, pair by pair within a repeat:\n\n${ratios}\n`);
    }
    const checks = checkTargets(output, CONTESTANTS, baselines);
    if (checks.length > 0) console.log(`## Targets\n\n${targetsTable(checks)}\n`);
    console.log(`total ${((performance.now() - startedAt) / 1000).toFixed(0)} s`);
  } finally {
    admin.destroy();
    await server.stop();
  }

  const file = join(here, 'results', args.quick ? 'quick.json' : 'latest.json');
  await mkdir(dirname(file), { recursive: true });
  const environment = {
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    platform: process.platform,
  };
  await writeFile(
    file,
    `${JSON.stringify({ date: new Date().toISOString(), quick: args.quick, environment, workloads: output, runs: records }, null, 2)}\n`,
  );
  console.log(`results: ${file}`);
  if (args['record-baseline']) {
    const recorded = recordBaselines(output, baselines, new Date().toISOString());
    await writeFile(join(here, BASELINE_FILE), `${JSON.stringify(recorded, null, 2)}\n`);
    console.log(`baseline: ${join(here, BASELINE_FILE)}`);
  }

  const bad = records.filter((r) => r.error || r.lost > 0 || r.left > 0);
  for (const r of bad) {
    console.error(
      `FAILED ${r.workload}/${r.contestant}#${r.repeat}: lost ${r.lost}, left ${r.left}${r.error ? `\n${r.error}` : ''}`,
    );
  }
  return bad.length === 0 ? 0 : 1;
}

/** bench/baseline.json: figures recorded on an earlier run, for "no slower than today" targets. */
async function readBaselines(): Promise<Baselines> {
  try {
    return JSON.parse(await readFile(join(here, BASELINE_FILE), 'utf8')) as Baselines;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
}

function progressLine(r: RunRecord): string {
  const head = `${r.workload} #${r.repeat} ${r.contestant}:`;
  if (!r.result) return `${head} FAILED (${r.error?.split('\n')[0]})`;
  const x = r.result;
  const total = Object.values(x.requests).reduce((a, b) => a + b, 0);
  if (r.sent === 0) {
    return (
      `${head} ${(x.wallMs / 1000).toFixed(1)} s, ${JSON.stringify(x.requests)}, CPU ${x.cpuSeconds.toFixed(3)} s, ` +
      `RSS ${x.peakRssMb.toFixed(0)} MB, fauxqs CPU ${r.serverCpuSeconds.toFixed(3)} s, handled ${x.handled}` +
      (Object.keys(x.errors).length ? `, errors ${JSON.stringify(x.errors)}` : '')
    );
  }
  return (
    `${head} ${Math.round(x.handled / (x.wallMs / 1000))} msgs/s, ${(x.wallMs / 1000).toFixed(2)} s ` +
    `(handled at ${(x.handledMs / 1000).toFixed(2)} s, then shutdown ${(x.shutdownMs / 1000).toFixed(2)} s), ${(total / x.handled).toFixed(3)} req/msg ` +
    `${JSON.stringify(x.requests)}, CPU ${x.cpuSeconds.toFixed(2)} s, RSS ${x.peakRssMb.toFixed(0)} MB, ` +
    `fauxqs CPU ${r.serverCpuSeconds.toFixed(2)} s, dup ${x.duplicates}, lost ${r.lost}, left ${r.left}` +
    (Object.keys(x.errors).length ? `, errors ${JSON.stringify(x.errors)}` : '')
  );
}

process.exitCode = await main();
