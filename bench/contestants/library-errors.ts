/** How this library's contestants report its errors to the harness: error logs and stats. */
import type { Logger, StreamStats } from '../../src/index.js';
import type { RunContext } from './types.js';

/** A silent logger that counts error-level lines (warnings are expected, e.g. on shutdown). */
export function countingLogger(ctx: RunContext): Logger {
  return {
    debug() {},
    info() {},
    warn() {},
    error: (message) => ctx.error(`log: ${message}`),
  };
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
