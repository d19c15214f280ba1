// docs/handle.md: start a listener you hold, stop it from the app's own shutdown code.
import { createListener } from 'sqs-fargate-listener';

const listener = createListener({ queueUrl: process.env.QUEUE_URL }, async (message) => {
  console.log(message.messageId, message.body);
});
await listener.start();
// … later, from the app's own shutdown code:
const report = await listener.stop({ timeout: 20 });
console.log(report.result);
