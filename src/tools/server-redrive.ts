/**
 * `redrive({ server: true })`: SQS moves the messages itself (`StartMessageMoveTask`, 2023).
 * Only real SQS has it; the task runs asynchronously in SQS and this returns once it started.
 */
import { type SQSClient, StartMessageMoveTaskCommand } from '@aws-sdk/client-sqs';
import { awsErrorCode, describeError } from '../shared/errors.js';
import { RedriveError } from './redrive-error.js';
import { queueArn } from './redrive-source.js';

/** A message move task SQS accepted (`redrive({ server: true })`). */
export interface MessageMoveTaskStarted {
  mode: 'server';
  /** SQS's handle: pass it to `CancelMessageMoveTask`; progress is in `ListMessageMoveTasks`. */
  taskHandle: string;
  /** The dead-letter queue's ARN. */
  sourceArn: string;
  /** The target's ARN; `undefined`: SQS sends each message back to the queue it came from. */
  destinationArn: string | undefined;
}

export async function startMoveTask(
  client: SQSClient,
  from: string,
  to: string | undefined,
  maxPerSecond: number | undefined,
  signal: AbortSignal | undefined,
): Promise<MessageMoveTaskStarted> {
  try {
    const sourceArn = await queueArn(client, from, signal);
    const destinationArn = to === undefined ? undefined : await queueArn(client, to, signal);
    const output = await client.send(
      new StartMessageMoveTaskCommand({
        SourceArn: sourceArn,
        DestinationArn: destinationArn,
        MaxNumberOfMessagesPerSecond: maxPerSecond,
      }),
      { abortSignal: signal },
    );
    return { mode: 'server', taskHandle: output?.TaskHandle ?? '', sourceArn, destinationArn };
  } catch (error) {
    if (error instanceof RedriveError) throw error;
    const code = awsErrorCode(error);
    // An emulator answers an unknown action with an error of its own; say what it means.
    const hint = /InvalidAction|UnknownOperation|UnsupportedOperation|NotImplemented/i.test(code)
      ? ' (this SQS endpoint does not implement StartMessageMoveTask: it needs real SQS; redrive without server moves messages client-side)'
      : '';
    throw new RedriveError(`StartMessageMoveTask failed: ${describeError(error)}${hint}`, {
      code,
      cause: error,
      queueUrl: from,
    });
  }
}
