/**
 * Queues given by name (`queueName`, env `QUEUE_NAME`), as Spring's `@SqsListener("orders")`
 * does: the URL is looked up once with GetQueueUrl when the stream or the runner starts, so the
 * same task definition works in every account and region.
 */
import { GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type Env, isValidQueueUrl, resolveString } from '../shared/config.js';
import {
  awsErrorCode,
  ConfigError,
  classifyReceiveFailure,
  isAbortError,
  ReceiveError,
} from '../shared/errors.js';
import { sleep } from '../shared/timing.js';

/** What SQS allows in a queue name: 1–80 letters, digits, `-` and `_`, `.fifo` for FIFO. */
export function isValidQueueName(s: string): boolean {
  return /^[\w-]{1,80}$/.test(s.replace(/\.fifo$/, '')) && s !== '.fifo';
}

const QUEUE_NAME_ALLOWED =
  'a queue name: 1 to 80 letters, digits, hyphens and underscores, ending in .fifo for a FIFO queue';

/** The expected form of a queue URL, for error messages. */
export const QUEUE_URL_ALLOWED =
  'an SQS queue URL of the form https://sqs.<region>.amazonaws.com/<account-id>/<queue-name> (an emulator: http://<host>:<port>/<account-id>/<queue-name>)';

/** What a refused queue URL probably was, and how to give the queue instead. */
export function queueUrlHint(value: string): string {
  const byName =
    'To give the queue by name instead, pass queueName (env QUEUE_NAME): its URL is looked up with GetQueueUrl at start.';
  if (/^arn:aws[\w-]*:sqs:/.test(value.trim())) {
    return `That is a queue ARN, not its URL. ${byName}`;
  }
  if (isValidQueueName(value.trim())) {
    return `That looks like a queue name: pass queueName: ${JSON.stringify(value.trim())} (env QUEUE_NAME) instead; its URL is looked up with GetQueueUrl at start.`;
  }
  return byName;
}

/** The queue of a stream or a listener: its URL, or the name whose URL is looked up at start. */
export type QueueTarget = { queueUrl: string } | { queueName: string };

/**
 * Which queue: the explicit URL or name (both at once is an error), else `QUEUE_URL` or
 * `QUEUE_NAME` (both set is an error too: which one was meant?). `undefined` when none is given.
 */
export function resolveQueueTarget(
  explicitUrl: unknown,
  explicitName: unknown,
  env: Env,
): QueueTarget | undefined {
  if (explicitUrl !== undefined && explicitName !== undefined) {
    throw new ConfigError({
      option: 'queueName',
      envVar: 'QUEUE_NAME',
      value: explicitName,
      allowed: 'either queueUrl or queueName, not both',
      from: 'option',
      hint: `queueUrl is ${JSON.stringify(explicitUrl)}: remove one of them.`,
    });
  }
  const explicit = explicitUrl !== undefined || explicitName !== undefined;
  if (!explicit && env.QUEUE_URL !== undefined && env.QUEUE_NAME !== undefined) {
    throw new ConfigError({
      option: 'queueName',
      envVar: 'QUEUE_NAME',
      value: env.QUEUE_NAME,
      allowed: 'either QUEUE_URL or QUEUE_NAME, not both',
      from: 'env',
      hint: `QUEUE_URL is ${JSON.stringify(env.QUEUE_URL)}: unset one of them.`,
    });
  }
  // An explicit name shadows QUEUE_URL, as an explicit URL shadows QUEUE_NAME.
  const url = resolveString(URL_SPEC, explicitUrl, explicitName === undefined ? env : {});
  if (url !== undefined) return { queueUrl: url };
  const name = resolveString(NAME_SPEC, explicitName, env);
  return name === undefined ? undefined : { queueName: name };
}

const URL_SPEC = {
  option: 'queueUrl',
  env: 'QUEUE_URL',
  allowed: QUEUE_URL_ALLOWED,
  validate: isValidQueueUrl,
  hint: queueUrlHint,
};

