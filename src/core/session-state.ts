/**
 * The lifecycle of one receive session, as one state value:
 *
 *   receiving → stopping → awaitingHeld → flushing → closed
 *
 * - receiving: the receiver polls, the consumer takes messages;
 * - stopping: receives are being stopped (abort, `return()`, a fatal receive error); then what
 *   was never handed out is released and pending settles are flushed (the hand-off);
 * - awaitingHeld: handed-out messages keep their lease until settled, or until the shutdown
 *   deadline releases them;
 * - flushing: nothing is held any more; the last settles are sent and answered;
 * - closed: timers stopped, an owned client destroyed, `closed` resolved.
 */
import { checkTransition, type TransitionTable } from './transition.js';

/** A state with what only that state needs. */
export type SessionState =
  | { readonly kind: 'receiving' }
  | {
      readonly kind: 'stopping';
      /** Monotonic ms: a finite shutdownTimeout counts from here. */
      readonly stoppedAtMs: number;
      /** What `next()`/`return()` wait for once receiving stopped (see ReceiveSession.stop). */
      readonly handoff: Promise<void>;
    }
  | {
      readonly kind: 'awaitingHeld';
      readonly handoff: Promise<void>;
      /** Releases what is still held at the shutdown deadline; none without one. */
      readonly deadline: NodeJS.Timeout | undefined;
    }
  | { readonly kind: 'flushing'; readonly handoff: Promise<void> }
  | { readonly kind: 'closed' };

/** The name of a session state. */
export type SessionStateKind = SessionState['kind'];

/** The only moves a session makes; each state has exactly one way forward. */
export const SESSION_TRANSITIONS: TransitionTable<SessionStateKind> = {
  receiving: ['stopping'],
  stopping: ['awaitingHeld'],
  awaitingHeld: ['flushing'],
  flushing: ['closed'],
  closed: [],
};

/** Throws `IllegalTransitionError` unless the session may move from `from` to `to`. */
export function checkSessionTransition(from: SessionStateKind, to: SessionStateKind): void {
  checkTransition('a receive session', SESSION_TRANSITIONS, from, to);
}

/** `state`, narrowed to `kind`; any other state is a bug in this library and throws. */
export function expectState<K extends SessionStateKind>(
  state: SessionState,
  kind: K,
): Extract<SessionState, { kind: K }> {
  if (state.kind !== kind) {
    throw new Error(`Internal error: a receive session expected to be ${kind}, is ${state.kind}`);
  }
  return state as Extract<SessionState, { kind: K }>;
}
