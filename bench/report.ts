/** Turns run records into per-contestant summaries and a markdown table. */
import type { ContestantOptions, ContestantResult } from './protocol.js';

/** One contestant run: what the parent sent, what the child said, what the queue held after. */
export interface RunRecord {
  workload: string;
  contestant: string;
  repeat: number;
  sent: number;
  /** Messages still in the queue afterwards (visible + in flight + delayed). */
  left: number;
  /** Sent minus distinct messages handled. */
  lost: number;
  /** CPU fauxqs spent during the run: fewer or cheaper requests show up here. */
  serverCpuSeconds: number;
  error?: string;
  result?: ContestantResult;
}

export interface Stat {
  median: number;
  min: number;
  max: number;
}

export interface Summary {
  contestant: string;
  options: ContestantOptions;
  runs: number;
  failed: number;
  msgsPerSec: Stat;
  wallSeconds: Stat;
  /** Throughput ÷ the baseline's in the same repeat. */
  ratioToBaseline: Stat | undefined;
  requestsPerMsg: Stat;
  /** Median requests per message, by action. */
  requestsPerMsgByAction: Record<string, number>;
  /** Median requests per run, by action. */
  requestsByAction: Record<string, number>;
  cpuSecondsPer1k: Stat;
  /** CPU of the whole run, seconds (what a time-based workload like idle reports). */
  cpuSeconds: Stat;
  serverCpuSecondsPer1k: Stat;
  /** fauxqs CPU of the whole run, seconds. */
  serverCpuSeconds: Stat;
  peakRssMb: Stat;
  heapAfterGcMb: Stat;
  duplicates: number;
  lost: number;
  left: number;
  /** Errors the contestant's library reported, over all runs. */
  errors: number;
}

