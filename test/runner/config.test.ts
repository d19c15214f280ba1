/**
 * Configuration of the runner: an option beats the environment variable, which beats the
 * default (observed in the ReceiveMessage requests sent); invalid values stop start-up with a
 * ConfigError naming option, variable, value and range — in process and as a process exit.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConfigError,
  clearListeners,
  type LeasedMessage,
  runListeners,
  type SqsListenerOptions,
  silentLogger,
  sqsListener,
} from '../../src/index.js';
import type { Env } from '../../src/shared/config.js';
import { killAllFixtures, runFixture } from '../support/child.js';
import { countingClient, createQueue, eventually, requestsOf } from '../support/sqs.js';

afterEach(() => {
  clearListeners();
  killAllFixtures();
});

/** Registers a do-nothing handler of the options' mode. */
function register(options: SqsListenerOptions): void {
  if (options.mode === 'batch')
    sqsListener({ ...options, mode: 'batch' }, (_: LeasedMessage[]) => {});
  else sqsListener({ ...options, mode: 'per_message' }, (_: LeasedMessage) => {});
}

/** Runs one listener on an empty queue until its first receive went out; returns that request. */
async function firstReceive(options: SqsListenerOptions, env: Env) {
  clearListeners();
  const { queueUrl } = await createQueue({ visibilitySecs: 30 });
  const { client, log } = countingClient();
  register({ idleSleepMax: 0, ...options, queueUrl, client });
  const controller = new AbortController();
  const run = runListeners({
    signal: controller.signal,
    handleSignals: false,
    logger: silentLogger,
    env,
  });
  try {
    expect(
      await eventually(() => requestsOf(log, 'ReceiveMessageCommand').length > 0, 10_000),
    ).toBe(true);
  } finally {
    controller.abort();
    await run;
  }
  return requestsOf(log, 'ReceiveMessageCommand')[0]!.input;
}

describe('precedence: option > environment > default', () => {
  it('batchSize: the default is 10', async () => {
    const input = await firstReceive({ waitTime: 1 }, {});
    expect(input.MaxNumberOfMessages).toBe(10);
  });

  it('batchSize: BATCH_SIZE beats the default', async () => {
    const input = await firstReceive({ waitTime: 1 }, { BATCH_SIZE: '3' });
    expect(input.MaxNumberOfMessages).toBe(3);
  });

  it('batchSize: the option beats BATCH_SIZE', async () => {
    const input = await firstReceive({ waitTime: 1, batchSize: 5 }, { BATCH_SIZE: '3' });
    expect(input.MaxNumberOfMessages).toBe(5);
  });

  it('batch mode: BATCH_SIZE sets the receive size too; the option beats it', async () => {
    expect(
      (await firstReceive({ mode: 'batch', waitTime: 1 }, { BATCH_SIZE: '4' })).MaxNumberOfMessages,
    ).toBe(4);
    expect(
      (await firstReceive({ mode: 'batch', waitTime: 1, batchSize: 6 }, { BATCH_SIZE: '4' }))
        .MaxNumberOfMessages,
    ).toBe(6);
  });

  it('waitTime: WAIT_TIME beats the default (20), the option beats WAIT_TIME (even an invalid one)', async () => {
    expect((await firstReceive({}, { WAIT_TIME: '1' })).WaitTimeSeconds).toBe(1);
    expect((await firstReceive({ waitTime: 2 }, { WAIT_TIME: 'abc' })).WaitTimeSeconds).toBe(2);
  });

  it('visibilitySecs: VISIBILITY_SECS beats the default (60), the option beats it', async () => {
    expect((await firstReceive({ waitTime: 1 }, {})).VisibilityTimeout).toBe(60);
    expect((await firstReceive({ waitTime: 1 }, { VISIBILITY_SECS: '45' })).VisibilityTimeout).toBe(
      45,
    );
    expect(
      (await firstReceive({ waitTime: 1, visibilitySecs: 40 }, { VISIBILITY_SECS: '45' }))
        .VisibilityTimeout,
    ).toBe(40);
  });
});

