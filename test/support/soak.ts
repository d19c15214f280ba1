/**
 * The soak run shared by the quick soak in `npm test` and the full one in `npm run test:soak`:
 * a queue with a redrive policy to a DLQ, a per-message listener whose handler fails at random
 * and takes a random time, the fault layer on the consumer's client and one outage window. At the
 * end every message id sent is accounted for from what the queues hold and what SQS confirmed:
 *
 * - deleted: SQS answered a delete of it with a Successful entry (observed by the fault layer
 *   below any fault it injects) after at least one handler call succeeded for it;
 * - in the DLQ: read back from the DLQ at the end;
 * - lost: everything else — still in the source queue after waiting out the visibility, deleted
 *   without a successful handling, or gone.
 *
 * "Duplicates handled" counts successful handler calls for a message that had already been
 * handled successfully. Under faults some are legitimate (at-least-once): a delete that failed
 * for good or whose answer was lost (reset), a lease lost while the outage stopped extensions
 * (the handler's success then cannot be acked and SQS redelivers). They are reported, not
 * asserted to be zero.
 */
import { randomUUID } from 'node:crypto';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { type LeasedMessage, perMessageListener, silentLogger } from '../../src/index.js';
import { type FaultInjector, injectFaults } from './faults.js';
import { startListener } from './listen.js';
import {
  adminClient,
  countingClient,
  createQueue,
  eventually,
  queueCounts,
  receiveNow,
  sleep,
} from './sqs.js';

export interface SoakOptions {
  messages: number;
  maxReceiveCount: number;
  /** Queue visibility and the stream's visibilitySecs. */
  visibilitySecs: number;
  /** Probability that a handler call fails (throws or returns false, alternately). */
  failRate: number;
  /** Handlers take a random time in [0, handlerMaxMs]. */
  handlerMaxMs: number;
  /** Fault rate on every action. */
  faultRate: number;
  delayMs: [number, number];
  /** One outage of this many seconds, once this fraction of the messages was handled. */
  outageSecs: number;
  outageAfterFraction: number;
  workerThreads: number;
  /**
   * Every n-th message sent is poison: its handler always fails, so it must end in the DLQ
   * (random failures at 10 % almost never reach 5 receives; this exercises the DLQ accounting).
   */
  poisonEvery?: number;
  /** Give up waiting for the queue to empty after this long. */
  timeoutMs: number;
  seed?: number;
}

export interface SoakResult {
  sent: number;
  handledOk: number;
  duplicates: number;
  inDlq: number;
  lost: number;
  /** Deleted although no handler call succeeded for it (counted in lost too). */
  deletedUnhandled: number;
  /** Still in the source queue at the end (counted in lost too). */
  leftInQueue: number;
  handlerCalls: number;
  handlerFailures: number;
  leasesLostSeen: number;
  /** Poison messages sent, and how many of them did not end in the DLQ. */
  poison: number;
  poisonNotInDlq: number;
  faults: FaultInjector;
  elapsedMs: number;
  line: string;
}

async function sendAll(queueUrl: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  const batches = Math.ceil(count / 10);
  let nextBatch = 0;
  const sender = async () => {
    for (;;) {
      const b = nextBatch++;
      if (b >= batches) return;
      const entries = Array.from({ length: Math.min(10, count - b * 10) }, (_, j) => ({
        Id: String(j),
        MessageBody: JSON.stringify({ n: b * 10 + j, pad: randomUUID() }),
      }));
      const result = await adminClient().send(
        new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }),
      );
      if (result.Failed?.length) throw new Error(`send failed: ${JSON.stringify(result.Failed)}`);
      for (const s of result.Successful ?? []) ids.push(s.MessageId!);
    }
  };
  await Promise.all(Array.from({ length: 8 }, sender));
  return ids;
}

/** Reads the whole DLQ (messages stay invisible for 5 minutes: a read, not a consumer). */
async function readAll(queueUrl: string): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let empty = 0; empty < 2; ) {
    const got = await receiveNow(queueUrl, { max: 1_000, visibilitySecs: 300 });
    if (got.length === 0) empty++;
    for (const m of got) seen.add(m.MessageId!);
  }
  return seen;
}