export function stat(values: number[]): Stat {
  if (values.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

const msgsPerSec = (r: ContestantResult) => r.handled / (r.wallMs / 1000);
const totalRequests = (r: ContestantResult) => Object.values(r.requests).reduce((a, b) => a + b, 0);

export function summarize(
  records: RunRecord[],
  contestant: string,
  options: ContestantOptions,
  baseline: string,
): Summary {
  const mine = records.filter((r) => r.contestant === contestant);
  const ok = mine.flatMap((r) => (r.result && !r.error ? [r.result] : []));
  const actions = new Set(ok.flatMap((r) => Object.keys(r.requests)));
  const byAction: Record<string, number> = {};
  const totalByAction: Record<string, number> = {};
  for (const action of [...actions].sort()) {
    byAction[action] = stat(ok.map((r) => (r.requests[action] ?? 0) / r.handled)).median;
    totalByAction[action] = stat(ok.map((r) => r.requests[action] ?? 0)).median;
  }
  // Pair by pair: the same repeat ran both back to back, so drift on the machine cancels out.
  const ratios: number[] = [];
  for (const r of mine) {
    const base = records.find((b) => b.contestant === baseline && b.repeat === r.repeat);
    if (r.result && base?.result && !r.error && !base.error) {
      ratios.push(msgsPerSec(r.result) / msgsPerSec(base.result));
    }
  }
  return {
    contestant,
    options,
    runs: mine.length,
    failed: mine.filter((r) => r.error).length,
    msgsPerSec: stat(ok.map(msgsPerSec)),
    wallSeconds: stat(ok.map((r) => r.wallMs / 1000)),
    ratioToBaseline: contestant === baseline || ratios.length === 0 ? undefined : stat(ratios),
    requestsPerMsg: stat(ok.map((r) => totalRequests(r) / r.handled)),
    requestsPerMsgByAction: byAction,
    requestsByAction: totalByAction,
    cpuSecondsPer1k: stat(ok.map((r) => (r.cpuSeconds / r.handled) * 1000)),
    cpuSeconds: stat(ok.map((r) => r.cpuSeconds)),
    serverCpuSecondsPer1k: stat(
      mine.flatMap((r) => (r.result && !r.error ? [(r.serverCpuSeconds / r.sent) * 1000] : [])),
    ),
    serverCpuSeconds: stat(mine.flatMap((r) => (r.result && !r.error ? [r.serverCpuSeconds] : []))),
    peakRssMb: stat(ok.map((r) => r.peakRssMb)),
    heapAfterGcMb: stat(ok.map((r) => r.heapAfterGcMb)),
    duplicates: ok.reduce((a, r) => a + r.duplicates, 0),
    lost: mine.reduce((a, r) => a + r.lost, 0),
    left: mine.reduce((a, r) => a + r.left, 0),
    errors: ok.reduce((a, r) => a + Object.values(r.errors).reduce((x, y) => x + y, 0), 0),
  };
}

function fmt(s: Stat, digits: number): string {
  if (Number.isNaN(s.median)) return 'n/a';
  if (s.min === s.max) return s.median.toFixed(digits);
  return `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;
}

/** Short column names for the usual SQS actions. */
const SHORT: Record<string, string> = {
  ReceiveMessage: 'Receive',
  DeleteMessageBatch: 'DeleteBatch',
  DeleteMessage: 'Delete',
  ChangeMessageVisibilityBatch: 'ChangeVisBatch',
  ChangeMessageVisibility: 'ChangeVis',
};

/**
 * For each of `mine`, its msgs/s divided by each of `others`' in the same repeat (they ran back
 * to back), as median (min–max) over repeats. Undefined when there is nothing to compare.
 */
export function pairwiseRatios(
  records: RunRecord[],
  mine: string[],
  others: string[],
): string | undefined {
  if (mine.length === 0 || others.length === 0) return undefined;
  const rate = (name: string, repeat: number) => {
    const r = records.find((x) => x.contestant === name && x.repeat === repeat);
    return r?.result && !r.error ? msgsPerSec(r.result) : undefined;
  };
  const rows = mine.map((m) => {
    const cells = others.map((o) => {
      const ratios: number[] = [];
      for (const r of records.filter((x) => x.contestant === m)) {
        const a = rate(m, r.repeat);
        const b = rate(o, r.repeat);
        if (a !== undefined && b !== undefined) ratios.push(a / b);
      }
      return ratios.length ? `${fmt(stat(ratios), 2)}×` : 'n/a';
    });
    return `| ${m} | ${cells.join(' | ')} |`;
  });
  const header = `| ÷ | ${others.join(' | ')} |`;
  return [header, `|${' --- |'.repeat(others.length + 1)}`, ...rows].join('\n');
}

export function markdownTable(summaries: Summary[], baseline: string): string {
  const actions = [
    ...new Set(summaries.flatMap((s) => Object.keys(s.requestsPerMsgByAction))),
  ].sort();
  const header = [
    'contestant',
    'msgs/s median (min–max)',
    'wall s',
    `× ${baseline}`,
    'req/msg',
    ...actions.map((a) => `${SHORT[a] ?? a}/msg`),
    'CPU s / 1k msgs',
    'fauxqs CPU s / 1k',
    'peak RSS MB',
    'heap after GC MB',
    'dup',
    'lost',
    'errors',
    'left in queue',
    'failed runs',
  ];
  const rows = summaries.map((s) => [
    s.contestant,
    fmt(s.msgsPerSec, 0),
    fmt(s.wallSeconds, 2),
    s.ratioToBaseline ? fmt(s.ratioToBaseline, 2) : '—',
    fmt(s.requestsPerMsg, 3),
    ...actions.map((a) => (s.requestsPerMsgByAction[a] ?? 0).toFixed(3)),
    fmt(s.cpuSecondsPer1k, 3),
    fmt(s.serverCpuSecondsPer1k, 3),
    fmt(s.peakRssMb, 0),
    fmt(s.heapAfterGcMb, 1),
    String(s.duplicates),
    String(s.lost),
    String(s.errors),
    String(s.left),
    `${s.failed}/${s.runs}`,
  ]);
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/**
 * A time-based workload with an empty queue (idle): per-message figures mean nothing there, so
 * requests and CPU of the whole run. `windowSecs` is how long the run waited for messages.
 */
export function idleTable(summaries: Summary[], windowSecs: number, waitSecs: number): string {
  const header = [
    'contestant',
    'ReceiveMessage calls',
    `per ${waitSecs} s poll window`,
    'other requests',
    'CPU s',
    'fauxqs CPU s',
    'run s (with stop)',
    'peak RSS MB',
    'errors',
    'failed runs',
  ];
  const windows = windowSecs / waitSecs;
  const rows = summaries.map((s) => {
    const receives = s.requestsByAction.ReceiveMessage ?? 0;
    const others = Object.entries(s.requestsByAction)
      .filter(([a]) => a !== 'ReceiveMessage')
      .map(([a, n]) => `${SHORT[a] ?? a} ${n}`)
      .join(', ');
    return [
      s.contestant,
      String(receives),
      (receives / windows).toFixed(2),
      others || '—',
      fmt(s.cpuSeconds, 3),
      fmt(s.serverCpuSeconds, 3),
      fmt(s.wallSeconds, 1),
      fmt(s.peakRssMb, 0),
      String(s.errors),
      `${s.failed}/${s.runs}`,
    ];
  });
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
