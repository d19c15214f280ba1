/**
 * `maxConcurrentPerGroup` on standard (fair) queues: at most `limit` messages of one
 * MessageGroupId in running handler calls, so one noisy tenant cannot take every worker. Shared
 * by both listeners' schedulers; FIFO groups are never capped (they run one at a time anyway).
 *
 * A message of a group at its cap waits in the listener ("parked", still leased and heartbeated
 * by its stream) while its group has less than a second of work parked (a deferral cannot come
 * back sooner: SQS delays are whole seconds) and all groups together fewer than `room` (what the
 * listener's handlers hold; the listener declares that much more demand, so the default
 * maxInFlight keeps its receive room). Every further one is given back with a delay
 * ("deferred") so that it frees its maxInFlight slot: holding a noisy backlog would fill every
 * slot, and then no receive could fetch the quiet groups' messages. Deferral delays are paced by
 * the group's measured handler time and room, so a backlog comes back about when the group can
 * take it instead of churning through receives.
 *
 * A deferral counts as a receive in SQS (ApproximateReceiveCount): a message whose next receive
 * would leave its redrive policy no retry is parked instead, never pushed towards the DLQ by us.
 */
import { type LeasedMessage, messageOrigin } from '../../core/leased-message.js';
import type { QueueAttributes } from '../../core/queue-info.js';
import type { Logger } from '../../shared/logger.js';
import { monotonicNow } from '../../shared/timing.js';
import type { PipelineContext } from '../pipeline.js';

/** SQS's longest message delay; a group paced further out is deferred again when it returns. */
const MAX_DEFER_SECONDS = 900;
/** Weight of the newest handler time in a group's running mean. */
const MEAN_WEIGHT = 0.2;
/** Admissions between sweeps of idle group records. */
const SWEEP_EVERY = 1024;

interface GroupState {
  running: number;
  parked: LeasedMessage[];
  /** Running mean of the group's handler time; 0 until one finished. */
  meanMs: number;
  /** When the last deferred message of the group is expected back (monotonic ms). */
  tailMs: number;
  /** When every deferred message is visible again: the record (its pace) is kept until then. */
  returnsByMs: number;
}

/** What happened to a message offered to the cap. */
export type Admission = 'run' | 'parked' | 'deferred';

export class GroupCap {
  private readonly groups = new Map<string, GroupState>();
  private readonly started = new WeakMap<LeasedMessage, number>();
  /** maxReceiveCount of each queue's redrive policy (null: none or unreadable), once read. */
  private readonly maxReceives = new WeakMap<QueueAttributes, number | null>();
  private readonly asked = new WeakSet<QueueAttributes>();
  private admissions = 0;
  private fifoNoted = false;
  private parkedTotal = 0;

  constructor(
    readonly limit: number,
    /** Most messages parked in all groups together. */
    private readonly room: number,
    /** Gives a message back after `delaySeconds`; must not reject. */
    private readonly defer: (message: LeasedMessage, delaySeconds: number) => void,
    private readonly logger?: Logger,
  ) {}

  /** The fair-queue group the cap applies to: a group id on a standard queue. */
  groupOf(message: LeasedMessage): string | undefined {
    const group = message.groupId;
    const origin = message[messageOrigin];
    // FIFO groups, and messages not received by sqsMessages() (kept in order to be safe), are
    // the FIFO scheduler's.
    if (group === undefined || origin === undefined) return undefined;
    if (origin.queue.fifo) {
      if (!this.fifoNoted && this.limit > 1) {
        this.fifoNoted = true;
        this.logger?.debug(
          'maxConcurrentPerGroup does not apply to a FIFO queue: its groups run one at a time',
          { queueUrl: origin.queue.queueUrl, maxConcurrentPerGroup: this.limit },
        );
      }
      return undefined;
    }
    return group;
  }

  /**
   * Counts `message` as running when its group is below the cap ('run'); otherwise parks or
   * defers it. Messages without a fair group always run.
   */
  admit(message: LeasedMessage): Admission {
    const group = this.groupOf(message);
    if (group === undefined) return 'run';
    if (++this.admissions % SWEEP_EVERY === 0) this.sweep();
    this.readPolicy(message);
    let state = this.groups.get(group);
    if (state === undefined) {
      state = { running: 0, parked: [], meanMs: 0, tailMs: 0, returnsByMs: 0 };
      this.groups.set(group, state);
    }
    if (state.running < this.limit) {
      state.running++;
      this.started.set(message, monotonicNow());
      return 'run';
    }
    const roomy = state.parked.length < this.groupRoom(state) && this.parkedTotal < this.room;
    if (roomy || !this.mayDefer(message)) {
      state.parked.push(message);
      this.parkedTotal++;
      return 'parked';
    }
    const delaySeconds = this.deferSeconds(state);
    state.returnsByMs = Math.max(state.returnsByMs, monotonicNow() + delaySeconds * 1000);
    this.defer(message, delaySeconds);
    return 'deferred';
  }

