#!/usr/bin/env node
/**
 * The `sqs-fargate-listener` executable (package.json `bin`). SIGINT/SIGTERM stop a redrive
 * after the batch in hand (what was received but not sent is given back); a second one exits.
 */
import { runCli } from './commands.js';

const controller = new AbortController();
const onSignal = (): void => {
  if (controller.signal.aborted) process.exit(130);
  controller.abort();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const code = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  signal: controller.signal,
});
process.off('SIGINT', onSignal);
process.off('SIGTERM', onSignal);
process.exitCode = code;
