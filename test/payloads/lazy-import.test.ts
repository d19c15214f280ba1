/**
 * `@aws-sdk/client-s3` is an optional peer dependency: importing the package, and running
 * listeners without `largePayloads`, must work where it is not installed. A child process makes
 * it unimportable (`test/fixtures/without-s3.ts`); the second half shows the block is real.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

it('importing the package does not load @aws-sdk/client-s3; turning largePayloads on does', () => {
  const child = spawnSync(process.execPath, ['--import', 'tsx', 'test/fixtures/without-s3.ts'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  expect(child.status, child.stderr).toBe(0);
  const report = JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '{}') as Record<
    string,
    unknown
  >;
  expect(report).toEqual({
    imported: true,
    errorWhenOn:
      'largePayloads needs the optional peer dependency @aws-sdk/client-s3: npm install @aws-sdk/client-s3',
  });
});
