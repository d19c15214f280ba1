/**
 * This library's core: `for await (const m of sqsMessages(...))`, handler, `m.ack()`, not
 * awaited (core) or awaited (core-awaited: `awaitAck`).
 */
import { sqsMessages } from '../../src/index.js';
import { countingLogger, countLibraryErrors } from './library-errors.js';
import type { RunContext } from './types.js';

export async function run(ctx: RunContext): Promise<void> {
  const { options, handler } = ctx;
  const stream = sqsMessages(ctx.queueUrl, {
    client: ctx.client,
    signal: ctx.allHandled,
    waitTime: Number(options.waitTime),
    ...(options.idleSleepMax !== undefined && { idleSleepMax: Number(options.idleSleepMax) }),
    visibilitySecs: Number(options.visibilitySecs),
    maxInFlight: Number(options.maxInFlight),
    logger: countingLogger(ctx),
  });
  const concurrency = Number(options.concurrency);
  const awaitAck = options.awaitAck === true;
  // Handlers still running when concurrency > 1; a small pool, as a user would write it.
  const running = new Set<Promise<void>>();
  for await (const m of stream) {
    const work = async () => {
      await handler(m.body);
      // Not awaited by default: the ack is batched, and awaiting it serialises the loop on SQS.
      if (awaitAck) await m.ack();
      else void m.ack();
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
