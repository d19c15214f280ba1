/**
 * One pipeline run for each outcome, in both modes (per-message mode is a batch of one), on the
 * in-memory SQS: what the queue holds afterwards, the listener's counts, and the error that
 * onFailure receives (what was thrown, as is; a HandlerError where nothing was thrown).
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  type BatchHandler,
  type BatchHandlerResult,
  batchListener,
  HandlerError,
  type LeasedMessage,
  type ListenerBaseOptions,
  type ListenerResult,
  NonRetryableError,
  perMessageListener,
  silentLogger,
  sqsMessages,
} from '../../src/index.js';
import { createInMemorySqs, type InMemorySqs } from '../../src/testing/index.js';

type Mode = 'per-message' | 'batch';

interface Case {
  name: string;
  bodies: string[];
  /** What the handler does with each message (batch mode: one after the other). */
  handle?: (m: LeasedMessage) => unknown;
  /** Batch mode only: the whole batch handler. */
  batch?: BatchHandler;
  options?: ListenerBaseOptions;
  /** The run is over once this many hook calls (onSuccess + onFailure) or filter calls happened. */
  settledAfter: { hooks?: number; filterCalls?: number };
  expected: {
    deleted: string[];
    inFlight: string[];
    visible: string[];
    deadLettered?: string[];
    /** Instead of inFlight/visible: in either state. */
    givenBack?: string[];
    result: Partial<ListenerResult>;
    /** Checks the error onFailure received for the first failure. */
    failure?: (error: unknown) => void;
  };
}

const boom = new Error('boom');

const kindIs = (kind: string) => (error: unknown) => {
  expect(error).toBeInstanceOf(HandlerError);
  expect((error as HandlerError).kind).toBe(kind);
};

const failedOnce = (body: string, result: Partial<ListenerResult>): Case['expected'] => ({
  deleted: [],
  inFlight: [body],
  visible: [],
  result,
});

const shared: Case[] = [
  {
    name: 'success: deleted',
    bodies: ['a'],
    handle: () => undefined,
    settledAfter: { hooks: 1 },
    expected: {
      deleted: ['a'],
      inFlight: [],
      visible: [],
      result: { processed: 1, succeeded: 1, failed: 0 },
    },
  },
  {
    name: 'false: given back (HandlerError returnedFalse)',
    bodies: ['a'],
    handle: () => false,
    settledAfter: { hooks: 1 },
    expected: {
      ...failedOnce('a', { processed: 1, succeeded: 0, failed: 1 }),
      failure: kindIs('returnedFalse'),
    },
  },
  {
    name: 'throw: given back, onFailure gets what was thrown',
    bodies: ['a'],
    handle: () => {
      throw boom;
    },
    settledAfter: { hooks: 1 },
    expected: {
      ...failedOnce('a', { processed: 1, failed: 1, gaveUp: 0 }),
      failure: (error) => expect(error).toBe(boom),
    },
  },
  {
    name: 'timeout: lease ended and given back (HandlerError timedOut)',
    bodies: ['a'],
    handle: (m) => new Promise((resolve) => m.signal.addEventListener('abort', resolve)),
    options: { handlerTimeout: 0.05 },
    settledAfter: { hooks: 1 },
    expected: {
      ...failedOnce('a', { processed: 1, failed: 1 }),
      failure: kindIs('timedOut'),
    },
  },
  {
    name: "non-retryable: moved to the queue's DLQ",
    bodies: ['a'],
    handle: () => {
      throw new NonRetryableError('poison');
    },
    settledAfter: { hooks: 1 },
    expected: {
      deleted: ['a'],
      inFlight: [],
      visible: [],
      deadLettered: ['a'],
      result: { processed: 1, failed: 1, gaveUp: 1 },
      failure: (error) => expect(error).toBeInstanceOf(NonRetryableError),
    },
  },
  {
    name: 'filter rejects: released at once, never handled',
    bodies: ['a'],
    handle: () => {
      throw new Error('must not run');
    },
    options: { filter: () => false },
    settledAfter: { filterCalls: 2 },
    // Released each time, and received again until the stop, which releases it once more
    // (kept hidden until the aborted long polls' end): not deleted, either visible or in flight.
    expected: {
      deleted: [],
      inFlight: [],
      visible: [],
      givenBack: ['a'],
      result: { processed: 0, failed: 0 },
    },
  },
  {
    name: 'filter throws: given back, onFailure gets what the filter threw',
    bodies: ['a'],
    handle: () => {
      throw new Error('must not run');
    },
    options: {
      filter: () => {
        throw boom;
      },
    },
    settledAfter: { hooks: 1 },
    expected: {
      ...failedOnce('a', { processed: 1, failed: 1 }),
      failure: (error) => expect(error).toBe(boom),
    },
  },
  {
    name: 'self-settled: acked by the handler, then a throw: stays deleted',
    bodies: ['a'],
    handle: async (m) => {
      await m.ack();
      throw boom;
    },
    settledAfter: { hooks: 1 },
    expected: { deleted: ['a'], inFlight: [], visible: [], result: { processed: 1, failed: 1 } },
  },
];

