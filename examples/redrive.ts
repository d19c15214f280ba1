/**
 * Dead-letter tools from code: move a DLQ back to its source queue at a gentle rate, then look
 * at the source queue's depth. The same as `npx sqs-fargate-listener redrive|stats`.
 */
import { queueStats, redrive } from 'sqs-fargate-listener';

const dlqUrl = process.env.DLQ_URL ?? 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders-dlq';

const summary = await redrive({ from: dlqUrl, maxPerSecond: 50 });
console.log(`${summary.moved} moved; ${summary.failed} left in the DLQ`, summary.errors);

for (const queueUrl of Object.keys(summary.movedTo)) {
  const stats = await queueStats(queueUrl);
  console.log(queueUrl, stats.backlog, stats.inFlight, stats.deadLetterQueue?.backlog);
}
