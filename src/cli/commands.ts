/**
 * The `sqs-fargate-listener` command line: `redrive` and `stats`. Parsing and running are kept
 * apart from the process (`main.ts`) so that the exit code and output are plain values.
 * Exit codes: 0 done; 1 failed (or some messages were not moved); 2 bad arguments.
 */
import { parseArgs } from 'node:util';
import { ConfigError, describeError, SqsListenerError } from '../shared/errors.js';
import { queueStats } from '../tools/queue-stats.js';
import { redrive } from '../tools/redrive.js';
import { RedriveError } from '../tools/redrive-error.js';
import type { RedriveSummary } from '../tools/redrive-summary.js';

export const USAGE = `Usage:
  sqs-fargate-listener redrive <dlq-url> [--to <queue-url>] [--rate <n>] [--server] [--json]
      Move the messages of a dead-letter queue back to their source queue (or to --to).
      --rate <n>   at most n messages per second (--server: an integer from 1 to 500)
      --server     start SQS's own message move task (StartMessageMoveTask; real SQS only)
  sqs-fargate-listener stats <queue-url> [--json]
      Backlog, in flight, delayed, and the dead-letter queue's depth.
  sqs-fargate-listener --help

Region, credentials and endpoint come from the AWS environment (AWS_REGION, AWS_PROFILE,
AWS_ENDPOINT_URL_SQS, ...). Exit codes: 0 done, 1 failed or messages left, 2 bad arguments.`;

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  signal?: AbortSignal;
}

class UsageError extends Error {}

export async function runCli(argv: readonly string[], io: Io): Promise<number> {
  try {
    const [command, ...rest] = argv;
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      (command === undefined ? io.err : io.out)(USAGE);
      return command === undefined ? 2 : 0;
    }
    if (command === 'redrive') return await redriveCommand(rest, io);
    if (command === 'stats') return await statsCommand(rest, io);
    throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  } catch (error) {
    if (error instanceof UsageError || isParseError(error)) {
      io.err(`sqs-fargate-listener: ${(error as Error).message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof ConfigError) {
      // A value the options refuse (a queue URL, a --rate above 500 with --server): bad arguments.
      io.err(`sqs-fargate-listener: ${error.message}`);
      return 2;
    }
    io.err(
      `sqs-fargate-listener: ${error instanceof SqsListenerError ? error.message : describeError(error)}`,
    );
    if (error instanceof RedriveError && error.summary) io.err(describeSummary(error.summary));
    return 1;
  }
}

const OPTIONS = {
  to: { type: 'string' },
  rate: { type: 'string' },
  server: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Strict parsing: an unknown flag, or a flag the command does not take, is a usage error. */
function parse(argv: readonly string[], allowed: ReadonlyArray<keyof typeof OPTIONS>) {
  const parsed = parseArgs({
    args: [...argv],
    options: OPTIONS,
    allowPositionals: true,
    strict: true,
  });
  for (const name of Object.keys(parsed.values)) {
    if (!allowed.includes(name as keyof typeof OPTIONS) && name !== 'json' && name !== 'help') {
      throw new UsageError(`this command does not take --${name}`);
    }
  }
  return parsed;
}

async function redriveCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, ['to', 'rate', 'server']);
  if (values.help) return help(io);
  const from = onePositional(positionals, '<dlq-url>');
  const rate = values.rate === undefined ? undefined : number('--rate', values.rate);
  const common = { from, to: values.to, maxPerSecond: rate, signal: io.signal };
  if (values.server) {
    const task = await redrive({ ...common, server: true });
    io.out(
      values.json
        ? JSON.stringify(task)
        : `message move task started: ${task.taskHandle}\n  from ${task.sourceArn}\n  to   ${task.destinationArn ?? 'each message’s source queue'}`,
    );
    return 0;
  }
  const summary = await redrive(common);
  io.out(values.json ? JSON.stringify(summary) : describeSummary(summary));
  // Stopped by a signal, or messages left behind: the DLQ is not empty, say so to scripts.
  return summary.failed === 0 && summary.notDeleted === 0 && summary.stopped === 'empty' ? 0 : 1;
}

async function statsCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, []);
  if (values.help) return help(io);
  const stats = await queueStats(onePositional(positionals, '<queue-url>'), { signal: io.signal });
  if (values.json) {
    io.out(JSON.stringify({ ...stats, oldestMessageAgeSeconds: null }));
    return 0;
  }
  const lines = [
    `queue            ${stats.queueUrl}${stats.fifo ? ' (FIFO)' : ''}`,
    `backlog          ${stats.backlog}`,
    `in flight        ${stats.inFlight}`,
    `delayed          ${stats.delayed}`,
    'oldest message   n/a (SQS reports ApproximateAgeOfOldestMessage only in CloudWatch)',
  ];
  const dlq = stats.deadLetterQueue;
  lines.push(
    dlq === null
      ? 'dead-letter queue none (no redrive policy)'
      : `dead-letter queue ${dlq.queueUrl}: ${dlq.backlog} waiting, ${dlq.inFlight} in flight (maxReceiveCount ${dlq.maxReceiveCount})`,
  );
  io.out(lines.join('\n'));
  return 0;
}

export function describeSummary(summary: RedriveSummary): string {
  const lines = [
    `moved ${summary.moved}, failed ${summary.failed}, sent but not deleted ${summary.notDeleted} (${summary.stopped === 'empty' ? 'the dead-letter queue is empty' : `stopped: ${summary.stopped}`})`,
  ];
  for (const [target, count] of Object.entries(summary.movedTo))
    lines.push(`  ${count} to ${target}`);
  for (const error of summary.errors.slice(0, 20)) {
    lines.push(`  ${error.messageId}: ${error.stage} ${error.code}: ${error.message}`);
  }
  if (summary.errors.length > 20) lines.push(`  … and ${summary.errors.length - 20} more`);
  return lines.join('\n');
}

function help(io: Io): number {
  io.out(USAGE);
  return 0;
}

function onePositional(positionals: string[], name: string): string {
  if (positionals.length === 0) throw new UsageError(`missing ${name}`);
  if (positionals.length > 1)
    throw new UsageError(`unexpected argument ${JSON.stringify(positionals[1])}`);
  return positionals[0] as string;
}

function number(flag: string, text: string): number {
  // Strict: '', '10abc', '0x10' and 'Infinity' are typos, not rates.
  const value = /^\d+(?:\.\d+)?$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!(Number.isFinite(value) && value > 0))
    throw new UsageError(`${flag} needs a number above 0, got ${JSON.stringify(text)}`);
  return value;
}

function isParseError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}
