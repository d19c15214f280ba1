/** SIGTERM/SIGINT wiring for the runner: the first drains, a second exits at once. */

const SIGNAL_NUMBERS = { SIGINT: 2, SIGTERM: 15 } as const;
type StopSignal = keyof typeof SIGNAL_NUMBERS;

/**
 * A signal this soon after the first is the same request, not a second one. Ctrl-C under
 * `tsx` (e.g. `npm start`) delivers SIGINT twice about 30 ms apart: once from the terminal to
 * the whole process group, once relayed by tsx's parent process. A person pressing Ctrl-C again
 * to skip the drain takes far longer than this.
 */
export const REPEAT_WINDOW_MS = 500;

export interface StopSignalHandle {
  remove(): void;
}

export function onStopSignals(handlers: {
  first: (name: StopSignal) => void;
  second: (name: StopSignal) => void;
  /** A signal within {@link REPEAT_WINDOW_MS} of the first, taken as the same request. */
  repeated?: (name: StopSignal) => void;
}): StopSignalHandle {
  let firstAtMs: number | undefined;
  const listeners = (Object.keys(SIGNAL_NUMBERS) as StopSignal[]).map((name) => {
    const listener = () => {
      // Monotonic: a wall-clock step must not turn a repeat into a second signal or back.
      const now = performance.now();
      if (firstAtMs === undefined) {
        firstAtMs = now;
        handlers.first(name);
        return;
      }
      if (now - firstAtMs < REPEAT_WINDOW_MS) {
        handlers.repeated?.(name);
        return;
      }
      handlers.second(name);
      // The conventional code for death by signal: 128 + its number.
      process.exit(128 + SIGNAL_NUMBERS[name]);
    };
    process.on(name, listener);
    return [name, listener] as const;
  });
  return {
    remove() {
      for (const [name, listener] of listeners) process.off(name, listener);
    },
  };
}
