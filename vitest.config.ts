import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One fauxqs server for the whole run, in the main process; tests run in child processes so
    // their timer and handle checks see only the library's own resources.
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    // Most tests wait on SQS timeouts rather than compute: more files at once than cores.
    poolOptions: { forks: { maxForks: 4, minForks: 1 } },
    testTimeout: 30_000,
    // The SDK warns once per process that it will need Node 22 from 2027; we support Node 20.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    hookTimeout: 30_000,
  },
});
