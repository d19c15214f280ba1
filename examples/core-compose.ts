import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { filter, take } from 'ix/asynciterable/operators/index';
import { type LeasedMessage, sqsMessages } from 'sqs-fargate-listener';

const queueUrl = process.env.QUEUE_URL ?? '';

// IxJS operators: the first 100 high-priority messages. Others are nacked by hand (a filter
// drops them), and what was buffered when take() stops is released at once.
const urgent = sqsMessages(queueUrl).pipe(
  filter((m: LeasedMessage) => {
    const priority = m.messageAttributes().priority;
    if (priority !== 'high') void m.nack({ delaySeconds: 0 });
    return priority === 'high';
  }),
  take(100),
);
for await (const message of urgent) {
  console.log(message.body);
  await message.ack();
}

// Node streams: backpressure from a slow Writable stops receiving (maxInFlight bounds it).
await pipeline(
  Readable.from(sqsMessages(queueUrl, { signal: AbortSignal.timeout(60_000) })),
  new Writable({
    objectMode: true,
    write(message: LeasedMessage, _encoding, done) {
      message.ack().then(() => done(), done);
    },
  }),
);
