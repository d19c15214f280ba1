/**
 * Running a listener adapter over a real fauxqs queue: a stream with short polls, an abort to
 * stop it, and a registry so that every run a test starts is stopped afterwards.
 */

import { type SqsMessageStream, sqsMessages } from '../../src/core/sqs-messages.js';
import type { SqsMessagesOptions } from '../../src/core/stream-config.js';
import type { Listener, ListenerResult } from '../../src/index.js';
import { silentLogger } from '../../src/shared/logger.js';
import { countingClient } from './sqs.js';

export interface RunningListener {
  stream: SqsMessageStream;
  /** Resolves with the listener's counts once the source ended. */
  done: Promise<ListenerResult>;
  /** Aborts the stream, waits for the listener and for the stream to drain; returns the counts. */
  stop(): Promise<ListenerResult>;
}

const running = new Set<RunningListener>();

/**
 * Starts `listener` on `queueUrl`. Defaults suit integration tests: 1 s polls, no idle sleep, a
 * silent logger and no environment variables (the test's own options win).
 */
export function startListener(
  listener: Listener,
  queueUrl: string,
  options: Omit<SqsMessagesOptions, 'signal'> = {},
): RunningListener {
  const controller = new AbortController();
  const stream = sqsMessages(queueUrl, {
    // Never the SDK's default client: it would talk to AWS, not fauxqs.
    client: countingClient().client,
    waitTime: 1,
    idleSleepMax: 0,
    logger: silentLogger,
    env: {},
    ...options,
    signal: controller.signal,
  });
  const done = listener(stream);
  done.catch(() => {});
  const run: RunningListener = {
    stream,
    done,
    async stop() {
      controller.abort();
      try {
        const result = await done;
        await stream.drained();
        return result;
      } finally {
        running.delete(run);
      }
    },
  };
  running.add(run);
  return run;
}

/** Stops every listener still running (call in afterEach). */
export async function stopAllListeners(): Promise<void> {
  await Promise.allSettled([...running].map((r) => r.stop()));
}
