/** The one place the library builds an SQS client of its own, from the environment. */
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultClient } from '../../src/core/stream-config.js';
import { createSqsClient } from '../../src/shared/sqs-client.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('createSqsClient', () => {
  it('builds a new client each time, configured from the environment', async () => {
    vi.stubEnv('AWS_REGION', 'eu-west-3');
    const a = createSqsClient();
    const b = createSqsClient();
    try {
      expect(a).toBeInstanceOf(SQSClient);
      expect(b).not.toBe(a);
      expect(await a.config.region()).toBe('eu-west-3');
    } finally {
      a.destroy();
      b.destroy();
    }
  });

  it("is the stream's default client", async () => {
    vi.stubEnv('AWS_REGION', 'ap-south-1');
    const client = defaultClient();
    try {
      expect(client).toBeInstanceOf(SQSClient);
      expect(await client.config.region()).toBe('ap-south-1');
    } finally {
      client.destroy();
    }
  });
});
