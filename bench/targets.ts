/**
 * The targets of issues 5 and 14, checked against one run's summaries. Ratios use medians of the
 * same run, never figures from another machine; the one exception is a "no slower than today"
 * target, which compares with a figure recorded in bench/baseline.json on this machine. Missing
 * a target is reported, not fatal (a shared machine may be busy); losing messages is what fails
 * a run. A target that cannot be checked yet (its workload or option is missing) shows n/a.
 *
 * Updating the baseline: `npx tsx bench/run.ts --workload core-sequential --record-baseline`
 * (on a quiet machine; it rewrites only the recorded figures of the workloads that ran). Do it
 * before a change that must not slow them down, never to make a missed target hold.
 */
import os from 'node:os';
import { resolveNumber, SPECS } from '../src/shared/config.js';
import type { ContestantEntry } from './contestants/index.js';
import { BASELINE } from './contestants/index.js';
import type { Summary } from './report.js';
import type { Workload } from './workloads.js';

export interface Check {
  target: string;
  contestant: string;
  value: string;
  limit: string;
  /** undefined: not checkable in this run (n/a), e.g. a workload or option is missing. */
  ok: boolean | undefined;
}

interface WorkloadOutput {
  workload: Workload;
  summaries: Summary[];
}

/** Where recorded figures live, relative to bench/. */
export const BASELINE_FILE = 'baseline.json';

/** A figure recorded on an earlier run of this machine, keyed `workload/contestant`. */
export interface RecordedFigure {
  msgsPerSec: number;
  messages: number;
  date: string;
  node: string;
  cpus: number;
}
export type Baselines = Record<string, RecordedFigure>;

/** The figures `--record-baseline` records: throughput that a later change must keep. */
const RECORDED = [{ workload: 'core-sequential', contestant: 'core-awaited' }];
/** "Within 5 % of today's": no more than 5 % slower than the recorded figure. */
const RECORDED_MIN_RATIO = 0.95;

/** Baselines with this run's figures for the recorded pairs that ran (others kept). */
export function recordBaselines(
  outputs: WorkloadOutput[],
  previous: Baselines,
  date: string,
): Baselines {
  const next: Baselines = { ...previous };
  for (const { workload, contestant } of RECORDED) {
    const o = outputs.find((x) => x.workload.name === workload);
    const s = o?.summaries.find((x) => x.contestant === contestant);
    if (!o || !s || s.failed > 0 || Number.isNaN(s.msgsPerSec.median)) continue;
    next[`${workload}/${contestant}`] = {
      msgsPerSec: Math.round(s.msgsPerSec.median * 100) / 100,
      messages: o.workload.messages,
      date,
      node: process.version,
      cpus: os.cpus().length,
    };
  }
  return next;
}

/** The modes the issue sets targets for. */
const TARGETED = ['per-message', 'batch'];
/** Targets about every way of consuming (idle, memory): the core too. */
const ALL_MODES = [...TARGETED, 'core'];
/** Issue 14: drain-latency ≥ this × the same contestant's loopback drain-noop rate. */
const LATENCY_MIN_OF_LOOPBACK = 0.8;
/** Issue 14: drain-latency ≥ this × the raw 4-loop, paired within a repeat. */
const LATENCY_MIN_OVER_RAW = 3;
/** Issue 14: idle CPU ≤ this × the lowest peer's. */
const IDLE_CPU_FACTOR = 1.5;
/** Issue 14: a sequential loop with un-awaited acks. */
const SEQUENTIAL_MAX_REQ_PER_MSG = 0.25;
/** Issue 14: drain-noop CPU ≤ this × the raw loop requesting the same attributes (raw-sdk). */
const RAW_CPU_FACTOR = 1.05;
/** Issue 14: large peak RSS ≤ maxInFlightBytes + this many MB. */
const LARGE_RSS_HEADROOM_MB = 150;
const MAX_REQ_PER_MSG = 0.21;
const DRAIN_IO_MIN_MSGS_PER_SEC = 475;
/** "Wall time ≈ one handler duration": a receive and a delete on top, no second round. */
const LONG_JOBS_WALL_FACTOR = 1.2;
/**
 * Backlog RSS "independent of backlog size": 100k within this factor of 10k. Peak RSS includes
 * garbage V8 has not collected yet, and a 10× longer run gives its heuristics room to grow the
 * heap (measured: heap after GC flat at ~12.6 MB from 10k to 60k handled, RSS 132–152 MB).
 * Anything retained per message would add ~2 KB × 90,000 ≈ 180 MB, far beyond this factor.
 */
