/**
 * The demo's two listeners: orders in batch mode (partial batch failure), emails one message
 * at a time. Plain functions: `demo.ts` registers them against its local queues.
 */
import { BatchResult, type LeasedMessage } from 'sqs-fargate-listener';

export interface Order {
  orderId: number;
  amount: number;
}

/** Batch handler: charges each order; invalid or unpayable ones fail alone, not the batch. */
export async function handleOrders(messages: LeasedMessage[]): Promise<BatchResult> {
  const failed: string[] = [];
  for (const message of messages) {
    const [order, error] = message.tryJson<Order>();
    if (error) {
      console.log(
        `  [orders] ${message.messageId.slice(0, 8)}: body is not JSON (${JSON.stringify(message.body)}), try ${message.receiveCount}`,
      );
      failed.push(message.receiptHandle);
      continue;
    }
    if (order.amount < 0) {
      console.log(
        `  [orders] order ${order.orderId}: negative amount, try ${message.receiveCount}`,
      );
      failed.push(message.receiptHandle);
      continue;
    }
    await new Promise((resolve) => setTimeout(resolve, 50)); // the "payment call"
    console.log(`  [orders] order ${order.orderId}: charged ${order.amount}`);
  }
  return new BatchResult({ failedReceiptHandles: failed });
}

export interface Email {
  to?: string;
  subject?: string;
}

/** Per-message handler: returns false to retry, throws on a permanent problem. */
export async function handleEmail(message: LeasedMessage<Email>): Promise<boolean> {
  const email = message.json;
  if (!email.to?.includes('@')) {
    throw new Error(`no valid recipient in message ${message.messageId}`);
  }
  // The first delivery of a "flaky" email fails; the retry succeeds.
  if (email.subject === 'flaky' && message.receiveCount === 1) {
    console.log(`  [email] to ${email.to}: mail server busy, will retry`);
    return false;
  }
  await new Promise((resolve) => setTimeout(resolve, 100)); // "sending"
  console.log(`  [email] to ${email.to}: sent "${email.subject}" (try ${message.receiveCount})`);
  return true;
}
