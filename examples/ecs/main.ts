/**
 * The worker the Dockerfile runs: one listener, the health endpoint for the ECS container health
 * check (and a Prometheus scraper, if you run one), and a drain on SIGTERM.
 */
import { runListeners, sqsListener } from 'sqs-fargate-listener';

sqsListener({ mode: 'batch', batchSize: 10, workerThreads: 4 }, async (messages) => {
  for (const message of messages) console.log('order', message.messageId);
});

await runListeners({
  // ECS sends SIGKILL `stopTimeout` (here 60 s) after SIGTERM: finish well before it.
  shutdownTimeout: 50,
  health: { port: Number(process.env.HEALTH_PORT ?? 8080) },
});