const NAME_SPEC = {
  option: 'queueName',
  env: 'QUEUE_NAME',
  allowed: QUEUE_NAME_ALLOWED,
  validate: isValidQueueName,
  hint: (value: string): string | undefined =>
    isValidQueueUrl(value.trim())
      ? 'That is a queue URL: pass it as queueUrl (env QUEUE_URL) instead.'
      : undefined,
};

/** The error when neither a queue URL nor a name is given. */
export function missingQueueError(where: string): ConfigError {
  return new ConfigError({
    option: 'queueUrl',
    envVar: 'QUEUE_URL',
    value: undefined,
    allowed: `${QUEUE_URL_ALLOWED}, given as the queueUrl option or QUEUE_URL; or a queue name, as the queueName option or QUEUE_NAME`,
    from: 'option',
    hint: `${where} needs to know which queue to receive from.`,
  });
}

/** Where the client sends requests, for messages: "region eu-west-1, endpoint http://…". */
async function clientWhere(client: SQSClient): Promise<string> {
  const parts: string[] = [];
  try {
    const config = (client as Partial<SQSClient>).config;
    const region = await config?.region?.();
    if (typeof region === 'string') parts.push(`region ${region}`);
    const endpoint = config?.endpoint ? await config.endpoint() : undefined;
    if (endpoint?.hostname) {
      const port = endpoint.port ? `:${endpoint.port}` : '';
      parts.push(`endpoint ${endpoint.protocol}//${endpoint.hostname}${port}${endpoint.path}`);
    }
  } catch {
    // A client without a region fails GetQueueUrl itself, with its own message.
  }
  return parts.length === 0 ? 'the client' : parts.join(', ');
}

/** Failed GetQueueUrl calls that may succeed when tried again (throttling, network, credentials). */
const LOOKUP_ATTEMPTS = 3;

/**
 * Looks up the URL of the queue `queueName` (GetQueueUrl). A missing queue is a `ConfigError`
 * naming the queue and where it was looked for; a failure retrying cannot fix (credentials,
 * permissions, region) a `ReceiveError` with what to do about it. Aborting `signal` rejects with
 * the SDK's AbortError.
 */
export async function lookUpQueueUrl(
  client: SQSClient,
  queueName: string,
  from: 'option' | 'env',
  signal?: AbortSignal,
): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await client.send(new GetQueueUrlCommand({ QueueName: queueName }), {
        abortSignal: signal,
      });
      const url = response?.QueueUrl;
      if (typeof url !== 'string' || !isValidQueueUrl(url)) {
        throw new ReceiveError(
          `GetQueueUrl for queue ${JSON.stringify(queueName)} answered no usable URL: ${JSON.stringify(url)}`,
          { code: 'InvalidQueueUrl' },
        );
      }
      return url;
    } catch (error) {
      if (signal?.aborted || isAbortError(error) || error instanceof ReceiveError) throw error;
      const code = awsErrorCode(error);
      if (code === 'QueueDoesNotExist' || code === 'AWS.SimpleQueueService.NonExistentQueue') {
        throw new ConfigError({
          option: 'queueName',
          envVar: 'QUEUE_NAME',
          value: queueName,
          allowed: 'the name of an existing queue',
          from,
          hint: `GetQueueUrl found no queue named ${JSON.stringify(queueName)} (${await clientWhere(client)}): check the name (a FIFO queue's ends in .fifo), the region (AWS_REGION) and the account, or create the queue first.`,
          cause: error,
        });
      }
      const failure = classifyReceiveFailure(error);
      if (failure.kind === 'fatal' || attempt >= LOOKUP_ATTEMPTS) {
        throw new ReceiveError(
          `Cannot look up the URL of queue ${JSON.stringify(queueName)} (GetQueueUrl, ${await clientWhere(client)}): ${failure.code}: ${failure.message}`,
          { cause: error, code: failure.code, retryable: false },
        );
      }
      if (!(await sleep(250 * 2 ** (attempt - 1), signal))) throw signal?.reason;
    }
  }
}
