// docs/logging.md: a pino logger passed as it is.
import pino from 'pino';
import { runListeners, sqsListener } from 'sqs-fargate-listener';

sqsListener({ queueName: 'orders' }, async (message) => {
  console.log(message.messageId); // lines the listener logs carry listener and queue
});
await runListeners({ logger: pino({ level: process.env.LOG_LEVEL ?? 'info' }) });
