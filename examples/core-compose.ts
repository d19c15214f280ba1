import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { filter, take } from 'ix/asynciterable/operators/index';
import { type LeasedMessage, sqsMessages } from 'sqs-fargate-listener';

const queueUrl = process.env.QUEUE_URL ?? '';

// IxJS operators: the first 100 orders. A filter must settle what it leaves out: here
// heartbeat pings nobody needs are deleted. What was buffered when take() stops is released.
const orders = sqsMessages(queueUrl).pipe(
  filter((m: LeasedMessage) => {
    if (m.messageAttributes().type !== 'ping') return true;
    void m.ack();
    return false;
  }),
  take(100),
);
for await (const message of orders) {
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
