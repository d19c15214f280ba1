/**
 * The one place the library builds an SQS client of its own: for a stream, the runner or the
 * dead-letter move when the user passed no `client`. Region, credentials and endpoint come from
 * the SDK's default chain (AWS_REGION, AWS_ENDPOINT_URL_SQS, the task role on Fargate), exactly
 * as `new SQSClient({})` resolves them; whoever builds a client owns it and destroys it at close.
 */
import { SQSClient } from '@aws-sdk/client-sqs';

/** A client configured from the environment. The caller owns it: call `destroy()` when done. */
export function createSqsClient(): SQSClient {
  return new SQSClient({});
}

/**
 * The client of the dead-letter tools (`redrive()`, `queueStats()`, the CLI) when given none: as
 * above, except that an endpoint set in the environment (AWS_ENDPOINT_URL_SQS or
 * AWS_ENDPOINT_URL: an emulator, a proxy) serves every queue URL. Otherwise the SDK sends each
 * request to the queue URL's own host and prints a warning per request when it differs.
 */
export function createToolSqsClient(env: NodeJS.ProcessEnv = process.env): SQSClient {
  const configured = Boolean(env.AWS_ENDPOINT_URL_SQS || env.AWS_ENDPOINT_URL);
  return new SQSClient(configured ? { useQueueUrlAsEndpoint: false } : {});
}
