/**
 * `lambdaHandler()`: runs a Lambda SQS handler, unchanged, as a batch handler. Each batch becomes
 * an `SQSEvent` with Lambda's record shape and a `Context`; the handler's response is read the
 * way Lambda reads it with `ReportBatchItemFailures` on, and handed to the batch listener as its
 * `{ batchItemFailures }` result.
 */
import type { LeasedMessage } from '../core/leased-message.js';
import type { BatchHandler } from '../listeners/batch.js';
import type { BatchItemFailures } from '../listeners/batch-result.js';
import { handlerDeadlineOf } from '../listeners/handler-deadline.js';
import { HandlerError } from '../listeners/handler-error.js';
import { describeValue } from '../shared/describe.js';
import { ConfigError } from '../shared/errors.js';
import { checkOptionNames, type OptionNames } from '../shared/option-names.js';
import { isThenable } from '../shared/thenable.js';
import { createLambdaContext } from './lambda-context.js';
import { eventSourceOf, toLambdaRecord } from './lambda-event.js';
import type { LambdaCallback, LambdaSqsEvent, LambdaSqsHandler } from './lambda-types.js';

/** Options of {@link lambdaHandler}. */
export interface LambdaHandlerOptions {
  /**
   * `context.functionName`, also used in `invokedFunctionArn` and `logGroupName`: 1 to 64
   * letters, digits, `-` or `_`, as Lambda allows. Default `sqs-fargate-listener`.
   */
  functionName?: string | undefined;
}

const OPTION_NAMES = { functionName: true } as const satisfies OptionNames<LambdaHandlerOptions>;
const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/;

function resolveFunctionName(options: LambdaHandlerOptions): string {
  checkOptionNames(options, { where: 'lambdaHandler()', names: OPTION_NAMES });
  const name = options.functionName;
  if (name === undefined) return 'sqs-fargate-listener';
  if (typeof name !== 'string' || !FUNCTION_NAME.test(name)) {
    throw new ConfigError({
      option: 'functionName',
      value: name,
      allowed: '1 to 64 letters, digits, "-" or "_" (a Lambda function name)',
      from: 'option',
    });
  }
  return name;
}

/**
 * Runs an existing Lambda SQS handler inside a batch listener, unchanged: `(event, context)`
 * returning a promise (async handlers, Powertools' `processPartialResponse`), a plain function,
 * or a callback handler `(event, context, callback)`. Use it with `mode: 'batch'`.
 *
 * Each batch is one invocation. The event's records carry Lambda's fields (`messageId`,
 * `receiptHandle`, `body`, `attributes`, `messageAttributes` with `stringValue`/`dataType`,
 * `md5OfBody`, `eventSource: 'aws:sqs'`, `eventSourceARN`, `awsRegion`), and
 * `context.getRemainingTimeInMillis()` counts down the listener's `handlerTimeout` (15 minutes
 * without one). As in Lambda with `ReportBatchItemFailures`: the messages named in
 * `batchItemFailures` are retried and the rest deleted; returning nothing, `null`, `{}` or an
 * empty or null list deletes them all; a throw, a rejection, a callback error, or an
 * `itemIdentifier` that is empty, missing or not a message of the batch fails the whole batch.
 * Unlike Lambda, a response of another shape (a string, an object without `batchItemFailures`)
 * fails the whole batch too, rather than deleting it: see docs/lambda.md.
 *
 * @param handler The Lambda handler, typed with `SQSHandler` from `aws-lambda` or not at all.
 * @param options `functionName` for the context.
 * @returns A batch handler for `sqsListener({ mode: 'batch' })` or `batchListener()`.
 * @throws TypeError when `handler` is not a function; ConfigError for a bad option.
 *
 * @example
 * ```ts
 * import type { SQSHandler } from 'aws-lambda';
 * import { lambdaHandler, runListeners, sqsListener } from 'sqs-fargate-listener';
 *
 * // The handler as deployed to Lambda, unchanged.
 * const handler: SQSHandler = async (event) => {
 *   const batchItemFailures = [];
 *   for (const record of event.Records) {
 *     try {
 *       await processOrder(JSON.parse(record.body));
 *     } catch {
 *       batchItemFailures.push({ itemIdentifier: record.messageId });
 *     }
 *   }
 *   return { batchItemFailures };
 * };
 *
 * sqsListener({ queueUrl: process.env.QUEUE_URL, mode: 'batch', handlerTimeout: 30 }, lambdaHandler(handler));
 * await runListeners();
 * ```
 */
