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

/**
 * What to do about a failure that needs someone to change something, appended to the SDK's
 * message: the SDK says "Could not load credentials from any providers", which does not tell a
 * Fargate user that the task definition lacks a task role.
 */
export const RECEIVE_FAILURE_HINTS = {
  credentials:
    'No AWS credentials were found. On ECS/Fargate, give the task definition a task role (taskRoleArn; the execution role is not used by your code); elsewhere set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or pass a client with credentials.',
  badCredentials:
    'The credentials were refused: check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary ones), AWS_PROFILE, or the ECS task role.',
  accessDenied:
    'The credentials lack permission: the task role (or user) needs sqs:ReceiveMessage, sqs:DeleteMessage, sqs:ChangeMessageVisibility and sqs:GetQueueAttributes on this queue, and kms:Decrypt for an SSE-KMS queue.',
  missingQueue:
    'Check the queue URL (https://sqs.<region>.amazonaws.com/<account-id>/<queue-name>), the region of the client, and AWS_ENDPOINT_URL_SQS for an emulator.',
  region:
    'Set AWS_REGION (ECS sets it in tasks), or pass a client with a region; for an emulator, AWS_ENDPOINT_URL_SQS.',
} as const;

const CODE_HINTS: Readonly<Record<string, string>> = {
  InvalidClientTokenId: RECEIVE_FAILURE_HINTS.badCredentials,
  UnrecognizedClientException: RECEIVE_FAILURE_HINTS.badCredentials,
  SignatureDoesNotMatch: RECEIVE_FAILURE_HINTS.badCredentials,
  InvalidSecurity: RECEIVE_FAILURE_HINTS.badCredentials,
  AccessDenied: RECEIVE_FAILURE_HINTS.accessDenied,
  AccessDeniedException: RECEIVE_FAILURE_HINTS.accessDenied,
  KmsAccessDenied: RECEIVE_FAILURE_HINTS.accessDenied,
};

function withHint(message: string, hint: string | undefined): string {
  if (hint === undefined) return message;
  return `${message}${/[.!?]$/.test(message) || message === '' ? '' : '.'} ${hint}`.trim();
}

export function classifyReceiveFailure(error: unknown): ReceiveFailure {
  const config = clientConfigProblem(error);
  if (config !== undefined) {
    const region = config.startsWith('Region') || config.startsWith('expected `region`');
    return {
      kind: 'fatal',
      code: 'InvalidClientConfig',
      message: withHint(config, region ? RECEIVE_FAILURE_HINTS.region : undefined),
    };
  }
  const message = isError(error) ? (errorParts(error).message ?? '') : describeValue(error);
  if (isCredentialsError(error)) {
    return {
      kind: 'credentials',
      code: 'CredentialsProviderError',
      message: withHint(message, RECEIVE_FAILURE_HINTS.credentials),
    };
  }
  const code = awsErrorCode(error);
  const fatal = FATAL_CODES.has(code);
  return {
    kind: fatal ? 'fatal' : 'retry',
    code,
    message: fatal ? withHint(message, CODE_HINTS[code]) : message,
  };
}

export function isAbortError(error: unknown): boolean {
  return readProperty(error, 'name') === 'AbortError';
}
