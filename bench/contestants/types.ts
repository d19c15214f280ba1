/** The contract every contestant implements; the harness (bench/contestant.ts) does the rest. */
import type { SQS } from '@aws-sdk/client-sqs';
import type { ContestantOptions } from '../protocol.js';
import type { Handler, Workload } from '../workloads.js';

export interface RunContext {
  queueUrl: string;
  /** Counting client: use it for every request, so requests per message are comparable. */
  client: SQS;
  workload: Workload;
  /** This contestant's options from the registry (also printed in the report). */
  options: ContestantOptions;
  /** The workload's handler; call it with each message body. */
  handler: Handler;
  /** Call after the handler finished for a message (before or after deleting it). */
  /** `body` carries the message's sequence number, so that tracking costs a bit per message. */
  handled: (messageId: string, body: string) => void;
  /** Aborts once every expected message was handled: stop receiving then. */
  allHandled: AbortSignal;
  /** Messages in the queue (for peers that must count their own confirmed deletes). */
  expected: number;
  /** Report an error the contestant's library signalled (event, log line, failed request). */
  error: (kind: string) => void;
}

/**
 * Runs until every message is handled and every delete is confirmed by SQS; the clock stops
 * when the returned promise resolves.
 */
export type RunFn = (ctx: RunContext) => Promise<void>;