export function lambdaHandler(
  handler: LambdaSqsHandler,
  options: LambdaHandlerOptions = {},
): BatchHandler {
  if (typeof handler !== 'function') {
    throw new TypeError('lambdaHandler(handler): handler must be a function');
  }
  const functionName = resolveFunctionName(options);
  return async (messages: LeasedMessage[]) => {
    if (!Array.isArray(messages)) {
      throw new TypeError(
        "lambdaHandler(): the handler received one message, not a batch; use it with mode: 'batch' (or batchListener())",
      );
    }
    // Set by the listener as the call started (only with a handlerTimeout).
    const deadline = handlerDeadlineOf(messages);
    const first = messages[0];
    if (first === undefined) return undefined;
    const source = await eventSourceOf(first);
    const event: LambdaSqsEvent = { Records: messages.map((m) => toLambdaRecord(m, source)) };
    const response = await invoke(handler, event, (end) =>
      createLambdaContext(functionName, source, deadline, end),
    );
    return toBatchResult(response);
  };
}

/**
 * Calls the handler as Lambda's Node.js runtime does: the returned promise, the callback or a
 * legacy context method, whichever ends the call first, gives the response. A plain function
 * (fewer than three parameters, or a value returned) ends with what it returned. A callback
 * handler that returns nothing must call its callback: as long as it has not, the call runs
 * (until `handlerTimeout`).
 */
function invoke(
  handler: LambdaSqsHandler,
  event: LambdaSqsEvent,
  contextFor: (end: LambdaCallback) => ReturnType<typeof createLambdaContext>,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let ended = false;
    const end: LambdaCallback = (error, result) => {
      if (ended) return;
      ended = true;
      if (error === undefined || error === null) resolve(result);
      else reject(typeof error === 'string' ? new Error(error) : error);
    };
    const returned = handler(event, contextFor(end), end);
    if (isThenable(returned)) {
      returned.then(
        (result) => end(null, result),
        (error: unknown) =>
          end(error ?? new Error(`the Lambda handler rejected with ${describeValue(error)}`)),
      );
    } else if (returned !== undefined || handler.length < 3) {
      end(null, returned);
    }
  });
}

/**
 * Lambda's reading of a response: nothing, an empty object or a null list is a success; a
 * `batchItemFailures` list is checked by the batch listener (an empty, missing or unknown
 * `itemIdentifier` fails the whole batch, as in Lambda). Any other response fails the whole
 * batch: it cannot say what succeeded.
 */
function toBatchResult(response: unknown): BatchItemFailures | undefined {
  if (response === undefined || response === null) return undefined;
  if (typeof response === 'object' && !Array.isArray(response)) {
    const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
    if (failures !== undefined && failures !== null) {
      return { batchItemFailures: failures } as BatchItemFailures;
    }
    const keys = Object.keys(response);
    if (keys.length === 0 || 'batchItemFailures' in response) return undefined;
    throw invalid(`an object without batchItemFailures (keys: ${keys.slice(0, 5).join(', ')})`);
  }
  throw invalid(
    Array.isArray(response)
      ? 'an array'
      : typeof response === 'string'
        ? `a string (${JSON.stringify(response.slice(0, 40))})`
        : `${typeof response} ${describeValue(response).slice(0, 60)}`,
  );
}

function invalid(what: string): HandlerError {
  return new HandlerError(
    'invalidResult',
    `the Lambda handler returned ${what}, not { batchItemFailures } or nothing; the whole batch will be retried`,
  );
}