describe('invalid configuration stops start-up', () => {
  async function startupError(env: Env, options: SqsListenerOptions = {}): Promise<ConfigError> {
    const { queueUrl } = await createQueue();
    const { client, counts } = countingClient();
    register({ queueUrl, client, ...options });
    const error = await runListeners({ handleSignals: false, logger: silentLogger, env }).then(
      () => undefined,
      (e: unknown) => e,
    );
    // Nothing was started: not a single request went out.
    expect(counts).toEqual({});
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }

  it('BATCH_SIZE=11: a ConfigError naming option, variable, value and range', async () => {
    const error = await startupError({ BATCH_SIZE: '11' });
    expect(error.message).toContain('batchSize');
    expect(error.message).toContain('BATCH_SIZE');
    expect(error.message).toContain('"11"');
    expect(error.message).toMatch(/1 to 10/);
    expect({ option: error.option, envVar: error.envVar, value: error.value }).toEqual({
      option: 'batchSize',
      envVar: 'BATCH_SIZE',
      value: '11',
    });
  });

  it('BATCH_SIZE=11 in batch mode too', async () => {
    const error = await startupError({ BATCH_SIZE: '11' }, { mode: 'batch' });
    expect(error.message).toMatch(/batchSize.*BATCH_SIZE|BATCH_SIZE.*batchSize/);
    expect(error.message).toContain('"11"');
    expect(error.message).toMatch(/1 to 10/);
  });

  it('WAIT_TIME=abc: a ConfigError naming option, variable, value and range', async () => {
    const error = await startupError({ WAIT_TIME: 'abc' });
    expect(error.message).toContain('waitTime');
    expect(error.message).toContain('WAIT_TIME');
    expect(error.message).toContain('"abc"');
    expect(error.message).toMatch(/0 to 20/);
  });

  it('WORKER_THREADS=0 is refused as well', async () => {
    const error = await startupError({ WORKER_THREADS: '0' });
    expect(error.message).toMatch(/workerThreads.*WORKER_THREADS|WORKER_THREADS.*workerThreads/);
    expect(error.message).toContain('"0"');
  });

  it('a second, valid listener does not start when another one is invalid', async () => {
    const { queueUrl } = await createQueue();
    const { client, counts } = countingClient();
    sqsListener({ queueUrl, client, waitTime: 1 }, () => {});
    sqsListener({ queueUrl, client, waitTime: 1, env: { BATCH_SIZE: '0' } }, () => {});
    await expect(
      runListeners({ handleSignals: false, logger: silentLogger, env: {} }),
    ).rejects.toThrow(/BATCH_SIZE/);
    expect(counts).toEqual({});
  });

  it('QUEUE_URL missing: a clear error naming queueUrl and QUEUE_URL', async () => {
    const { client } = countingClient();
    sqsListener({ client }, () => {});
    const error = await runListeners({ handleSignals: false, logger: silentLogger, env: {} }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('queueUrl');
    expect((error as Error).message).toContain('QUEUE_URL');
  });

  it('in a child process, BATCH_SIZE=11 makes the runner exit non-zero with the message on stderr', async () => {
    const { queueUrl } = await createQueue();
    const child = runFixture('runner.ts', { QUEUE_URL: queueUrl, BATCH_SIZE: '11' });
    const exit = await child.exited(15_000);
    expect(exit.code).not.toBe(0);
    expect(exit.code).not.toBeNull();
    const stderr = child.stderr();
    expect(stderr).toMatch(/ConfigError/);
    expect(stderr).toMatch(
      /environment variable BATCH_SIZE \(option batchSize\): got "11"; allowed: an integer from 1 to 10/,
    );
    expect(child.lines.filter((l) => l.startsWith('start '))).toEqual([]);
  });

  it('in a child process, WAIT_TIME=abc and a missing QUEUE_URL stop it too', async () => {
    const { queueUrl } = await createQueue();
    const bad = runFixture('runner.ts', { QUEUE_URL: queueUrl, WAIT_TIME: 'abc' });
    const missing = runFixture('runner.ts', { QUEUE_URL: undefined });
    const [badExit, missingExit] = await Promise.all([bad.exited(15_000), missing.exited(15_000)]);
    expect(badExit.code).not.toBe(0);
    expect(bad.stderr()).toMatch(
      /WAIT_TIME \(option waitTime\): got "abc"; allowed: an integer from 0 to 20/,
    );
    expect(missingExit.code).not.toBe(0);
    expect(missing.stderr()).toMatch(/QUEUE_URL/);
  });
});
