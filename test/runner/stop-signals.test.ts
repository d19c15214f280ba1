/** onStopSignals on a fake monotonic clock: a repeat within the window is not a second signal. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { onStopSignals, REPEAT_WINDOW_MS } from '../../src/runner/stop-signals.js';

let handle: { remove(): void } | undefined;
const calls: string[] = [];

/** Delivers a signal to the listener onStopSignals installed, not to every process listener. */
function deliver(name: 'SIGINT' | 'SIGTERM', installed: Map<string, () => void>) {
  installed.get(name)!();
}

function install(): Map<string, () => void> {
  const before = new Map(['SIGINT', 'SIGTERM'].map((n) => [n, process.listeners(n as 'SIGINT')]));
  handle = onStopSignals({
    first: (name) => calls.push(`first ${name}`),
    second: (name) => calls.push(`second ${name}`),
    repeated: (name) => calls.push(`repeated ${name}`),
  });
  const installed = new Map<string, () => void>();
  for (const [name, old] of before) {
    const added = process.listeners(name as 'SIGINT').filter((l) => !old.includes(l));
    expect(added).toHaveLength(1);
    installed.set(name, added[0] as () => void);
  }
  return installed;
}

beforeEach(() => {
  calls.length = 0;
  vi.useFakeTimers({ toFake: ['performance'] });
  vi.spyOn(process, 'exit').mockImplementation((code) => {
    calls.push(`exit ${code}`);
    return undefined as never;
  });
});

afterEach(() => {
  handle?.remove();
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('onStopSignals', () => {
  it('a signal within the window after the first is a repeat, not a second signal', () => {
    const installed = install();
    deliver('SIGINT', installed);
    vi.advanceTimersByTime(30);
    deliver('SIGINT', installed);
    vi.advanceTimersByTime(REPEAT_WINDOW_MS - 31);
    deliver('SIGTERM', installed);
    expect(calls).toEqual(['first SIGINT', 'repeated SIGINT', 'repeated SIGTERM']);
  });

  it('a signal at the window or later exits at once with 128 + its number', () => {
    const installed = install();
    deliver('SIGINT', installed);
    vi.advanceTimersByTime(10);
    deliver('SIGINT', installed);
    // Measured from the first signal, not from the repeat.
    vi.advanceTimersByTime(REPEAT_WINDOW_MS - 10);
    deliver('SIGTERM', installed);
    expect(calls).toEqual(['first SIGINT', 'repeated SIGINT', 'second SIGTERM', 'exit 143']);
  });

  it('remove() takes its listeners off the process', () => {
    const counts = () => [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    const before = counts();
    install();
    expect(counts()).toEqual(before.map((n) => n + 1));
    handle!.remove();
    handle = undefined;
    expect(counts()).toEqual(before);
  });
});
