/**
 * The `sqs-fargate-listener` CLI as users run it: a child process (src/cli/main.ts under tsx),
 * configured only by the AWS environment, against fauxqs.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fixtureEnv } from '../support/child.js';
import { createQueue, endpoint, eventually, queueCounts, receiveNow } from '../support/sqs.js';
import { drain, fill } from './support.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(
  args: string[],
  env: Record<string, string | undefined> = {},
  onSpawn: (proc: ReturnType<typeof spawn>) => void = () => {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: ROOT,
      env: fixtureEnv({ AWS_ENDPOINT_URL_SQS: endpoint(), ...env }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    onSpawn(proc);
    let stdout = '';
    let stderr = '';
    proc.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
    });
    proc.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`cli ${args.join(' ')} still running\n${stdout}\n${stderr}`));
    }, 20_000);
    proc.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('sqs-fargate-listener CLI', () => {
  it('redrive <dlq-url> --to <url>: moves everything, prints the summary, exits 0', async () => {
    const { queueUrl, dlqUrl } = await createQueue({ maxReceiveCount: 2, name: 'cli-rd' });
    await fill(dlqUrl!, 25);
    const run = await cli(['redrive', dlqUrl!, '--to', queueUrl, '--rate', '1000']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      'moved 25, failed 0, sent but not deleted 0 (the dead-letter queue is empty)',
    );
    expect(run.stdout).toContain(`25 to ${queueUrl}`);
    expect(await queueCounts(dlqUrl!)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    expect((await drain(queueUrl)).length).toBe(25);
  });

  it('SIGINT stops a paced redrive after the batch in hand: exit 1, nothing lost', async () => {
    const { queueUrl, dlqUrl } = await createQueue({ maxReceiveCount: 2, name: 'cli-int' });
    await fill(dlqUrl!, 20);
    let child: ReturnType<typeof spawn> | undefined;
    const running = cli(['redrive', dlqUrl!, '--to', queueUrl, '--rate', '2'], {}, (proc) => {
      child = proc;
    });
    // Interrupt once the first messages arrived (2 per second: the run is far from done).
    expect(await eventually(async () => (await queueCounts(queueUrl)).visible > 0, 15_000)).toBe(
      true,
    );
    child!.kill('SIGINT');
    const run = await running;
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/stopped: aborted/);
    const moved = Number(/moved (\d+)/.exec(run.stdout)?.[1]);
    expect(moved).toBeGreaterThan(0);
    expect(moved).toBeLessThan(20);
    expect(await queueCounts(queueUrl)).toMatchObject({ visible: moved });
    // The rest is still in the DLQ, visible at once: nothing was held back.
    expect(await queueCounts(dlqUrl!)).toEqual({ visible: 20 - moved, inFlight: 0, delayed: 0 });
  });

  it('redrive --json prints the summary as JSON', async () => {
    const { queueUrl, dlqUrl } = await createQueue({ maxReceiveCount: 2, name: 'cli-json' });
    await fill(dlqUrl!, 3);
    const run = await cli(['redrive', dlqUrl!, '--to', queueUrl, '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ mode: 'client', moved: 3, failed: 0 });
  });

  it('redrive without --to on a DLQ whose source cannot be found: exits 1, says to pass --to, moves nothing', async () => {
    const dlq = (await createQueue({ name: 'cli-unknown' })).queueUrl;
    await fill(dlq, 4);
    const run = await cli(['redrive', dlq]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/cannot tell where the messages .* came from .*--to/);
    expect(await queueCounts(dlq)).toMatchObject({ visible: 4, inFlight: 0 });
  });

  it('redrive --server on fauxqs: exits 1 and says that it needs real SQS', async () => {
    const { dlqUrl } = await createQueue({ maxReceiveCount: 2, name: 'cli-srv' });
    const run = await cli(['redrive', dlqUrl!, '--server', '--rate', '10']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/StartMessageMoveTask failed.*needs real SQS/);
  });

  it('stats <queue-url>: backlog, in flight, delayed, oldest n/a, and the DLQ depth', async () => {
    const { queueUrl, dlqUrl } = await createQueue({ maxReceiveCount: 5, name: 'cli-stats' });
    await fill(queueUrl, 7);
    await receiveNow(queueUrl, { max: 2 }); // two in flight
    await fill(dlqUrl!, 3);
    const run = await cli(['stats', queueUrl]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^backlog +5$/m);
    expect(run.stdout).toMatch(/^in flight +2$/m);
    expect(run.stdout).toMatch(/^delayed +0$/m);
    expect(run.stdout).toMatch(/^oldest message +n\/a/m);
    expect(run.stdout).toContain(
      `dead-letter queue ${dlqUrl}: 3 waiting, 0 in flight (maxReceiveCount 5)`,
    );
    const json = await cli(['stats', queueUrl, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({
      backlog: 5,
      inFlight: 2,
      delayed: 0,
      oldestMessageAgeSeconds: null,
      deadLetterQueue: { queueUrl: dlqUrl, backlog: 3, maxReceiveCount: 5 },
    });
  });

  it('stats on a queue without a redrive policy says so; on a missing queue exits 1', async () => {
    const { queueUrl } = await createQueue({ name: 'cli-nodlq' });
    const run = await cli(['stats', queueUrl]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('dead-letter queue none');
    const missing = await cli(['stats', `${endpoint()}/000000000000/no-such-queue`]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/QueueDoesNotExist|does not exist/i);
  });

  it('--help prints the usage and exits 0', async () => {
    const run = await cli(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage:/);
    expect(run.stdout).toContain('redrive <dlq-url>');
  });

  it.each([
    [[], /Usage:/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['redrive'], /missing <dlq-url>/],
    [['redrive', 'https://q/1/a', 'https://q/1/b'], /unexpected argument/],
    [['redrive', 'https://q/1/a', '--rate', 'fast'], /--rate needs a number above 0, got "fast"/],
    [['redrive', 'https://q/1/a', '--rate', '0'], /--rate needs a number above 0/],
    [['redrive', 'https://q/1/a', '--bogus'], /Unknown option '--bogus'/],
    [['redrive', 'https://q/1/a', '--to'], /argument missing/],
    [['redrive', 'not-a-url'], /Invalid option from: got "not-a-url"/],
    [['redrive', 'https://q/1/a', '--server', '--rate', '501'], /maxPerSecond.*1 to 500/],
    [
      ['stats', 'https://q/1/a', '--to', 'https://q/1/b'],
      /stats does not take --to|does not take --to/,
    ],
  ])('%j exits 2 with a usage message', async (args, message) => {
    const run = await cli(args as string[]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
  });
});
