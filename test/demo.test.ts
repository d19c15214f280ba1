/** `npm start -- --auto-stop` must run to completion: what a newcomer sees first. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

describe('demo', () => {
  it('runs against the embedded SQS, retries, dead-letters the poison messages and exits 0', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/demo.ts', '--auto-stop'], {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: 'INFO', FORCE_COLOR: '0' },
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
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, stderr).toBe(0);
    // 12 good orders charged, 2 poison orders and 1 bad email dead-lettered after 3 tries.
    for (let i = 1; i <= 12; i++) expect(stdout).toContain(`order ${i}: charged`);
    expect(stdout).toContain('sent "flaky" (try 2)');
    expect(stdout).toContain('orders-dlq 2, emails-dlq 1');
    // One message published to an SNS topic, unwrapped from its envelope.
    expect(stdout).toContain('welcome ada (plan pro), via SNS topic arn:aws:sns:');
    // One body too large for SQS, offloaded to S3 by sendMessage() and fetched back.
    expect(stdout).toMatch(/report "Q3 sales": 60000 rows, 1\.\d MB from s3:\/\/demo-payloads/);
    expect(stderr).toContain('Stop requested; draining');
  }, 90_000);
});
