/**
 * A Lambda `Context` for one handler call: `getRemainingTimeInMillis()` counts down to the
 * listener's handler timeout; names and ARNs are stand-ins shaped like Lambda's, so that code
 * that logs or parses them (Powertools' Logger, for one) keeps working.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { totalmem } from 'node:os';
import { monotonicNow } from '../shared/timing.js';
import type { EventSource } from './lambda-event.js';
import type { LambdaCallback, LambdaContext } from './lambda-types.js';

/**
 * What `getRemainingTimeInMillis()` starts from when the listener has no `handlerTimeout`:
 * 15 minutes, Lambda's longest timeout (and the default `maxExtend`, the lease budget).
 */
export const NO_TIMEOUT_REMAINING_MS = 900_000;

let memoryMb: string | undefined;
/** The container's memory limit (cgroup) when there is one, else the machine's, in MiB. */
function memoryLimitInMB(): string {
  if (memoryMb === undefined) {
    const total = totalmem();
    const constrained = process.constrainedMemory?.() ?? 0;
    const bytes = constrained > 0 && constrained < total ? constrained : total;
    memoryMb = String(Math.floor(bytes / 2 ** 20));
  }
  return memoryMb;
}

let streamName: string | undefined;
/** Like Lambda's: one log stream per execution environment (here, per process). */
function logStreamName(): string {
  if (streamName === undefined) {
    const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
    streamName = `${day}/[$LATEST]${randomBytes(16).toString('hex')}`;
  }
  return streamName;
}

/**
 * The context of one call. `deadlineMs` is `monotonicNow()` time; `undefined` means no handler
 * timeout. `end` is the callback the legacy `done`/`fail`/`succeed` methods call.
 */
export function createLambdaContext(
  functionName: string,
  source: EventSource,
  deadlineMs: number | undefined,
  end: LambdaCallback,
): LambdaContext {
  const deadline = deadlineMs ?? monotonicNow() + NO_TIMEOUT_REMAINING_MS;
  const { partition, region, account } = source;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:${partition}:lambda:${region}:${account}:function:${functionName}`,
    memoryLimitInMB: memoryLimitInMB(),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: logStreamName(),
    getRemainingTimeInMillis: () => Math.max(0, Math.floor(deadline - monotonicNow())),
    done: (error, result) => end(error, result),
    fail: (error) => end(error ?? new Error('context.fail() called')),
    succeed: (result) => end(null, result),
  };
}
