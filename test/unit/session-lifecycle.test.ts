/**
 * The receive session's lifecycle is one state value with one way forward:
 * receiving → stopping → awaitingHeld → flushing → closed. Every other move throws an internal
 * error. A session walks the whole path whether it stops with messages held or not, through
 * abort, return(), an already-aborted signal or the shutdown deadline, and `closed` (behind
 * `stream.drained()`) resolves only at the end.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ReceiveSession } from '../../src/core/receive-session.js';
import {
  expectState,
  SESSION_TRANSITIONS,
  type SessionState,
  type SessionStateKind,
} from '../../src/core/session-state.js';
import { IllegalTransitionError } from '../../src/core/transition.js';
import { sqsMessage } from '../support/fake-sqs.js';
import { type OpenStream, openStream, take, useFakeClock } from '../support/unit.js';

const KINDS: SessionStateKind[] = ['receiving', 'stopping', 'awaitingHeld', 'flushing', 'closed'];
const PATH = KINDS.slice(1);

/** A session's private state, read for these tests only. */
function stateOf(iterator: unknown): SessionStateKind {
  return (iterator as { state: SessionState }).state.kind;
}

/** Session state moves are attempted through ReceiveSession's one transition function. */
type WithMoveTo = { moveTo(next: SessionState): void };

describe('the transition table', () => {
  const pairs = KINDS.flatMap((from) => KINDS.map((to) => ({ from, to })));
  const legal = pairs.filter(({ from, to }) => SESSION_TRANSITIONS[from].includes(to));
  const illegal = pairs.filter(({ from, to }) => !SESSION_TRANSITIONS[from].includes(to));

  it('allows exactly the one path forward', () => {
    expect(legal).toEqual([
      { from: 'receiving', to: 'stopping' },
      { from: 'stopping', to: 'awaitingHeld' },
      { from: 'awaitingHeld', to: 'flushing' },
      { from: 'flushing', to: 'closed' },
    ]);
    expect(illegal).toHaveLength(21);
  });

  it.each(illegal)('a session in $from refuses to move to $to', ({ from, to }) => {
    const session = Object.create(ReceiveSession.prototype) as WithMoveTo & {
      state: SessionState;
    };
    const state = { kind: from } as SessionState;
    session.state = state;
    expect(() => session.moveTo({ kind: to } as SessionState)).toThrow(IllegalTransitionError);
    expect(() => session.moveTo({ kind: to } as SessionState)).toThrow(
      `Internal error: a receive session cannot go from ${from} to ${to}`,
    );
    expect(session.state).toBe(state);
  });

  it('expectState narrows to the state asked for and throws on any other', () => {
    const state: SessionState = { kind: 'flushing', handoff: Promise.resolve() };
    expect(expectState(state, 'flushing')).toBe(state);
    expect(() => expectState(state, 'awaitingHeld')).toThrow(
      'Internal error: a receive session expected to be awaitingHeld, is flushing',
    );
  });
});

describe('a session on its way', () => {
  let open: OpenStream | undefined;
  let moves: SessionStateKind[];

  beforeEach(() => {
    useFakeClock();
    moves = [];
    const proto = ReceiveSession.prototype as unknown as WithMoveTo;
    const moveTo = proto.moveTo;
    vi.spyOn(proto, 'moveTo').mockImplementation(function (this: WithMoveTo, next) {
      moves.push(next.kind);
      moveTo.call(this, next);
    });
  });

  afterEach(async () => {
    await open?.close();
    open = undefined;
    vi.restoreAllMocks();
    vi.useRealTimers();
  });

  it('with a message held: ends the iteration at awaitingHeld, closes once it is settled', async () => {
    open = openStream({ maxInFlight: 2 });
    const { fake, iterator, stream, controller } = open;
    fake.enqueue(sqsMessage('held'));
    const [m] = await take(iterator, 1);
    expect(stateOf(iterator)).toBe('receiving');

    controller.abort();
    expect(stateOf(iterator)).toBe('stopping');
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
    expect(stateOf(iterator)).toBe('awaitingHeld');
    let drained = false;
    void stream.drained().then(() => {
      drained = true;
    });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(drained).toBe(false);

    const acked = m!.ack();
    expect(stateOf(iterator)).toBe('flushing');
    await vi.advanceTimersByTimeAsync(100);
    await acked;
    await stream.drained();
    expect(stateOf(iterator)).toBe('closed');
    expect(fake.deleted).toEqual([m!.receiptHandle]);
    expect(moves).toEqual(PATH);
  });

  it('with nothing held: return() resolves once the session is closed', async () => {
    open = openStream();
    const { fake, iterator } = open;
    fake.enqueue(sqsMessage('a'));
    const [m] = await take(iterator, 1);
    await m!.nack();

    const done = iterator.return!();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await done).toEqual({ value: undefined, done: true });
    expect(stateOf(iterator)).toBe('closed');
    expect(moves).toEqual(PATH);
    // Later calls end at once, without another move.
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
    expect(await iterator.return!()).toEqual({ value: undefined, done: true });
    expect(moves).toEqual(PATH);
  });

  it('with the signal already aborted: closes by itself without receiving', async () => {
    const controller = new AbortController();
    controller.abort();
    open = openStream({ signal: controller.signal });
    await vi.advanceTimersByTimeAsync(100);
    expect(stateOf(open.iterator)).toBe('closed');
    expect(open.fake.sent('ReceiveMessage')).toEqual([]);
    expect(await open.iterator.next()).toEqual({ value: undefined, done: true });
    expect(moves).toEqual(PATH);
  });

  it('at the shutdown deadline: releases what is held, then flushes and closes', async () => {
    open = openStream({ shutdownTimeout: 5 });
    const { fake, iterator, controller, stream } = open;
    fake.enqueue(sqsMessage('slow'));
    const [m] = await take(iterator, 1);
    controller.abort();
    await vi.advanceTimersByTimeAsync(4_000);
    expect(stateOf(iterator)).toBe('awaitingHeld');
    expect(m!.signal.aborted).toBe(false);

    await vi.advanceTimersByTimeAsync(2_000);
    await stream.drained();
    expect(stateOf(iterator)).toBe('closed');
    expect(m!.signal.reason).toMatchObject({ reason: 'shutdown' });
    expect(fake.visibilityChanges).toEqual([
      expect.objectContaining({ receiptHandle: m!.receiptHandle }),
    ]);
    expect(moves).toEqual(PATH);
  });
});
