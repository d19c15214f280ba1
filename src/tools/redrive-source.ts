/**
 * Where a dead-letter message goes back to when the caller named no `to`. SQS offers three
 * clues, from the most to the least precise:
 * 1. the message's own `DeadLetterQueueSourceArn` system attribute, set by SQS when its redrive
 *    policy moved the message (absent on messages a consumer sent to the DLQ itself);
 * 2. `ListDeadLetterSourceQueues`: the queues whose redrive policy names this DLQ;
 * 3. the DLQ's `RedriveAllowPolicy`, when it allows `byQueue` sources: the queues allowed to use it.
 * Exactly one candidate is an answer; several are ambiguous, none is unknown: both end the run
 * with a `RedriveError` naming what was found, so that the user picks `to`.
 */
import {
  GetQueueAttributesCommand,
  ListDeadLetterSourceQueuesCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { queueUrlFromArn } from '../core/queue-info.js';
import { awsErrorCode, describeError } from '../shared/errors.js';
import { RedriveError } from './redrive-error.js';

/** The ARN of a queue (one GetQueueAttributes). */
export async function queueArn(
  client: SQSClient,
  queueUrl: string,
  signal?: AbortSignal,
): Promise<string> {
  const output = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    { abortSignal: signal },
  );
  const arn = output?.Attributes?.QueueArn;
  if (arn === undefined) {
    throw new RedriveError(`SQS returned no QueueArn for ${queueUrl}`, {
      code: 'QueueArnMissing',
      queueUrl,
    });
  }
  return arn;
}

export class RedriveTargets {
  private fallback: Promise<string> | undefined;

  constructor(
    private readonly client: SQSClient,
    private readonly dlqUrl: string,
    private readonly explicit: string | undefined,
  ) {}

  /** The queue URL this message goes to; rejects with a `RedriveError` when nobody can tell. */
  async targetFor(message: Message): Promise<string> {
    if (this.explicit !== undefined) return this.explicit;
    const arn = message.Attributes?.DeadLetterQueueSourceArn;
    const url = arn === undefined ? undefined : queueUrlFromArn(this.dlqUrl, arn);
    if (url !== undefined && url !== this.dlqUrl) return url;
    // Found once and reused; a failure is final for the run (the same question would fail again).
    this.fallback ??= this.findSource();
    return this.fallback;
  }

  private async findSource(): Promise<string> {
    const tried: string[] = [];
    const listed = await this.listSources(tried);
    const candidates = listed.length > 0 ? listed : await this.allowedSources(tried);
    const unique = [...new Set(candidates)].filter((url) => url !== this.dlqUrl);
    if (unique.length === 1) return unique[0] as string;
    if (unique.length > 1) {
      throw new RedriveError(
        `${this.dlqUrl} is the dead-letter queue of ${unique.length} queues (${unique.join(', ')}) and a message does not say which one it came from: pass \`to\` (--to) with one of them`,
        { code: 'RedriveSourceAmbiguous', queueUrl: this.dlqUrl, choices: unique },
      );
    }
    throw new RedriveError(
      `cannot tell where the messages of ${this.dlqUrl} came from (${tried.join('; ')}): pass \`to\` (--to) with the source queue URL`,
      { code: 'RedriveSourceUnknown', queueUrl: this.dlqUrl },
    );
  }

  /** Every page of ListDeadLetterSourceQueues; `[]` (and a note in `tried`) when unavailable. */
  private async listSources(tried: string[]): Promise<string[]> {
    const urls: string[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await this.client.send(
          new ListDeadLetterSourceQueuesCommand({
            QueueUrl: this.dlqUrl,
            MaxResults: 1000,
            NextToken: token,
          }),
        );
        urls.push(...(page?.queueUrls ?? []));
        token = page?.NextToken;
      } while (token !== undefined && token !== '');
    } catch (error) {
      // Emulators may not implement it; without sqs:ListDeadLetterSourceQueues it is denied.
      tried.push(`ListDeadLetterSourceQueues failed: ${awsErrorCode(error)}`);
      return [];
    }
    tried.push(
      `ListDeadLetterSourceQueues found ${urls.length === 0 ? 'no queue' : urls.join(', ')}`,
    );
    return urls;
  }

  /** The `sourceQueueArns` of a `byQueue` RedriveAllowPolicy, as URLs. */
  private async allowedSources(tried: string[]): Promise<string[]> {
    let policy: string | undefined;
    try {
      const output = await this.client.send(
        new GetQueueAttributesCommand({
          QueueUrl: this.dlqUrl,
          AttributeNames: ['RedriveAllowPolicy'],
        }),
      );
      policy = output?.Attributes?.RedriveAllowPolicy;
    } catch (error) {
      tried.push(`reading RedriveAllowPolicy failed: ${describeError(error)}`);
      return [];
    }
    const arns = sourceArnsOf(policy);
    if (arns === undefined) {
      tried.push(
        policy === undefined
          ? 'the queue has no RedriveAllowPolicy'
          : 'its RedriveAllowPolicy names no source queues (redrivePermission is not byQueue)',
      );
      return [];
    }
    return arns.flatMap((arn) => queueUrlFromArn(this.dlqUrl, arn) ?? []);
  }
}

/** `sourceQueueArns` of a RedriveAllowPolicy with `redrivePermission: byQueue`, else `undefined`. */
export function sourceArnsOf(policy: string | undefined): string[] | undefined {
  if (policy === undefined || policy === '') return undefined;
  try {
    const parsed = JSON.parse(policy) as { redrivePermission?: unknown; sourceQueueArns?: unknown };
    if (parsed.redrivePermission !== 'byQueue' || !Array.isArray(parsed.sourceQueueArns)) {
      return undefined;
    }
    const arns = parsed.sourceQueueArns.filter((a): a is string => typeof a === 'string');
    return arns.length > 0 ? arns : undefined;
  } catch {
    return undefined;
  }
}
