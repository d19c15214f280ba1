/**
 * examples/tracing.ts (the README's Tracing sample) runs: against fauxqs, it prints the
 * `process` span and the handler's child span with the console exporter, then drains on SIGTERM.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { createQueue, endpoint, eventually, sendMessages } from '../support/sqs.js';

const root = join(import.meta.dirname, '../..');

it('prints the process span and its child, and exits 0 on SIGTERM', async () => {
  const { queueUrl } = await createQueue();
  await sendMessages(queueUrl, [{ orderId: 'o-1' }]);
  const child = spawn(process.execPath, ['--import', 'tsx', 'examples/tracing.ts'], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      QUEUE_URL: queueUrl,
      AWS_ENDPOINT_URL_SQS: endpoint(),
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      WAIT_TIME: '1',
      FORCE_COLOR: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const queueName = queueUrl.slice(queueUrl.lastIndexOf('/') + 1);
  const printed = await eventually(
    () =>
      stdout.includes(`name: 'process ${queueName}'`) && stdout.includes("name: 'charge order'"),
    20_000,
  );
  child.kill('SIGTERM');
  expect(printed, `${stdout}\n${stderr}`).toBe(true);
  expect(await exited, stderr).toBe(0);
}, 40_000);
