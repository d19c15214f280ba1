/**
 * Checked state transitions for the core's state machines (the receive session, the lease): a
 * transition that the machine does not allow is a bug in this library, never a user error, so it
 * throws at once instead of leaving the machine in a state nobody planned for.
 */

/** A transition the state machine does not allow: a bug in this library. */
export class IllegalTransitionError extends Error {
  override name = 'IllegalTransitionError';

  constructor(machine: string, from: string, to: string) {
    super(`Internal error: ${machine} cannot go from ${from} to ${to}`);
  }
}

/** Which states each state may move to. */
export type TransitionTable<S extends string> = { readonly [K in S]: readonly S[] };

/** Throws `IllegalTransitionError` unless `table` allows `from` → `to`. */
export function checkTransition<S extends string>(
  machine: string,
  table: TransitionTable<S>,
  from: S,
  to: S,
): void {
  if (!table[from].includes(to)) throw new IllegalTransitionError(machine, from, to);
}
