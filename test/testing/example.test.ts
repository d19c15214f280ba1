/** The README's "Testing your handlers" example runs and its assertions hold. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';

it('examples/testing-handlers.ts passes against the in-memory SQS', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'examples/testing-handlers.ts'], {
    cwd: join(import.meta.dirname, '../..'),
    env: { ...process.env, LOG_LEVEL: 'ERROR' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect(code, stderr).toBe(0);
}, 30_000);
