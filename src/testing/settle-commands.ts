/** DeleteMessage and ChangeMessageVisibility, single and batched, of the in-memory SQS. */
import type {
  ChangeMessageVisibilityBatchCommandInput,
  ChangeMessageVisibilityCommandInput,
  DeleteMessageBatchCommandInput,
  DeleteMessageCommandInput,
} from '@aws-sdk/client-sqs';
import type { CommandContext } from './command-context.js';
import type { EntryError } from './in-memory-queue.js';
import { sqsError } from './sqs-errors.js';
import { checkBatchEntries } from './validation.js';

export function deleteMessage(ctx: CommandContext, input: DeleteMessageCommandInput) {
  const failure = ctx.queue(input.QueueUrl).deleteByHandle(input.ReceiptHandle ?? '');
  if (failure) throw sqsError(failure.code, failure.message);
  ctx.changed();
  return {};
}

export function deleteMessageBatch(ctx: CommandContext, input: DeleteMessageBatchCommandInput) {
  const queue = ctx.queue(input.QueueUrl);
  checkBatchEntries(input.Entries);
  const result = batchResult(input.Entries ?? [], (e) =>
    queue.deleteByHandle(e.ReceiptHandle ?? ''),
  );
  ctx.changed();
  return result;
}

export function changeMessageVisibility(
  ctx: CommandContext,
  input: ChangeMessageVisibilityCommandInput,
) {
  const queue = ctx.queue(input.QueueUrl);
  const failure = queue.changeVisibility(
    input.ReceiptHandle ?? '',
    input.VisibilityTimeout,
    ctx.clock.now(),
  );
  if (failure) throw sqsError(failure.code, failure.message);
  ctx.changed();
  return {};
}

export function changeMessageVisibilityBatch(
  ctx: CommandContext,
  input: ChangeMessageVisibilityBatchCommandInput,
) {
  const queue = ctx.queue(input.QueueUrl);
  checkBatchEntries(input.Entries);
  const now = ctx.clock.now();
  const result = batchResult(input.Entries ?? [], (e) =>
    queue.changeVisibility(e.ReceiptHandle ?? '', e.VisibilityTimeout, now),
  );
  ctx.changed();
  return result;
}

/** Applies `apply` to each entry; failures are reported per entry, as SQS does. */
function batchResult<E extends { Id?: string }>(
  entries: readonly E[],
  apply: (entry: E) => EntryError | undefined,
) {
  const Successful: Array<{ Id: string }> = [];
  const Failed: Array<{ Id: string; Code: string; Message: string; SenderFault: boolean }> = [];
  for (const entry of entries) {
    const failure = apply(entry);
    const Id = entry.Id ?? '';
    if (failure)
      Failed.push({ Id, Code: failure.code, Message: failure.message, SenderFault: true });
    else Successful.push({ Id });
  }
  return { Successful, Failed };
}
