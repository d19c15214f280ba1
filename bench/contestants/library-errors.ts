/** How this library's contestants report its errors to the harness: error logs and stats. */
import type { Logger, StreamStats } from '../../src/index.js';
import type { RunContext } from './types.js';

/** A silent logger that counts error-level lines (warnings are expected, e.g. on shutdown). */
export function countingLogger(ctx: RunContext): Logger {
  const logger = {
    // Says that it drops DEBUG lines, as pino at its default level does (isLevelEnabled): the
    // library then builds none, as it would for most users' loggers.
    isLevelEnabled: (level: string) => level !== 'debug',
    debug() {},
    info() {},
    warn() {},
    error: (message: string) => ctx.error(`log: ${message}`),
  };
  return logger;
}

/** Failures the stream counted: receive errors, failed deletes, leases lost unsettled. */
export function countLibraryErrors(ctx: RunContext, stats: StreamStats): void {
  const kinds = {
    receiveErrors: stats.receiveErrors,
    ackFailed: stats.ackFailed,
    lost: stats.lost,
  };
  for (const [kind, n] of Object.entries(kinds)) for (let i = 0; i < n; i++) ctx.error(kind);
}
