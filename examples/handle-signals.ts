// docs/handle.md: the app wires SIGTERM/SIGINT to the handle itself.
import { createListener } from 'sqs-fargate-listener';

const listener = createListener({ queueUrl: process.env.QUEUE_URL }, () => {});
await listener.start();
const stop = () => void listener.stop({ timeout: 20 });
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
await listener.drained;
