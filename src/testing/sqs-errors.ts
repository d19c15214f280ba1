/** Errors shaped like the ones `@aws-sdk/client-sqs` throws, so the library reacts as it would to SQS. */

/** An SQS service error: `name` is the error code, as the SDK sets it. */
export function sqsError(code: string, message: string): Error {
  const error = new Error(message) as Error & {
    $fault: 'client';
    $metadata: Record<string, unknown>;
    Code: string;
  };
  error.name = code;
  error.Code = code;
  error.$fault = 'client';
  error.$metadata = { httpStatusCode: 400 };
  return error;
}

/** What the SDK throws when a request's `abortSignal` aborts. */
export function abortError(): Error {
  const error = new Error('Request aborted');
  error.name = 'AbortError';
  return error;
}
