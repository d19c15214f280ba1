import { runListeners, sqsListener, sqsMessages } from 'sqs-fargate-listener';

// A queue subscribed to a topic without raw delivery: every body is an SNS notification.
sqsListener({ queueUrl: process.env.ORDERS_QUEUE_URL, envelope: 'sns' }, async (message) => {
  const order = message.json; // the published message, not the envelope
  const { tenant } = message.messageAttributes(); // the attributes given to Publish
  console.log(`order from ${message.sns?.topicArn} at ${message.sns?.timestamp.toISOString()}`, {
    order,
    tenant,
  });
});

await runListeners();

// The core stream unwraps on receive too; a body that is not a notification is handed out
// untouched, with `envelopeError` set.
for await (const message of sqsMessages(process.env.AUDIT_QUEUE_URL ?? '', { envelope: 'sns' })) {
  if (message.envelopeError) {
    console.error(message.envelopeError.message);
    await message.nack();
    continue;
  }
  console.log(message.sns?.subject, message.body);
  await message.ack();
}