  /**
   * A running message of a capped group finished: the group's next parked message, now counted
   * as running (the caller runs it in the freed place), or `undefined`.
   */
  finished(message: LeasedMessage): LeasedMessage | undefined {
    const group = this.groupOf(message);
    const state = group === undefined ? undefined : this.groups.get(group);
    const startedAt = this.started.get(message);
    if (state === undefined || startedAt === undefined) return undefined;
    this.started.delete(message);
    const took = monotonicNow() - startedAt;
    state.meanMs = state.meanMs === 0 ? took : state.meanMs + MEAN_WEIGHT * (took - state.meanMs);
    const next = state.parked.shift();
    if (next !== undefined) {
      this.parkedTotal--;
      this.started.set(next, monotonicNow());
      return next;
    }
    state.running--;
    if (group !== undefined && this.idle(state, monotonicNow())) this.groups.delete(group);
    return undefined;
  }

  /** A shutdown: every parked message is given back unhandled, visible again at once. */
  releaseParked(): void {
    for (const state of this.groups.values()) {
      for (const message of state.parked.splice(0)) this.defer(message, 0);
    }
    this.parkedTotal = 0;
  }

  /** Gives back, visible at once, a message that will not run after all (a shutdown). */
  giveBack(message: LeasedMessage): void {
    this.finished(message);
    this.defer(message, 0);
  }

  /** Messages parked now, in all groups. */
  get parkedCount(): number {
    return this.parkedTotal;
  }

  /** A second of the group's work at its cap (at least `limit`); `limit` until measured. */
  private groupRoom(state: GroupState): number {
    if (state.meanMs <= 0) return this.limit;
    return Math.max(this.limit, Math.ceil((this.limit * 1000) / state.meanMs));
  }

  /**
   * Paced: the group works through its running and parked messages, and the ones deferred
   * before, at `limit` per mean handler time, and takes back at most what it can park per
   * second; this one comes back after them. Before the group's first handler finished there is
   * no pace yet: 1 s, without pushing the tail (a guess could send a backlog minutes away).
   */
  private deferSeconds(state: GroupState): number {
    if (state.meanMs <= 0) return 1;
    const now = monotonicNow();
    const paceMs = state.meanMs / this.limit;
    const perSecond = this.limit + Math.min(this.groupRoom(state), this.room);
    const spacingMs = Math.max(paceMs, 1000 / perSecond);
    const ahead = now + (state.running + state.parked.length) * paceMs;
    state.tailMs = Math.max(state.tailMs, ahead) + spacingMs;
    const seconds = Math.ceil((state.tailMs - now) / 1000);
    return Math.min(Math.max(seconds, 1), MAX_DEFER_SECONDS);
  }

  /**
   * Whether a deferral leaves the message at least one retry before its redrive policy moves it
   * to the DLQ: SQS moves a message when a receive would make its count exceed maxReceiveCount,
   * and the deferral's return is one receive. While the policy is being read: no (one round
   * trip of parking). A policy that could not be read: yes, or the cap could not protect anyone.
   */
  private mayDefer(message: LeasedMessage): boolean {
    const origin = message[messageOrigin];
    if (origin === undefined) return true;
    const max = this.maxReceives.get(origin.queue);
    if (max === undefined) return false;
    if (max === null || !Number.isFinite(max)) return true;
    return message.receiveCount + 2 <= max;
  }

  /** Starts reading the redrive policy of the message's queue, once per queue. */
  private readPolicy(message: LeasedMessage): void {
    const origin = message[messageOrigin];
    if (origin === undefined || this.asked.has(origin.queue)) return;
    const queue = origin.queue;
    this.asked.add(queue);
    // load() never rejects, and is shared with the FIFO check and the give-up stage: usually
    // it was read when the listener started and this costs no request.
    void queue.load(origin.client).then((info) => {
      this.maxReceives.set(queue, info.redrive?.maxReceiveCount ?? null);
    });
  }

  private idle(state: GroupState, now: number): boolean {
    return state.running === 0 && state.parked.length === 0 && state.returnsByMs <= now;
  }

  /** Forgets groups with nothing running, parked or deferred, so that many tenants leave no trail. */
  private sweep(): void {
    const now = monotonicNow();
    for (const [group, state] of this.groups) if (this.idle(state, now)) this.groups.delete(group);
  }
}

/**
 * The listener's cap, or `undefined` when `maxConcurrentPerGroup` is not set. Deferred messages
 * are counted as `deferred` and their nacks tracked, so the listener returns only once answered.
 */
export function groupCapFor(context: PipelineContext, room: number): GroupCap | undefined {
  const { maxConcurrentPerGroup: limit, logger } = context.policy;
  if (limit === undefined) return undefined;
  const defer = (message: LeasedMessage, delaySeconds: number): void => {
    context.result.deferred = (context.result.deferred ?? 0) + 1;
    logger.debug('deferred: its group is at maxConcurrentPerGroup', {
      messageId: message.messageId,
      groupId: message.groupId,
      delaySeconds,
    });
    context.settling.track(message.nack({ delaySeconds }).catch(() => {}));
  };
  return new GroupCap(limit, room, defer, logger);
}
