/** The result forms a batch handler may return, and how they map to failed messages. */
import type { LeasedMessage } from '../core/leased-message.js';

/**
 * A batch handler's result naming the messages that failed by receipt handle, as the Python
 * sqs-fargate-listener returns it; the others are acked. Lambda's `{ batchItemFailures }` works
 * as well.
 *
 * @example
 * ```ts
 * sqsListener({ mode: 'batch' }, async (messages) => {
 *   const failed = messages.filter((m) => !isValid(m.json));
 *   return BatchResult.failed(failed); // only these are retried
 * });
 * ```
 */
export class BatchResult {
  readonly failedReceiptHandles: readonly string[];

  constructor(init: { failedReceiptHandles?: Iterable<string> | undefined } = {}) {
    this.failedReceiptHandles = [...(init.failedReceiptHandles ?? [])];
  }

  /** Convenience: a result failing exactly these messages. */
  static failed(messages: Iterable<LeasedMessage>): BatchResult {
    return new BatchResult({ failedReceiptHandles: [...messages].map((m) => m.receiptHandle) });
  }
}

/** Lambda's partial batch response (`ReportBatchItemFailures`): item identifiers are message ids. */
export interface BatchItemFailures {
  batchItemFailures: Array<{ itemIdentifier: string }>;
}

/**
 * Everything a batch handler may return:
 * - `void`/`undefined`/`null`/`true`: every message succeeded;
 * - `false`: the whole batch failed, as if the handler threw;
 * - a `BatchResult` (or `{ failedReceiptHandles }`), or Lambda's `{ batchItemFailures }`: those
 *   messages failed, the rest succeeded.
 *
 * Anything else fails the whole batch (Lambda too treats an invalid response as a failure of the
 * whole batch): a result that cannot be read must never delete messages.
 */
export type BatchHandlerResult =
  // biome-ignore lint/suspicious/noConfusingVoidType: `void` lets `async (batch) => { … }` (a Promise<void>) be a handler.
  | void
  | undefined
  | null
  | boolean
  | BatchResult
  | BatchItemFailures
  | { failedReceiptHandles: readonly string[] };

/** How a batch handler's result reads: the failed messages, or why it cannot be trusted. */
export type ReadBatchResult =
  | { ok: true; failed: Set<LeasedMessage> }
  | { ok: false; problem: string };

/**
 * Reads a batch handler's result against its batch (`false` never gets here: the handler call
 * already counts it as a failure of the whole batch). Never throws, whatever the handler made.
 */
export function readBatchResult(batch: readonly LeasedMessage[], result: unknown): ReadBatchResult {
  try {
    return read(batch, result);
  } catch {
    // A revoked Proxy, a throwing getter: nothing about such a result can be trusted.
    return { ok: false, problem: 'the result could not be inspected (inspecting it threw)' };
  }
}

function read(batch: readonly LeasedMessage[], result: unknown): ReadBatchResult {
  if (result === undefined || result === null || result === true) {
    return { ok: true, failed: new Set() };
  }
  if (typeof result !== 'object') {
    return { ok: false, problem: `the result is ${describe(result)}` };
  }
  const fields = result as { failedReceiptHandles?: unknown; batchItemFailures?: unknown };
  if ('batchItemFailures' in fields) {
    const byId = new Map(batch.map((m) => [m.messageId, m]));
    return failedById(fields.batchItemFailures, 'batchItemFailures', (item) => {
      const id = (item as { itemIdentifier?: unknown } | null)?.itemIdentifier;
      if (typeof id !== 'string' || id === '') {
        return `an item's itemIdentifier is ${describe(id)}, not a message id`;
      }
      return byId.get(id) ?? `itemIdentifier ${JSON.stringify(id)} is not a message of the batch`;
    });
  }
  if ('failedReceiptHandles' in fields) {
    const byHandle = new Map(batch.map((m) => [m.receiptHandle, m]));
    return failedById(fields.failedReceiptHandles, 'failedReceiptHandles', (handle) =>
      typeof handle === 'string'
        ? (byHandle.get(handle) ?? 'a receipt handle is not one of the batch')
        : `a receipt handle is ${describe(handle)}`,
    );
  }
  const keys = safeKeys(result);
  return {
    ok: false,
    problem: `the result is an object without batchItemFailures or failedReceiptHandles (keys: ${keys || 'none'})`,
  };
}

function failedById(
  list: unknown,
  name: string,
  find: (item: unknown) => LeasedMessage | string,
): ReadBatchResult {
  if (!Array.isArray(list))
    return { ok: false, problem: `${name} is ${describe(list)}, not an array` };
  const failed = new Set<LeasedMessage>();
  for (const item of list) {
    const found = find(item);
    if (typeof found === 'string') return { ok: false, problem: found };
    failed.add(found);
  }
  return { ok: true, failed };
}

/** A short description of a value for a log line; never throws. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'undefined':
      return 'missing';
    case 'string':
      return `a string (${JSON.stringify(value.slice(0, 40))})`;
    case 'number':
    case 'bigint':
    case 'boolean':
      return `${typeof value} ${String(value)}`;
    case 'object':
      return 'an object';
    default:
      return `a ${typeof value}`;
  }
}

function safeKeys(value: object): string {
  try {
    return Object.keys(value).slice(0, 5).join(', ');
  } catch {
    return '?';
  }
}
