// One listener as an object the app holds, as sqs-consumer users expect: start it, watch its
// events, stop it from the app's own shutdown code. It installs no signal handlers itself.
import { createListener } from 'sqs-fargate-listener';

interface Order {
  orderId: string;
}

const orders = createListener(
  { queueUrl: process.env.QUEUE_URL, workerThreads: 8, shutdownTimeout: 20 },
  async (message) => {
    const [order, error] = message.tryJson<Order>();
    if (error) return false; // nack: retried after the visibility timeout, then the DLQ
    await fetch(`https://billing.internal/orders/${order.orderId}`, {
      method: 'POST',
      signal: message.signal,
    });
    // returning normally acks (deletes) the message
  },
);

orders.on('nacked', ({ messageId }) => console.warn(`will retry ${messageId}`));
orders.on('error', (error) => console.error('listener stopped on an error', error));

await orders.start(); // rejects with a ConfigError on bad options
console.log('listening', orders.running);

// The app owns its signals: one stop, whichever comes first.
const stop = () => void orders.stop({ timeout: 20 });
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

const report = await orders.drained; // a stop, or a fatal error such as refused credentials
process.off('SIGTERM', stop);
process.off('SIGINT', stop);
console.log(report.result, orders.stats().handler.duration.p99Ms, report.error ?? 'stopped');
