/**
 * The targets of issue 5, checked against one run's summaries. Ratios use medians of the same
 * run, never figures from another machine. Missing a target is reported, not fatal (a shared
 * machine may be busy); losing messages is what fails a run.
 */
import type { ContestantEntry } from './contestants/index.js';
import { BASELINE } from './contestants/index.js';
import type { Summary } from './report.js';
import type { Workload } from './workloads.js';

export interface Check {
  target: string;
  contestant: string;
  value: string;
  limit: string;
  ok: boolean;
}

interface WorkloadOutput {
  workload: Workload;
  summaries: Summary[];
}

/** The modes the issue sets targets for. */
const TARGETED = ['per-message', 'batch'];
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

export function checkTargets(outputs: WorkloadOutput[], entries: ContestantEntry[]): Check[] {
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
      }
    }
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
      `| ${c.target} | ${c.contestant} | ${c.value} | ${c.limit} | ${c.ok ? 'yes' : '**NO**'} |`,
  );
  return ['| target | contestant | value | limit | holds |', '|---|---|---|---|---|', ...rows].join(
    '\n',
  );
}
