/**
 * The one place the library builds an SQS client of its own: for a stream, the runner, the
 * dead-letter tools (`redrive()`, `queueStats()`, the CLI) or the
 * dead-letter move when the user passed no `client`. Region, credentials and endpoint come from
 * the SDK's default chain (AWS_REGION, AWS_ENDPOINT_URL_SQS, the task role on Fargate), as
 * `new SQSClient({})` resolves them; whoever builds a client owns it and destroys it at close.
 */
import { SQSClient } from '@aws-sdk/client-sqs';

/**
 * A client configured from the environment. The caller owns it: call `destroy()` when done.
 *
 * An endpoint set in the environment (AWS_ENDPOINT_URL_SQS or AWS_ENDPOINT_URL: an emulator, a
 * proxy) serves every queue URL. Without that, the SDK sends each request to the queue URL's own
 * host, and emulators hand out hosts that do not resolve (`sqs.us-east-1.localhost`) or do not
 * even parse as a URL (`sqs.us-east-1.127.0.0.1`, fauxqs bound to an IP): the SDK then printed
 * an "Invalid URL" warning on every request, or sent it nowhere.
 */
export function createSqsClient(env: NodeJS.ProcessEnv = process.env): SQSClient {
  const configured = Boolean(env.AWS_ENDPOINT_URL_SQS || env.AWS_ENDPOINT_URL);
  return new SQSClient(configured ? { useQueueUrlAsEndpoint: false } : {});
}
