/**
 * What asking for `All` system attributes costs the SDK per ReceiveMessage, against asking for
 * only those the library reads (SentTimestamp, ApproximateReceiveCount, the FIFO ones,
 * AWSTraceHeader, DeadLetterQueueSourceArn) and none (issue 14: "request only the system
 * attributes the library and the user need, if it is measurably cheaper").
 *
 * In one process, without a server: the client's HTTP handler answers every receive with the
 * same canned JSON of ten 200-byte messages, so what is measured is the SDK's own work per
 * receive (serialising, signing, parsing, the MD5 check), with nothing else on the machine in
 * the figures. Variants alternate, five rounds of 3,000 receives each; medians and minimums.
 *
 * `npx tsx bench/attribute-cost.ts [receives per round]`
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const BODY = 'x'.repeat(200);
const MD5 = createHash('md5').update(BODY).digest('hex');
const QUEUE_URL = 'http://127.0.0.1:1/000000000000/attribute-cost';

/** The library's own reads: what a subset would have to keep. */
const NEEDED = [
  'SentTimestamp',
  'ApproximateReceiveCount',
  'MessageGroupId',
  'MessageDeduplicationId',
  'SequenceNumber',
  'AWSTraceHeader',
  'DeadLetterQueueSourceArn',
] as const;

interface Variant {
  /** What the request asks for. */
  names: string[] | undefined;
  /** What SQS answers for a standard queue's message. */
  attributes: Record<string, string> | undefined;
}

const VARIANTS: Record<string, Variant> = {
  all: {
    names: ['All'],
    attributes: {
      SenderId: 'AIDAIENQZJOLO23YVJ4VO',
      SentTimestamp: '1796059476849',
      ApproximateReceiveCount: '1',
      ApproximateFirstReceiveTimestamp: '1796059476852',
    },
  },
  needed: {
    names: [...NEEDED],
    attributes: { SentTimestamp: '1796059476849', ApproximateReceiveCount: '1' },
  },
  none: { names: undefined, attributes: undefined },
};

function answer(attributes: Record<string, string> | undefined): Buffer {
  const Messages = Array.from({ length: 10 }, (_, i) => ({
    MessageId: `fc54ef35-cc39-4bdc-ace9-d8392b4904${String(i).padStart(2, '0')}`,
    // A real receipt handle is ~180 characters.
    ReceiptHandle: `AQEB${'r'.repeat(176)}${i}`,
    MD5OfBody: MD5,
    Body: BODY,
    ...(attributes && { Attributes: attributes }),
  }));
  return Buffer.from(JSON.stringify({ Messages }));
}

/** CPU µs per receive for `variant`, over `receives` receives after a warm-up. */
async function measure(variant: Variant, receives: number): Promise<number> {
  const bytes = answer(variant.attributes);
  const client = new SQSClient({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    requestHandler: {
      handle: async () => ({
        response: {
          statusCode: 200,
          reason: 'OK',
          headers: { 'content-type': 'application/x-amz-json-1.0' },
          body: Readable.from([bytes]),
        },
      }),
    } as never,
  });
  const receive = () =>
    client.send(
      new ReceiveMessageCommand({
        QueueUrl: QUEUE_URL,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: variant.names as never,
        MessageAttributeNames: ['All'],
      }),
    );
  const first = await receive();
  if (first.Messages?.length !== 10) throw new Error('the canned answer did not parse');
  for (let i = 0; i < 500; i++) await receive();
  const before = process.cpuUsage();
  for (let i = 0; i < receives; i++) await receive();
  const used = process.cpuUsage(before);
  client.destroy();
  return (used.user + used.system) / receives;
}

const receives = Number(process.argv[2] ?? 3000);
const rounds: Record<string, number[]> = { all: [], needed: [], none: [] };
for (let round = 0; round < 5; round++) {
  for (const [name, variant] of Object.entries(VARIANTS)) {
    rounds[name]?.push(await measure(variant, receives));
  }
}
console.log(`CPU µs per ReceiveMessage of 10 × 200 B (5 rounds × ${receives}):`);
for (const [name, figures] of Object.entries(rounds)) {
  figures.sort((a, b) => a - b);
  const median = figures[Math.floor(figures.length / 2)] ?? Number.NaN;
  console.log(
    `  ${name.padEnd(7)} median ${median.toFixed(1)}  min ${(figures[0] ?? Number.NaN).toFixed(1)}`,
  );
}
