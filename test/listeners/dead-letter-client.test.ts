/**
 * The client a dead-letter move uses: the listener's, else the one the message's stream has; a
 * client from the environment only for a message without an origin, owned by the listener call
 * and destroyed when it ends (no process-wide client left behind).
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { resolveListenerPolicy } from '../../src/listeners/listener-config.js';
import { PipelineContext } from '../../src/listeners/pipeline.js';
import { silentLogger } from '../../src/shared/logger.js';

afterEach(() => vi.restoreAllMocks());

const client = (name: string) =>
  ({ name, send: async () => ({}), destroy: vi.fn() }) as unknown as SQSClient;

describe('dead-letter client', () => {
  it("uses the listener's client, else the stream's, and builds none", async () => {
    const own = client('own');
    const streams = client('stream');
    const withOwn = new PipelineContext(
      resolveListenerPolicy({ client: own, logger: silentLogger, env: {} }),
      'message',
    );
    expect(withOwn.clientFor(streams)).toBe(own);
    expect(withOwn.clientFor(undefined)).toBe(own);
    const without = new PipelineContext(
      resolveListenerPolicy({ logger: silentLogger, env: {} }),
      'batch',
    );
    expect(without.clientFor(streams)).toBe(streams);
    await withOwn.close();
    await without.close();
    expect(own.destroy).not.toHaveBeenCalled();
    expect(streams.destroy).not.toHaveBeenCalled();
  });

  it('builds one from the environment for a message without an origin, once, and destroys it at close', async () => {
    const destroy = vi.spyOn(SQSClient.prototype, 'destroy');
    const context = new PipelineContext(
      resolveListenerPolicy({ logger: silentLogger, env: {} }),
      'message',
    );
    const built = context.clientFor(undefined);
    expect(built).toBeInstanceOf(SQSClient);
    expect(context.clientFor(undefined)).toBe(built);
    expect(destroy).not.toHaveBeenCalled();
    await context.close();
    expect(destroy).toHaveBeenCalledTimes(1);
  });
});
