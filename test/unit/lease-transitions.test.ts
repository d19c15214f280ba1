/**
 * A lease owns its transitions: buffered → held → acked | nacked, and buffered | held → lost |
 * released. Every other move (ending a lease twice, settling one never handed out, handing out
 * one that ended) is a bug in the library and throws IllegalTransitionError, leaving the lease
 * as it was.
 */
import { describe, expect, it } from 'vitest';
import { LEASE_TRANSITIONS, Lease, type LeaseState } from '../../src/core/lease.js';
import { IllegalTransitionError } from '../../src/core/transition.js';
import { LeaseLostError } from '../../src/shared/errors.js';

const STATES: LeaseState[] = ['buffered', 'held', 'acked', 'nacked', 'lost', 'released'];

const settlement = Promise.resolve();
const lostError = new LeaseLostError('lost', 'expired', { messageId: 'm' });
const releaseError = new LeaseLostError('released', 'shutdown', { messageId: 'm' });

/** Each transition method, and the state it moves to. */
const ACTIONS: Record<string, { to: LeaseState; run: (lease: Lease) => void }> = {
  handOut: { to: 'held', run: (l) => l.handOut() },
  ack: { to: 'acked', run: (l) => l.settle('ack', settlement) },
  nack: { to: 'nacked', run: (l) => l.settle('nack', settlement) },
  lose: { to: 'lost', run: (l) => l.lose(lostError) },
  release: { to: 'released', run: (l) => l.release(releaseError) },
};

/** A lease brought to `state` through allowed moves only. */
function leaseIn(state: LeaseState): Lease {
  const lease = new Lease('m', 'rh', 0, 30);
  const path: Record<LeaseState, string[]> = {
    buffered: [],
    held: ['handOut'],
    acked: ['handOut', 'ack'],
    nacked: ['handOut', 'nack'],
    lost: ['lose'],
    released: ['release'],
  };
  for (const step of path[state]) ACTIONS[step]!.run(lease);
  expect(lease.state).toBe(state);
  return lease;
}

const cases = STATES.flatMap((from) =>
  Object.entries(ACTIONS).map(([action, { to }]) => ({
    from,
    action,
    to,
    legal: LEASE_TRANSITIONS[from].includes(to),
  })),
);

describe('lease transitions', () => {
  it.each(cases.filter((c) => c.legal))(
    '$from → $to ($action) is allowed',
    ({ from, action, to }) => {
      const lease = leaseIn(from);
      ACTIONS[action]!.run(lease);
      expect(lease.state).toBe(to);
    },
  );

  it.each(cases.filter((c) => !c.legal))(
    '$from → $to ($action) throws and leaves the lease $from',
    ({ from, action, to }) => {
      const lease = leaseIn(from);
      const before = { settlement: lease.settlement, endError: lease.endError };
      expect(() => ACTIONS[action]!.run(lease)).toThrow(IllegalTransitionError);
      expect(() => ACTIONS[action]!.run(lease)).toThrow(
        `Internal error: a lease cannot go from ${from} to ${to}`,
      );
      expect(lease.state).toBe(from);
      expect({ settlement: lease.settlement, endError: lease.endError }).toEqual(before);
    },
  );

  it('covers every pair: 7 allowed moves, 23 refused', () => {
    expect(cases.filter((c) => c.legal)).toHaveLength(7);
    expect(cases.filter((c) => !c.legal)).toHaveLength(23);
  });
});

describe('what a lease remembers of its end', () => {
  it('acked / nacked: the settle promise, no error; inactive', () => {
    for (const state of ['acked', 'nacked'] as const) {
      const lease = leaseIn(state);
      expect(lease.settlement).toBe(settlement);
      expect(lease.endError).toBeUndefined();
      expect(lease.active).toBe(false);
      expect(lease.signal.aborted).toBe(false);
    }
  });

  it.each([
    ['lost', lostError],
    ['released', releaseError],
  ] as const)(
    '%s: the error its signal aborts with, read before or after the end',
    (state, error) => {
      const watched = new Lease('m', 'rh', 0, 30);
      const signal = watched.signal;
      ACTIONS[state === 'lost' ? 'lose' : 'release']!.run(watched);
      expect(signal.reason).toBe(error);

      const lease = leaseIn(state);
      expect(lease.endError).toBe(error);
      expect(lease.settlement).toBeUndefined();
      expect(lease.active).toBe(false);
      expect(lease.signal.aborted).toBe(true);
      expect(lease.signal.reason).toBe(error);
    },
  );

  it('buffered and held are active, with neither settlement nor error', () => {
    for (const state of ['buffered', 'held'] as const) {
      const lease = leaseIn(state);
      expect(lease.active).toBe(true);
      expect(lease.settlement).toBeUndefined();
      expect(lease.endError).toBeUndefined();
    }
  });
});
