/** This library's core: `for await (const m of sqsMessages(...))`, handler, `m.ack()`. */
import { sqsMessages } from '../../src/index.js';
import { countingLogger, countLibraryErrors } from './library-errors.js';
import type { RunContext } from './types.js';

export async function run(ctx: RunContext): Promise<void> {
  const { options, handler } = ctx;
  const stream = sqsMessages(ctx.queueUrl, {
    client: ctx.client,
    signal: ctx.allHandled,
    waitTime: Number(options.waitTime),
    idleSleepMax: Number(options.idleSleepMax),
    visibilitySecs: Number(options.visibilitySecs),
    maxInFlight: Number(options.maxInFlight),
    logger: countingLogger(ctx),
  });
  const concurrency = Number(options.concurrency);
  // Handlers still running when concurrency > 1; a small pool, as a user would write it.
  const running = new Set<Promise<void>>();
  for await (const m of stream) {
    const work = async () => {
      await handler(m.body);
      // Not awaited: the ack is batched, and awaiting it would serialise the loop on SQS.
      void m.ack();
      ctx.handled(m.messageId, m.body);
    };
    if (concurrency <= 1) {
      await work();
      continue;
    }
    const task = work();
    running.add(task);
    void task.finally(() => running.delete(task));
    if (running.size >= concurrency) await Promise.race(running);
  }
  await Promise.all(running);
  // The loop ended on abort; the clock stops only when SQS confirmed every delete.
  await stream.drained();
  countLibraryErrors(ctx, stream.stats());
}
