/** The result forms a batch handler may return, and how they map to failed messages. */
import type { LeasedMessage } from '../leased-message.js';

/** The Python seed's result: the receipt handles of the messages that failed. */
export class BatchResult {
  readonly failedReceiptHandles: readonly string[];

  constructor(init: { failedReceiptHandles?: Iterable<string> } = {}) {
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

/** Everything a batch handler may return; anything else counts as "all succeeded". */
export type BatchHandlerResult = undefined | BatchResult | BatchItemFailures;

/**
 * The set of failed messages in `batch` for a handler's result. Identifiers that match no
 * message of the batch are returned separately so the caller can report them: Lambda fails the
 * whole batch for an unknown identifier, and so do we, since the result cannot be trusted.
 */
export function failedMessages(
  batch: readonly LeasedMessage[],
  result: unknown,
): { failed: Set<LeasedMessage>; unknown: string[] } {
  const failed = new Set<LeasedMessage>();
  const unknown: string[] = [];
  if (result === undefined || result === null) return { failed, unknown };
  if (result instanceof BatchResult || isFailedHandles(result)) {
    const byHandle = new Map(batch.map((m) => [m.receiptHandle, m]));
    for (const handle of result.failedReceiptHandles) {
      const m = byHandle.get(handle);
      if (m) failed.add(m);
      else unknown.push(handle);
    }
    return { failed, unknown };
  }
  if (isBatchItemFailures(result)) {
    const byId = new Map(batch.map((m) => [m.messageId, m]));
    for (const item of result.batchItemFailures) {
      const m =
        typeof item?.itemIdentifier === 'string' ? byId.get(item.itemIdentifier) : undefined;
      if (m) failed.add(m);
      else unknown.push(String(item?.itemIdentifier));
    }
    return { failed, unknown };
  }
  return { failed, unknown };
}

function isFailedHandles(value: unknown): value is { failedReceiptHandles: readonly string[] } {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as { failedReceiptHandles?: unknown }).failedReceiptHandles)
  );
}

function isBatchItemFailures(value: unknown): value is BatchItemFailures {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as { batchItemFailures?: unknown }).batchItemFailures)
  );
}
