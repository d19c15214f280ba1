/** FIFO in batch mode: turns, so that batches sharing a group run one after the other. */

/**
 * FIFO, batch mode: a batch holding messages of a group runs only after every earlier batch
 * holding that group has finished, so two batches never run one group's messages out of order.
 */
export class GroupTurns {
  private readonly last = new Map<string, Promise<void>>();

  /** Waits for this batch's turn; call the returned function when it is done. */
  async acquire(groups: ReadonlySet<string>): Promise<() => void> {
    if (groups.size === 0) return () => {};
    let done!: () => void;
    const mine = new Promise<void>((resolve) => {
      done = resolve;
    });
    const before: Promise<void>[] = [];
    for (const group of groups) {
      const previous = this.last.get(group);
      if (previous) before.push(previous);
      this.last.set(group, mine);
    }
    await Promise.all(before);
    return () => {
      for (const group of groups) if (this.last.get(group) === mine) this.last.delete(group);
      done();
    };
  }
}
