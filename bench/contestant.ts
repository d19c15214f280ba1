/**
 * Child-process entry for one contestant run: `node bench/.build/contestant.js '<json>'`.
 * A process per run makes CPU time and peak RSS the contestant's own (not the orchestrator's,
 * not fauxqs's, not the previous run's). Reports a ContestantResult over IPC.
 */
import { contestantByName } from './contestants/index.js';
import type { RunContext } from './contestants/types.js';
import type { ChildMessage, ContestantInput, ContestantResult } from './protocol.js';
import { addRequestDelay, benchClient, countRequests } from './sqs.js';
import { makeHandler } from './workloads.js';

// The orchestrator sets it in our environment too: static imports run before this line, and the
// SDK checks it when a client is built, which happens below.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) {
      console.log(JSON.stringify(message));
      resolve();
      return;
    }
    process.send(message, () => resolve());
  });
}

async function main(): Promise<void> {
  const input = JSON.parse(process.argv[2] ?? '{}') as ContestantInput;
  const { run } = await contestantByName(input.contestant).load();
  const client = benchClient(input.endpoint);
  const counter = countRequests(client, input.expected);
  // After the counter (initialize step): it counts a request once, the delay applies per attempt.
  addRequestDelay(client, input.workload.requestDelayMs ?? 0);

  // One byte per expected message, indexed by the sequence number in its body: a Set of ids
  // would grow with the backlog and blur what the backlog workloads measure (the library's RSS).
  const seen = new Uint8Array(input.expected);
  const seenIds = new Set<string>(); // only for bodies without a sequence number
  let handledCount = 0;
  let duplicates = 0;
  let lastHandledAt = 0;
  const errors: Record<string, number> = {};
  const done = new AbortController();
  const ctx: RunContext = {
    queueUrl: input.queueUrl,
    client,
    workload: input.workload,
    options: input.options,
    handler: makeHandler(input.workload),
    allHandled: done.signal,
    expected: input.expected,
    error: (kind) => {
      errors[kind] = (errors[kind] ?? 0) + 1;
    },
    handled: (messageId, body) => {
      const n = Number(/"n":(\d+)/.exec(body)?.[1] ?? Number.NaN);
      let fresh: boolean;
      if (Number.isInteger(n) && n < seen.length) {
        fresh = seen[n] === 0;
        seen[n] = 1;
      } else {
        fresh = !seenIds.has(messageId);
        seenIds.add(messageId);
      }
      if (!fresh) {
        duplicates++;
        return;
      }
      handledCount++;
      if (handledCount >= input.expected) {
        lastHandledAt = performance.now();
        done.abort();
      }
    },
  };

  // Measured from here: imports and client construction are start-up, not throughput.
  const cpuBefore = process.cpuUsage();
  // A time-based workload (idle) ends on this timer, whatever was handled.
  const duration =
    input.workload.durationMs === undefined
      ? undefined
      : setTimeout(() => done.abort(), input.workload.durationMs);
  await run(ctx);
  clearTimeout(duration);
  const end = performance.now();
  const cpu = process.cpuUsage(cpuBefore);
  // Children run with --expose-gc: what survives a full collection is what the run retained.
  (globalThis as { gc?: () => void }).gc?.();
  const heapAfterGcMb = process.memoryUsage().heapUsed / 1e6;
  client.destroy();

  const start = counter.firstReceiveAt ?? end;
  const stop = counter.allDeletedAt ?? end;
  const result: ContestantResult = {
    wallMs: stop - start,
    shutdownMs: end - stop,
    handledMs: (lastHandledAt || end) - start,
    handled: handledCount,
    duplicates,
    requests: counter.counts,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    // maxRSS is in kilobytes.
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    heapAfterGcMb,
    errors,
  };
  await send({ type: 'result', result });
}

main().then(
  () => process.exit(0),
  async (error: unknown) => {
    await send({
      type: 'error',
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
    process.exit(1);
  },
);