const BACKLOG_RSS_FACTOR = 1.25;
/** What survives a full GC after the run: the library's retained memory, flat with the backlog. */
const BACKLOG_HEAP_FACTOR = 1.1;

const VISIBILITY = ['ChangeMessageVisibilityBatch', 'ChangeMessageVisibility'];

export function checkTargets(
  outputs: WorkloadOutput[],
  entries: ContestantEntry[],
  baselines: Baselines = {},
): Check[] {
  const checks: Check[] = [];
  const find = (w: string) => outputs.find((o) => o.workload.name === w);
  const peers = (o: WorkloadOutput) =>
    o.summaries.filter(
      (s) => entries.find((e) => e.name === s.contestant)?.kind === 'peer' && s.failed < s.runs,
    );
  const add = (
    target: string,
    contestant: string,
    value: number,
    limit: number,
    ok: boolean,
    d = 3,
  ) => checks.push({ target, contestant, value: value.toFixed(d), limit: limit.toFixed(d), ok });
  const notYet = (target: string, contestant: string, value: string, why: string) =>
    checks.push({ target, contestant, value, limit: why, ok: undefined });

  for (const name of ['drain-noop', 'drain-io']) {
    const o = find(name);
    if (!o) continue;
    for (const s of o.summaries.filter((x) => TARGETED.includes(x.contestant))) {
      const rpm = s.requestsPerMsg.median;
      add(
        `${name} req/msg ≤ ${MAX_REQ_PER_MSG}`,
        s.contestant,
        rpm,
        MAX_REQ_PER_MSG,
        rpm <= MAX_REQ_PER_MSG,
      );
    }
  }

  const noop = find('drain-noop');
  if (noop) {
    const ps = peers(noop);
    const bestRate = Math.max(...ps.map((p) => p.msgsPerSec.median));
    const bestCpu = Math.min(...ps.map((p) => p.cpuSecondsPer1k.median));
    for (const s of noop.summaries.filter((x) => TARGETED.includes(x.contestant))) {
      if (ps.length > 0) {
        const rate = s.msgsPerSec.median;
        add('drain-noop msgs/s ≥ best peer', s.contestant, rate, bestRate, rate >= bestRate, 0);
        const cpu = s.cpuSecondsPer1k.median;
        add('drain-noop CPU s/1k ≤ best peer', s.contestant, cpu, bestCpu, cpu <= bestCpu);
      }
      if (s.ratioToBaseline) {
        const r = s.ratioToBaseline.median;
        add(`drain-noop msgs/s ≥ 0.9 × ${BASELINE} (paired)`, s.contestant, r, 0.9, r >= 0.9, 2);
        // Issue 14: raw-sdk requests All attributes, as the library does.
        add(`drain-noop msgs/s ≥ ${BASELINE} (paired)`, s.contestant, r, 1, r >= 1, 2);
      }
      const raw = noop.summaries.find((x) => x.contestant === BASELINE && x.failed < x.runs);
      if (raw) {
        const cpu = s.cpuSecondsPer1k.median;
        const limit = raw.cpuSecondsPer1k.median * RAW_CPU_FACTOR;
        add(
          `drain-noop CPU s/1k ≤ ${RAW_CPU_FACTOR} × ${BASELINE}`,
          s.contestant,
          cpu,
          limit,
          cpu <= limit,
        );
      }
    }
  }

  const latency = find('drain-latency');
  if (latency) {
    const delay = latency.workload.requestDelayMs ?? 0;
    for (const s of latency.summaries.filter((x) => TARGETED.includes(x.contestant))) {
      const rate = s.msgsPerSec.median;
      const loopback = noop?.summaries.find((x) => x.contestant === s.contestant);
      const label = `drain-latency (${delay} ms) msgs/s ≥ ${LATENCY_MIN_OF_LOOPBACK} × own drain-noop`;
      if (loopback && !Number.isNaN(loopback.msgsPerSec.median)) {
        const limit = loopback.msgsPerSec.median * LATENCY_MIN_OF_LOOPBACK;
        add(label, s.contestant, rate, limit, rate >= limit, 0);
      } else {
        notYet(label, s.contestant, rate.toFixed(0), 'n/a: drain-noop not in this run');
      }
      const r = s.ratioToBaseline?.median;
      const rawLabel = `drain-latency msgs/s ≥ ${LATENCY_MIN_OVER_RAW} × ${BASELINE} 4-loop (paired)`;
      if (r === undefined) notYet(rawLabel, s.contestant, 'n/a', `n/a: no ${BASELINE} run`);
      else add(rawLabel, s.contestant, r, LATENCY_MIN_OVER_RAW, r >= LATENCY_MIN_OVER_RAW, 2);
    }
  }

  const idle = find('idle');
  if (idle) {
    const w = idle.workload;
    const wait = w.waitSecs ?? 1;
    const windowSecs = (w.durationMs ?? 0) / 1000;
    // One poll per waitTime per stream, and the one that may just have started at the end.
    const maxReceives = Math.floor(windowSecs / wait) + 1;
    const ps = peers(idle);
    const best = ps.reduce<Summary | undefined>(
      (a, p) => (a && a.cpuSeconds.median <= p.cpuSeconds.median ? a : p),
      undefined,
    );
    for (const s of idle.summaries.filter((x) => ALL_MODES.includes(x.contestant))) {
      if (s.failed === s.runs) continue;
      const receives = s.requestsByAction.ReceiveMessage ?? 0;
      add(
        `idle ReceiveMessage in ${windowSecs} s ≤ 1 per ${wait} s poll (+1), 1 stream`,
        s.contestant,
        receives,
        maxReceives,
        receives <= maxReceives,
        0,
      );
      if (best) {
        const cpu = s.cpuSeconds.median;
        const limit = best.cpuSeconds.median * IDLE_CPU_FACTOR;
        add(
          `idle CPU s ≤ ${IDLE_CPU_FACTOR} × lowest peer (${best.contestant})`,
          s.contestant,
          cpu,
          limit,
          cpu <= limit,
        );
      }
    }
  }

  const sequential = find('core-sequential');
  if (sequential) {
    const core = sequential.summaries.find((x) => x.contestant === 'core' && x.failed < x.runs);
    if (core) {
      const rpm = core.requestsPerMsg.median;
      add(
        `core-sequential (ack not awaited) req/msg ≤ ${SEQUENTIAL_MAX_REQ_PER_MSG}`,
        'core',
        rpm,
        SEQUENTIAL_MAX_REQ_PER_MSG,
        rpm <= SEQUENTIAL_MAX_REQ_PER_MSG,
      );
    }
    for (const { workload, contestant } of RECORDED.filter(
      (x) => x.workload === 'core-sequential',
    )) {
      const s = sequential.summaries.find((x) => x.contestant === contestant && x.failed < x.runs);
      if (!s) continue;
      const recorded = baselines[`${workload}/${contestant}`];
      const label = `${workload} (ack awaited) msgs/s ≥ ${RECORDED_MIN_RATIO} × recorded`;
      const rate = s.msgsPerSec.median;
      if (!recorded) {
        notYet(label, contestant, rate.toFixed(1), `n/a: nothing in bench/${BASELINE_FILE}`);
        continue;
      }
      const limit = recorded.msgsPerSec * RECORDED_MIN_RATIO;
      add(
        `${label} (${recorded.msgsPerSec} on ${recorded.date.slice(0, 10)})`,
        contestant,
        rate,
        limit,
        rate >= limit,
        1,
      );
    }
  }

  const big = find('large');
  for (const s of big?.summaries.filter((x) => ALL_MODES.includes(x.contestant)) ?? []) {
    if (s.failed === s.runs) continue;
    const rss = s.peakRssMb.median;
    const label = `large peak RSS MB ≤ maxInFlightBytes + ${LARGE_RSS_HEADROOM_MB} MB`;
    // The contestant's own setting, else the library's default (or MAX_IN_FLIGHT_BYTES in the
    // environment the children inherit).
    const bytes =
      Number(s.options.maxInFlightBytes) ||
      resolveNumber(SPECS.maxInFlightBytes, undefined, process.env);
    // Peak RSS is reported in MiB (bytes / 2^20), so is the budget here.
    const limit = bytes / 1_048_576 + LARGE_RSS_HEADROOM_MB;
    add(label, s.contestant, rss, limit, rss <= limit, 0);
  }

  const io = find('drain-io');
  for (const s of io?.summaries.filter((x) => TARGETED.includes(x.contestant)) ?? []) {
    const rate = s.msgsPerSec.median;
    add(
      `drain-io msgs/s ≥ ${DRAIN_IO_MIN_MSGS_PER_SEC}`,
      s.contestant,
      rate,
      DRAIN_IO_MIN_MSGS_PER_SEC,
      rate >= DRAIN_IO_MIN_MSGS_PER_SEC,
      0,
    );
  }

  const long = find('long-jobs');
  if (long) {
    const w = long.workload;
    // One request per 10 leases per extension round; a round every heartbeat interval at most.
    const rounds = Math.floor(w.handlerMs / 1000 / w.heartbeatSecs);
    const maxVisibility = Math.ceil(w.messages / 10) * rounds;
    for (const s of long.summaries.filter((x) => TARGETED.includes(x.contestant))) {
      add('long-jobs duplicates = 0', s.contestant, s.duplicates, 0, s.duplicates === 0, 0);
      add('long-jobs library errors = 0', s.contestant, s.errors, 0, s.errors === 0, 0);
      const wall = s.wallSeconds.median;
      const maxWall = (w.handlerMs / 1000) * LONG_JOBS_WALL_FACTOR;
      add('long-jobs wall s ≈ one handler', s.contestant, wall, maxWall, wall <= maxWall, 2);
      const vis = VISIBILITY.reduce((a, k) => a + (s.requestsByAction[k] ?? 0), 0);
      add(
        `long-jobs visibility requests ≤ ${Math.ceil(w.messages / 10)} × ${rounds} rounds`,
        s.contestant,
        vis,
        maxVisibility,
        vis <= maxVisibility,
        0,
      );
    }
  }

  const small = find('backlog-10k');
  const large = find('backlog-100k');
  if (small && large) {
    for (const s of large.summaries.filter((x) => TARGETED.includes(x.contestant))) {
      const base = small.summaries.find((x) => x.contestant === s.contestant);
      if (!base) continue;
      const ratio = s.peakRssMb.median / base.peakRssMb.median;
      add(
        'backlog peak RSS 100k ÷ 10k',
        s.contestant,
        ratio,
        BACKLOG_RSS_FACTOR,
        ratio <= BACKLOG_RSS_FACTOR,
        2,
      );
      const heapRatio = s.heapAfterGcMb.median / base.heapAfterGcMb.median;
      add(
        'backlog heap after GC 100k ÷ 10k',
        s.contestant,
        heapRatio,
        BACKLOG_HEAP_FACTOR,
        heapRatio <= BACKLOG_HEAP_FACTOR,
        2,
      );
    }
  }
  return checks;
}

export function targetsTable(checks: Check[]): string {
  const rows = checks.map(
    (c) =>
      `| ${c.target} | ${c.contestant} | ${c.value} | ${c.limit} | ${c.ok === undefined ? 'n/a' : c.ok ? 'yes' : '**NO**'} |`,
  );
  return ['| target | contestant | value | limit | holds |', '|---|---|---|---|---|', ...rows].join(
    '\n',
  );
}
