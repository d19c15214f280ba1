/**
 * The runner's log output, from a child process's stderr: plain text when stderr is not a TTY
 * or LOG_USE_COLOR=0, LOG_LEVEL filters it, and a user logger receives the lines instead.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { killAllFixtures, runFixture } from '../support/child.js';
import { createQueue, numbered, sendMessages } from '../support/sqs.js';

// Tests run concurrently; each child is stopped by its test, this only catches leftovers.
afterAll(killAllFixtures);

// biome-ignore lint/suspicious/noControlCharactersInRegex: looking for ANSI escapes on purpose
const ANSI = /\u001b\[/;

/** Runs the runner fixture until one message was handled, stops it with SIGTERM, returns its output. */
async function logsOf(env: Record<string, string>) {
  const { queueUrl } = await createQueue({ visibilitySecs: 30 });
  await sendMessages(queueUrl, numbered(1));
  const child = runFixture('runner.ts', { QUEUE_URL: queueUrl, ...env });
  await child.waitForLines((l) => l.startsWith('finish '), 1);
  child.proc.kill('SIGTERM');
  const exit = await child.exited(15_000);
  expect(exit.code, child.stderr()).toBe(0);
  return { stderr: child.stderr(), stdout: child.lines };
}

describe.concurrent('runner logs', () => {
  it('not a TTY: plain text, INFO by default ("listener started", the drain)', async () => {
    const { stderr } = await logsOf({});
    expect(stderr).toMatch(/sqs-fargate-listener:[\w-]+:info listener started /);
    expect(stderr).toMatch(
      /sqs-fargate-listener:runner:info Stop signal received \(SIGTERM\); draining/,
    );
    expect(stderr).not.toMatch(ANSI);
    // Each line has the ISO timestamp debug uses without colours (what CloudWatch gets).
    for (const line of stderr.trim().split('\n'))
      expect(line).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z sqs-fargate-listener:/);
  });

  it('colours forced as on a TTY (DEBUG_COLORS=1): ANSI escapes appear — the check above can fail', async () => {
    const { stderr } = await logsOf({ DEBUG_COLORS: '1' });
    expect(stderr).toMatch(/listener started/);
    expect(stderr).toMatch(ANSI);
  });

  it('LOG_USE_COLOR=0 forces plain text even where colours would be used', async () => {
    const { stderr } = await logsOf({ DEBUG_COLORS: '1', LOG_USE_COLOR: '0' });
    expect(stderr).toMatch(/listener started/);
    expect(stderr).not.toMatch(ANSI);
  });

  it('on a real TTY (a pseudo-terminal): coloured; LOG_USE_COLOR=0 makes it plain', async () => {
    const { queueUrl } = await createQueue();
    const onTty = async (env: Record<string, string>) => {
      const child = runFixture(
        'runner.ts',
        { QUEUE_URL: queueUrl, STOP_AFTER_MS: '300', ...env },
        { tty: true },
      );
      const exit = await child.exited(15_000);
      const output = child.lines.join('\n');
      expect(exit.code, output).toBe(0);
      expect(output).toMatch(/listener started/);
      return output;
    };
    const [coloured, plain] = await Promise.all([onTty({}), onTty({ LOG_USE_COLOR: '0' })]);
    expect(coloured).toMatch(ANSI);
    expect(plain).not.toMatch(ANSI);
  });

  it('LOG_LEVEL=WARN hides INFO lines but keeps warnings', async () => {
    const { stderr } = await logsOf({ LOG_LEVEL: 'WARN', FAIL: '1' });
    expect(stderr).not.toMatch(/listener started/);
    expect(stderr).not.toMatch(/:info /);
    expect(stderr).toMatch(/:warn handler returned false; message will be retried/);
  });

  it('LOG_LEVEL=DEBUG shows receive lines', async () => {
    const { stderr } = await logsOf({ LOG_LEVEL: 'DEBUG' });
    expect(stderr).toMatch(/:debug received count=1 /);
    expect(stderr).toMatch(/listener started/);
    expect(stderr).not.toMatch(ANSI);
  });

  it('LOG_LEVEL=DEBUG is needed for them: at the default level no receive lines', async () => {
    const { stderr } = await logsOf({});
    expect(stderr).not.toMatch(/received count=/);
  });

  it('a user-supplied logger receives the lines instead of stderr', async () => {
    const { stderr, stdout } = await logsOf({ USER_LOGGER: '1', LOG_LEVEL: 'DEBUG' });
    expect(stdout).toContainEqual(expect.stringMatching(/^log info listener started$/));
    expect(stdout).toContainEqual(
      expect.stringMatching(/^log info Stop signal received \(SIGTERM\); draining/),
    );
    expect(stdout).toContainEqual(expect.stringMatching(/^log debug received$/));
    expect(stderr).not.toMatch(/sqs-fargate-listener/);
  });
});
