import { runListeners, sqsListener } from 'sqs-fargate-listener';

// QUEUE_URL comes from the environment when queueUrl is not given.
sqsListener({ mode: 'per_message', workerThreads: 8 }, async (message) => {
  const [order, error] = message.tryJson<{ orderId: string }>();
  if (error) return false; // nack: retried after the visibility timeout, then redriven to the DLQ
  await fetch(`https://billing.internal/orders/${order.orderId}`, {
    method: 'POST',
    signal: message.signal,
  });
  // returning normally acks (deletes) the message
});

await runListeners(); // drains on SIGTERM/SIGINT, then resolves