const batchOnly: Case[] = [
  {
    name: 'invalid batch result: the whole batch given back (HandlerError invalidResult)',
    bodies: ['a', 'b'],
    batch: () => 'nonsense' as unknown as BatchHandlerResult,
    settledAfter: { hooks: 2 },
    expected: {
      deleted: [],
      inFlight: ['a', 'b'],
      visible: [],
      result: { processed: 2, failed: 2 },
      failure: kindIs('invalidResult'),
    },
  },
  {
    name: 'partial batch result: the reported one given back, the other deleted',
    bodies: ['a', 'b'],
    batch: (batch) => ({
      batchItemFailures: batch
        .filter((m) => m.body === 'b')
        .map((m) => ({ itemIdentifier: m.messageId })),
    }),
    settledAfter: { hooks: 2 },
    expected: {
      deleted: ['a'],
      inFlight: ['b'],
      visible: [],
      result: { processed: 2, succeeded: 1, failed: 1 },
      failure: kindIs('reportedFailed'),
    },
  },
];

const cases: Array<[string, Mode, Case]> = [
  ...shared.flatMap(
    (c): Array<[string, Mode, Case]> => [
      [c.name, 'per-message', c],
      [c.name, 'batch', c],
    ],
  ),
  ...batchOnly.map((c): [string, Mode, Case] => [c.name, 'batch', c]),
];

let controller: AbortController | undefined;
afterEach(() => controller?.abort());

async function until(predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error('timed out waiting for the run to settle');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function bodies(messages: ReadonlyArray<{ body: string }>): string[] {
  return messages.map((m) => m.body).sort();
}

async function run(mode: Mode, c: Case, sqs: InMemorySqs, queueUrl: string) {
  let hooks = 0;
  let filterCalls = 0;
  const failures: unknown[] = [];
  const filter = c.options?.filter;
  const options: ListenerBaseOptions = {
    ...c.options,
    ...(filter && {
      filter: (m: LeasedMessage) => {
        filterCalls++;
        return filter(m);
      },
    }),
    onSuccess: () => void hooks++,
    onFailure: (_m, error) => {
      failures.push(error);
      hooks++;
    },
    logger: silentLogger,
    env: {},
  };
  const handle = c.handle ?? (() => undefined);
  const listener =
    mode === 'per-message'
      ? perMessageListener(handle, options)
      : batchListener(
          c.batch ??
            (async (batch: LeasedMessage[]) => {
              for (const m of batch) if ((await handle(m)) === false) return false;
            }),
          { ...options, batchWindowMs: 50 },
        );
  controller = new AbortController();
  const stream = sqsMessages(queueUrl, {
    client: sqs.client,
    signal: controller.signal,
    waitTime: 1,
    visibilitySecs: 30,
    idleSleepMax: 0,
    logger: silentLogger,
    env: {},
  });
  const done = listener(stream);
  const { hooks: wantHooks = 0, filterCalls: wantFilterCalls = 0 } = c.settledAfter;
  await until(() => hooks >= wantHooks && filterCalls >= wantFilterCalls);
  controller.abort();
  const result = await done;
  await stream.drained();
  return { result, failures };
}

describe('one pipeline, every outcome', () => {
  it.each(cases)('%s (%s)', async (_name, mode, c) => {
    const sqs = createInMemorySqs();
    const queueUrl = sqs.createQueue('pipeline', {
      visibilityTimeout: 30,
      deadLetterQueue: { maxReceiveCount: 100 },
    });
    sqs.sendMessages(queueUrl, c.bodies);
    const { result, failures } = await run(mode, c, sqs, queueUrl);

    expect(result).toMatchObject(c.expected.result);
    expect(bodies(sqs.deleted(queueUrl))).toEqual(c.expected.deleted);
    if (c.expected.givenBack) {
      const held = [...sqs.inFlight(queueUrl), ...sqs.visible(queueUrl)];
      expect(bodies(held)).toEqual(c.expected.givenBack);
      expect(result.filtered).toBeGreaterThanOrEqual(1);
    } else {
      expect(bodies(sqs.inFlight(queueUrl))).toEqual(c.expected.inFlight);
      expect(bodies(sqs.visible(queueUrl))).toEqual(c.expected.visible);
    }
    const dlqUrl = sqs.deadLetterQueueUrl(queueUrl) as string;
    expect(bodies(sqs.visible(dlqUrl))).toEqual(c.expected.deadLettered ?? []);
    if (c.expected.failure) {
      expect(failures.length).toBeGreaterThan(0);
      c.expected.failure(failures[0]);
    } else if (c.name.startsWith('success')) {
      expect(failures).toEqual([]);
    }
  });
});
