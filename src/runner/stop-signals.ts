/** SIGTERM/SIGINT wiring for the runner: the first drains, a second exits at once. */

const SIGNAL_NUMBERS = { SIGINT: 2, SIGTERM: 15 } as const;
type StopSignal = keyof typeof SIGNAL_NUMBERS;

export interface StopSignalHandle {
  remove(): void;
}

export function onStopSignals(handlers: {
  first: (name: StopSignal) => void;
  second: (name: StopSignal) => void;
}): StopSignalHandle {
  let received = false;
  const listeners = (Object.keys(SIGNAL_NUMBERS) as StopSignal[]).map((name) => {
    const listener = () => {
      if (!received) {
        received = true;
        handlers.first(name);
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
