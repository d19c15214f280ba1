import { pipeline } from 'node:stream/promises';
import { ackingWritable, sqsMessages, toReadable } from 'sqs-fargate-listener';

declare function resize(image: unknown): Promise<void>;

const stop = new AbortController();
process.once('SIGTERM', () => stop.abort());

// One message at a time; a throw or `false` nacks it, anything else acks it. If the pipeline
// fails, what toReadable() had read ahead is given back at once.
await pipeline(
  toReadable(sqsMessages(process.env.QUEUE_URL ?? '', { signal: stop.signal })),
  ackingWritable(async (message) => {
    await resize(message.json);
  }),
);
