/**
 * The schedulers' bookkeeping, kept as counters and shared functions instead of a closure per
 * message (issue 14, CPU): what a listener waits for before it returns must not change.
 */
import { describe, expect, it } from 'vitest';
import type { LeasedMessage } from '../../src/core/leased-message.js';
import { GroupLanes } from '../../src/listeners/scheduling/group-lanes.js';
import { Puller } from '../../src/listeners/scheduling/puller.js';
import { Settling } from '../../src/listeners/scheduling/settling.js';

function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Resolves whether `promise` settled within a few turns of the event loop. */
async function settledSoon(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  return settled;
}

/** A message without a group: GroupLanes reads only `groupId` for it. */
const plain = (id: string) => ({ messageId: id, groupId: undefined }) as unknown as LeasedMessage;

describe('Settling', () => {
  it('done() waits for every tracked piece of work, including work tracked while it waits', async () => {
    const settling = new Settling();
    expect(await settledSoon(settling.done())).toBe(true);
    const first = deferred();
    const second = deferred();
    settling.track(first.promise);
    const done = settling.done();
    settling.track(second.promise);
    first.resolve();
    expect(await settledSoon(done)).toBe(false);
    second.resolve();
    expect(await settledSoon(done)).toBe(true);
    expect(await settledSoon(settling.done())).toBe(true);
  });
});

describe('GroupLanes', () => {
  it('capacity() is immediate while a worker is free, then waits for one; close() waits for all', async () => {
    const running = new Map<string, (ok: boolean) => void>();
    const lanes = new GroupLanes(
      2,
      (m) => new Promise<boolean>((resolve) => running.set(m.messageId, resolve)),
      async () => {},
    );
    expect(lanes.capacity()).toBeUndefined();
    lanes.submit(plain('a'));
    expect(lanes.capacity()).toBeUndefined();
    lanes.submit(plain('b'));
    const free = lanes.capacity();
    expect(free).toBeInstanceOf(Promise);
    expect(await settledSoon(free as Promise<void>)).toBe(false);
    running.get('a')?.(true);
    expect(await settledSoon(free as Promise<void>)).toBe(true);
    const closed = lanes.close();
    expect(await settledSoon(closed)).toBe(false);
    running.get('b')?.(false);
    expect(await settledSoon(closed)).toBe(true);
  });

  it('a work function that rejects anyway still frees its worker', async () => {
    const lanes = new GroupLanes(
      1,
      () => Promise.reject(new Error('bug')),
      async () => {},
    );
    lanes.submit(plain('a'));
    expect(await settledSoon(lanes.capacity() ?? Promise.resolve())).toBe(true);
    expect(lanes.capacity()).toBeUndefined();
    await lanes.close();
  });
});

describe('Puller', () => {
  it('next() passes results and a rejection through, and marks the end', async () => {
    const items = [
      { value: 1, done: false },
      { value: undefined, done: true },
    ] as const;
    let i = 0;
    const puller = new Puller<number>({
      next: async () => items[i++] as IteratorResult<number>,
    });
    expect(await puller.next()).toEqual({ value: 1, done: false });
    expect(puller.done).toBe(false);
    expect(await puller.next()).toEqual({ value: undefined, done: true });
    expect(puller.done).toBe(true);
    const failing = new Puller<number>({ next: () => Promise.reject(new Error('source')) });
    await expect(failing.next()).rejects.toThrow('source');
  });
});
