import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { runListeners, sendMessage, sqsListener } from 'sqs-fargate-listener';

declare const rows: Array<{ sku: string; qty: number }>; // a few MiB of them

const queueUrl = process.env.REPORTS_QUEUE_URL ?? '';
const s3Client = new S3Client({});

// Consumer: bodies an Extended Client (Java, Python, SNS, or sendMessage below) put in S3 arrive
// whole, before the handler runs.
sqsListener<{ rows: unknown[] }>(
  {
    queueUrl,
    largePayloads: {
      s3Client,
      allowedBuckets: ['acme-sqs-payloads'], // required: the buckets pointers may name, or '*'
      deletePayloadOnAck: true, // delete the object once SQS has confirmed the message's delete
      onMissingPayload: 'fail', // the default: retried, then redriven to the DLQ
    },
  },
  async (message) => {
    const report = message.json; // typed by sqsListener<{ rows: unknown[] }>, not checked
    const from = message.payloadPointer; // { bucket, key, size } or undefined
    console.log(`${report.rows.length} rows`, from ? `from s3://${from.bucket}/${from.key}` : '');
  },
);

// Producer: a body over 1 MiB (SQS's limit, attributes included) goes to S3 under a random key;
// the message carries the Extended Client pointer and its ExtendedPayloadSize attribute.
const sent = await sendMessage(new SQSClient({}), queueUrl, JSON.stringify({ rows }), {
  messageAttributes: { kind: 'daily-report' },
  largePayloads: { s3Client, bucket: 'acme-sqs-payloads' },
});
console.log(sent.messageId, sent.payloadPointer?.size);

await runListeners();
