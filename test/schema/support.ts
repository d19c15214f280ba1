/** Shared by the schema tests against fauxqs: schemas, bodies, and what a run left behind. */
import type { Message } from '@aws-sdk/client-sqs';
import * as v from 'valibot';
import { expect } from 'vitest';
import { z } from 'zod';
import type { Logger } from '../../src/index.js';
import {
  type CountingClient,
  eventually,
  messagesOf,
  queueCounts,
  receiveNow,
  requestsOf,
} from '../support/sqs.js';

export const ZodOrder = z.object({
  orderId: z.string().transform((id) => id.toUpperCase()),
  qty: z.number().int().positive(),
});
export const ValibotOrder = v.object({
  orderId: v.pipe(
    v.string(),
    v.transform((id) => id.toUpperCase()),
  ),
  qty: v.pipe(v.number(), v.integer(), v.minValue(1)),
});

export const VALID = { orderId: 'o-1', qty: 2 };
export const BAD_FIELDS = { orderId: 5, qty: 0 };
export const NOT_JSON = 'order o-3, qty 1';

/** How many times each message id came back in a ReceiveMessage of `counting`. */
export function deliveriesOf(counting: CountingClient): Map<string, number> {
  const seen = new Map<string, number>();
  for (const request of requestsOf(counting.log, 'ReceiveMessageCommand')) {
    for (const m of messagesOf(request)) seen.set(m.MessageId!, (seen.get(m.MessageId!) ?? 0) + 1);
  }
  return seen;
}

/** Waits until `queueUrl` is empty and `dlqUrl` holds `count` messages; returns them. */
export async function parkedIn(
  queueUrl: string,
  dlqUrl: string,
  count: number,
): Promise<Message[]> {
  const settled = await eventually(async () => {
    const [source, dlq] = await Promise.all([queueCounts(queueUrl), queueCounts(dlqUrl)]);
    return source.visible + source.inFlight + source.delayed === 0 && dlq.visible === count;
  }, 15_000);
  expect(settled).toBe(true);
  return receiveNow(dlqUrl);
}

/** A logger keeping each line as the default logger would print it (errors as name: message). */
export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    const shown = Object.entries(fields ?? {})
      .filter(([, value]) => value !== undefined)
      .map(([k, value]) =>
        value instanceof Error
          ? `${k}=${value.name}: ${value.message}`
          : `${k}=${JSON.stringify(value)}`,
      );
    lines.push([`${level} ${message}`, ...shown].join(' '));
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
