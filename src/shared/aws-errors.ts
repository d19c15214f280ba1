/**
 * What an error from the SDK means: its SQS error code, and whether receiving again can
 * succeed (a missing queue or bad credentials cannot; a throttle or a network error can).
 */
import { describeValue, errorParts, isError, readProperty } from './describe.js';

/** Extracts the SQS/AWS error code from whatever the SDK threw. */
export function awsErrorCode(error: unknown): string {
  const Code = readProperty(error, 'Code');
  if (typeof Code === 'string' && !Code.startsWith('AWS.SimpleQueueService.')) return Code;
  const name = readProperty(error, 'name');
  if (typeof name === 'string' && name !== 'Error') return name;
  const code = readProperty(error, 'code');
  if (typeof code === 'string') return code;
  return 'Unknown';
}

/** Error codes after which receiving again cannot succeed without someone changing something. */
const FATAL_CODES = new Set([
  'QueueDoesNotExist',
  'AWS.SimpleQueueService.NonExistentQueue',
  'AccessDenied',
  'AccessDeniedException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'InvalidSecurity',
  'InvalidAddress',
  'KmsAccessDenied',
  'KmsDisabled',
  'KmsNotFound',
]);

export function isFatalAwsError(error: unknown): boolean {
  return FATAL_CODES.has(awsErrorCode(error)) || clientConfigProblem(error) !== undefined;
}

/**
 * The SDK's own configuration errors, found by what @aws-sdk/client-sqs 3.x throws before any
 * request is sent (observed with a real SQSClient): they carry no code, so they are matched by
 * name and message. None of them can go away by retrying.
 * - no region (neither option nor AWS_REGION/profile): `Error: Region is missing`;
 * - a region that is no hostname label: `Error: Region not accepted: region="us east 1" is not a
 *   valid hostname component.`; the signer's `expected \`region\` to be configured` likewise;
 * - an endpoint that is no URL ('not a url', 'http://'): Node's `TypeError: Invalid URL` with
 *   `code: 'ERR_INVALID_URL'`, thrown while the SDK parses the endpoint.
 */
function clientConfigProblem(error: unknown): string | undefined {
  const message = readProperty(error, 'message');
  if (typeof message !== 'string') return undefined;
  if (readProperty(error, 'code') === 'ERR_INVALID_URL') {
    const input = readProperty(error, 'input');
    return typeof input === 'string' ? `${message}: endpoint ${JSON.stringify(input)}` : message;
  }
  if (
    message === 'Region is missing' ||
    message.startsWith('Region not accepted') ||
    message.startsWith('expected `region` to be configured')
  ) {
    return message;
  }
  return undefined;
}

/**
 * Credentials that could not be loaded: the provider chain's `CredentialsProviderError` ("Could
 * not load credentials from any providers", or a custom provider's own), or a provider that
 * resolved without keys (`Error: Resolved credential object is not valid`, e.g.
 * `{ accessKeyId: process.env.UNSET }`). Unlike the errors above this can be transient (the
 * container credentials endpoint not ready yet at start-up), so it is retried a few times.
 */
function isCredentialsError(error: unknown): boolean {
  return (
    readProperty(error, 'name') === 'CredentialsProviderError' ||
    readProperty(error, 'message') === 'Resolved credential object is not valid'
  );
}

/** Receives in a row that must fail on credentials before the stream gives up. */
export const CREDENTIALS_ATTEMPTS = 3;

/** What a failed receive means for the stream. */
export interface ReceiveFailure {
  /** `fatal`: end the stream now; `credentials`: end it once it keeps failing; else retry. */
  kind: 'fatal' | 'credentials' | 'retry';
  code: string;
  /** What to tell the user: the SDK's own message, with the bad endpoint where there is one. */
  message: string;
}

export function classifyReceiveFailure(error: unknown): ReceiveFailure {
  const config = clientConfigProblem(error);
  if (config !== undefined) return { kind: 'fatal', code: 'InvalidClientConfig', message: config };
  const message = isError(error) ? (errorParts(error).message ?? '') : describeValue(error);
  if (isCredentialsError(error)) {
    return { kind: 'credentials', code: 'CredentialsProviderError', message };
  }
  const code = awsErrorCode(error);
  return { kind: FATAL_CODES.has(code) ? 'fatal' : 'retry', code, message };
}

export function isAbortError(error: unknown): boolean {
  return readProperty(error, 'name') === 'AbortError';
}
