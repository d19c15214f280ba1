/**
 * Child processes running fixtures under test/fixtures with `node --import tsx`: their stdout
 * lines (to synchronise with handlers), their stderr, and their exit.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { endpoint } from './sqs.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface FixtureProcess {
  proc: ChildProcess;
  /** stdout lines so far. */
  readonly lines: string[];
  /** stderr so far. */
  stderr(): string;
  /** Resolves with the stdout lines matching `test` once there are `count` of them. */
  waitForLines(
    test: (line: string) => boolean,
    count: number,
    timeoutMs?: number,
  ): Promise<string[]>;
  /** Resolves when the process exited (rejects after `timeoutMs`). */
  exited(timeoutMs?: number): Promise<ChildExit>;
  /** Milliseconds since the process was spawned. */
  elapsedMs(): number;
}

const children = new Set<ChildProcess>();

/** The environment a fixture gets: fauxqs credentials and nothing from the test process. */
export function fixtureEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TMPDIR: process.env.TMPDIR,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    FAUXQS_ENDPOINT: endpoint(),
    WAIT_TIME: '1',
    IDLE_SLEEP_MAX: '0',
  };
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/**
 * Runs `test/fixtures/<name>` with `node --import tsx`. With `tty`, the fixture runs inside
 * util-linux `script`, on a pseudo-terminal: its stdout and stderr then both arrive on stdout.
 * With `prefix`, node runs under that command (e.g. `unshare --pid --fork`); `proc` is then the
 * prefix command's process.
 */
export function runFixture(
  name: string,
  env: Record<string, string | undefined>,
  options: { tty?: boolean; prefix?: readonly string[] } = {},
): FixtureProcess {
  const started = Date.now();
  const node = [
    ...(options.prefix ?? []),
    process.execPath,
    '--import',
    'tsx',
    `test/fixtures/${name}`,
  ];
  const [command, ...args] = options.tty
    ? ['script', '-qec', node.map((a) => `'${a}'`).join(' '), '/dev/null']
    : node;
  const proc = spawn(command!, args, {
    cwd: ROOT,
    env: fixtureEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(proc);
  const lines: string[] = [];
  let partial = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  proc.stdout?.setEncoding('utf8');
  proc.stdout?.on('data', (chunk: string) => {
    partial += chunk;
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts.map((line) => line.replace(/\r$/, '')));
    for (const wake of waiters) wake();
  });
  proc.stderr?.setEncoding('utf8');
  proc.stderr?.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exit = new Promise<ChildExit>((resolve) => {
    proc.on('exit', (code, signal) => {
      children.delete(proc);
      resolve({ code, signal });
    });
  });
  // Let stdout/stderr finish before reporting the exit.
  const closed = new Promise<ChildExit>((resolve) => {
    proc.on('close', () => resolve(exit));
  });

  return {
    proc,
    lines,
    stderr: () => stderr,
    elapsedMs: () => Date.now() - started,
    waitForLines(test, count, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = lines.filter(test);
          if (found.length >= count) {
            cleanup();
            resolve(found);
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(
              `fixture ${name}: ${count} matching line(s) not seen within ${timeoutMs} ms\nstdout:\n${lines.join('\n')}\nstderr:\n${stderr}`,
            ),
          );
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        // Output may still be arriving when the process exits: decide once stdout closed.
        void closed.then(() => {
          if (!waiters.has(check)) return;
          check();
          if (waiters.has(check)) {
            cleanup();
            reject(
              new Error(
                `fixture ${name} exited before ${count} matching line(s)\nstdout:\n${lines.join('\n')}\nstderr:\n${stderr}`,
              ),
            );
          }
        });
        waiters.add(check);
        check();
      });
    },
    exited(timeoutMs = 15_000) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(
                `fixture ${name} still running after ${timeoutMs} ms\nstdout:\n${lines.join('\n')}\nstderr:\n${stderr}`,
              ),
            ),
          timeoutMs,
        );
      });
      return Promise.race([closed, timeout]).finally(() => clearTimeout(timer));
    },
  };
}

/** Kills every fixture process still running (call in afterEach). */
export function killAllFixtures(): void {
  for (const proc of children) proc.kill('SIGKILL');
  children.clear();
}