export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const started = Date.now();
  const { queueUrl, dlqUrl } = await createQueue({
    name: 'soak',
    visibilitySecs: o.visibilitySecs,
    maxReceiveCount: o.maxReceiveCount,
  });
  const sentIds = await sendAll(queueUrl, o.messages);
  const sent = new Set(sentIds);
  const poison = new Set(o.poisonEvery ? sentIds.filter((_, i) => i % o.poisonEvery! === 0) : []);

  const { client } = countingClient();
  const faults = injectFaults(client, {
    rate: o.faultRate,
    delayMs: o.delayMs,
    ...(o.seed === undefined ? {} : { seed: o.seed }),
  });
  const okCalls = new Map<string, number>();
  let handlerCalls = 0;
  let handlerFailures = 0;
  let leasesLostSeen = 0;
  let failToggle = 0;
  const handler = async (m: LeasedMessage): Promise<boolean> => {
    handlerCalls++;
    await new Promise((r) => setTimeout(r, Math.random() * o.handlerMaxMs));
    if (m.signal.aborted) leasesLostSeen++;
    if (poison.has(m.messageId) || Math.random() < o.failRate) {
      handlerFailures++;
      if (failToggle++ % 2 === 0) throw new Error('random failure');
      return false;
    }
    okCalls.set(m.messageId, (okCalls.get(m.messageId) ?? 0) + 1);
    return true;
  };
  const run = startListener(
    perMessageListener(handler, { workerThreads: o.workerThreads, logger: silentLogger, env: {} }),
    queueUrl,
    { client, visibilitySecs: o.visibilitySecs, maxExtend: 600, waitTime: 1 },
  );

  let outage: Promise<void> | undefined;
  let drained = false;
  try {
    // The outage, once enough messages went through.
    const outageAt = Math.floor(o.messages * o.outageAfterFraction);
    await eventually(() => okCalls.size >= outageAt, o.timeoutMs, 50);
    outage = faults.outage(o.outageSecs * 1000);
    await outage;
    // Done when the source queue holds nothing (visible, in flight or delayed) twice in a row.
    let zeroes = 0;
    drained = await eventually(
      async () => {
        const c = await queueCounts(queueUrl);
        zeroes = c.visible + c.inFlight + c.delayed === 0 ? zeroes + 1 : 0;
        return zeroes >= 2;
      },
      Math.max(0, o.timeoutMs - (Date.now() - started)),
      500,
    );
  } finally {
    faults.calm();
    await run.stop();
  }
  // Wait out the visibility: anything hidden by a lost receive would be visible again now.
  await sleep((o.visibilitySecs + 1) * 1000);
  const end = await queueCounts(queueUrl);
  const leftInQueue = end.visible + end.inFlight + end.delayed;
  const inDlq = await readAll(dlqUrl!);

  let poisonNotInDlq = 0;
  for (const id of poison) if (!inDlq.has(id)) poisonNotInDlq++;
  let deletedUnhandled = 0;
  let lost = 0;
  for (const id of sent) {
    const deleted = faults.deleted.has(id);
    const handledOk = okCalls.has(id);
    if (deleted && !handledOk) deletedUnhandled++;
    if (!((deleted && handledOk) || inDlq.has(id))) lost++;
  }
  let duplicates = 0;
  for (const n of okCalls.values()) duplicates += n - 1;
  const elapsedMs = Date.now() - started;
  const result = {
    sent: sent.size,
    handledOk: okCalls.size,
    duplicates,
    inDlq: inDlq.size,
    lost,
    deletedUnhandled,
    leftInQueue,
    handlerCalls,
    handlerFailures,
    leasesLostSeen,
    poison: poison.size,
    poisonNotInDlq,
    faults,
    elapsedMs,
  };
  const line =
    `soak: sent=${result.sent} handledOk=${result.handledOk} duplicates=${duplicates} ` +
    `inDlq=${result.inDlq} (poison ${poison.size}) lost=${lost} | faults ${faults.summary()} | handlerCalls=${handlerCalls} ` +
    `failures=${handlerFailures} leftInQueue=${leftInQueue} drained=${drained} ` +
    `seed=${faults.seed} ${Math.round(elapsedMs / 1000)}s requests=${JSON.stringify(faults.requests)} byAction=${JSON.stringify(faults.byAction)}`;
  return { ...result, line };
}
