/**
 * The `schema` option against fauxqs: valid bodies reach the handler as typed `data`, invalid
 * ones (schema issues, not JSON) go to the dead-letter queue after one receive without the
 * handler ever seeing them, and async validators are awaited.
 */
import * as v from 'valibot';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  batchListener,
  MessageValidationError,
  perMessageListener,
  silentLogger,
} from '../../src/index.js';
import { startListener, stopAllListeners } from '../support/listen.js';
import { adminClient, countingClient, createQueue, sendMessages } from '../support/sqs.js';
import {
  BAD_FIELDS,
  deliveriesOf,
  NOT_JSON,
  parkedIn,
  VALID,
  ValibotOrder,
  ZodOrder,
} from './support.js';

afterEach(stopAllListeners);

describe('schema: valid bodies reach the handler typed, invalid ones go to the DLQ at once', () => {
  it.each([
    ['zod', ZodOrder],
    ['valibot', ValibotOrder],
  ] as const)(
    'per-message, %s: redrive DLQ found from the queue, isNonRetryable overruled',
    async (_lib, schema) => {
      const { queueUrl, dlqUrl } = await createQueue({ visibilitySecs: 1, maxReceiveCount: 5 });
      const [validId, badId, notJsonId] = await sendMessages(queueUrl, [
        VALID,
        BAD_FIELDS,
        NOT_JSON,
      ]);
      const handled: Array<{ orderId: string; qty: number; json: unknown }> = [];
      const failures: Array<[string, unknown]> = [];
      const counting = countingClient();
      const listener = perMessageListener(
        (m) => {
          // Typed without a cast: the schema's output (the transform ran), json stays the body.
          handled.push({ orderId: m.data.orderId, qty: m.data.qty, json: m.json });
        },
        {
          schema,
          // A user policy that never gives up must not send poison messages round again.
          isNonRetryable: () => false,
          onFailure: (m, error) => void failures.push([m.messageId, error]),
          logger: silentLogger,
          env: {},
        },
      );
      const run = startListener(listener, queueUrl, { client: counting.client, visibilitySecs: 1 });
      const parked = await parkedIn(queueUrl, dlqUrl!, 2);
      const result = await run.stop();

      expect(handled).toEqual([{ orderId: 'O-1', qty: 2, json: VALID }]);
      expect(result).toMatchObject({ succeeded: 1, failed: 2, gaveUp: 2 });
      // One receive each: not retried up to maxReceiveCount (5) before landing in the DLQ.
      const deliveries = deliveriesOf(counting);
      expect([validId, badId, notJsonId].map((id) => deliveries.get(id!))).toEqual([1, 1, 1]);
      expect(parked.map((m) => [m.Body, m.Attributes?.ApproximateReceiveCount]).sort()).toEqual(
        [
          [JSON.stringify(BAD_FIELDS), '1'],
          [NOT_JSON, '1'],
        ].sort(),
      );

      const byId = new Map(failures);
      const invalid = byId.get(badId!) as MessageValidationError;
      expect(invalid).toBeInstanceOf(MessageValidationError);
      expect(invalid.code).toBe('SchemaValidation');
      expect(invalid.messageId).toBe(badId);
      expect(invalid.issues.map((i) => i.path).sort()).toEqual(['$.orderId', '$.qty']);
      for (const issue of invalid.issues) expect(issue.message).not.toBe('');
      expect(invalid.message).toContain(badId);
      expect(invalid.message).toMatch(/\$\.orderId: .+; \$\.qty: /);
      const notJson = byId.get(notJsonId!) as MessageValidationError;
      expect(notJson).toBeInstanceOf(MessageValidationError);
      expect(notJson.code).toBe('InvalidJson');
      expect(notJson.issues).toEqual([
        { path: '$', message: expect.stringMatching(/^not JSON: /) },
      ]);
      expect(byId.has(validId!)).toBe(false);
    },
  );

  it.each([
    ['zod', ZodOrder],
    ['valibot', ValibotOrder],
  ] as const)(
    'batch, %s: the handler gets only the valid messages; deadLetterQueueUrl used',
    async (_lib, schema) => {
      const { queueUrl } = await createQueue({ visibilitySecs: 1 });
      const { queueUrl: parkingUrl } = await createQueue({ name: 'parking' });
      const bodies = [VALID, BAD_FIELDS, { orderId: 'o-2', qty: 1 }, NOT_JSON, '{"orderId":'];
      const ids = await sendMessages(queueUrl, bodies);
      const batches: string[][] = [];
      const counting = countingClient();
      const listener = batchListener(
        (ms) => {
          batches.push(ms.map((m) => m.data.orderId));
        },
        {
          schema,
          deadLetterQueueUrl: parkingUrl,
          client: adminClient(),
          logger: silentLogger,
          env: {},
        },
      );
      const run = startListener(listener, queueUrl, { client: counting.client, visibilitySecs: 1 });
      const parked = await parkedIn(queueUrl, parkingUrl, 3);
      const result = await run.stop();
      expect(batches.flat().sort()).toEqual(['O-1', 'O-2']);
      expect(result).toMatchObject({ succeeded: 2, failed: 3, gaveUp: 3 });
      expect(parked.map((m) => m.Body).sort()).toEqual(
        [JSON.stringify(BAD_FIELDS), NOT_JSON, '{"orderId":'].sort(),
      );
      const deliveries = deliveriesOf(counting);
      expect(ids.map((id) => deliveries.get(id))).toEqual([1, 1, 1, 1, 1]);
    },
  );
});

describe('schema: async validators', () => {
  const known = new Set(['o-1']);
  const exists = async (id: string) => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    return known.has(id);
  };
  it.each([
    [
      'zod .refine(async)',
      z.object({ orderId: z.string() }).refine(async (o) => exists(o.orderId), {
        message: 'unknown order',
        path: ['orderId'],
      }),
    ],
    [
      'valibot pipeAsync',
      v.pipeAsync(
        v.object({ orderId: v.string() }),
        v.forwardAsync(
          v.checkAsync(async (o) => exists(o.orderId), 'unknown order'),
          ['orderId'],
        ),
      ),
    ],
  ] as const)(
    '%s is awaited: a pass reaches the handler, a fail goes to the DLQ',
    async (_n, schema) => {
      const { queueUrl, dlqUrl } = await createQueue({ visibilitySecs: 1, maxReceiveCount: 5 });
      const [, unknownId] = await sendMessages(queueUrl, [{ orderId: 'o-1' }, { orderId: 'o-9' }]);
      const handled: string[] = [];
      const failures: unknown[] = [];
      const listener = perMessageListener((m) => void handled.push(m.data.orderId), {
        schema,
        onFailure: (_m, error) => void failures.push(error),
        logger: silentLogger,
        env: {},
      });
      const run = startListener(listener, queueUrl, { visibilitySecs: 1 });
      const parked = await parkedIn(queueUrl, dlqUrl!, 1);
      await run.stop();
      expect(handled).toEqual(['o-1']);
      expect(parked.map((m) => m.Body)).toEqual([JSON.stringify({ orderId: 'o-9' })]);
      expect(failures).toHaveLength(1);
      const error = failures[0] as MessageValidationError;
      expect(error.messageId).toBe(unknownId);
      expect(error.issues).toEqual([{ path: '$.orderId', message: 'unknown order' }]);
    },
  );
});
