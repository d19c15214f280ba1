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
