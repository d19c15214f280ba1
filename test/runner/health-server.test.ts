/**
 * runListeners({ health }): /health and /metrics over HTTP while the run lasts, 503 while
 * draining or after receives kept failing, and the server gone when the run ends.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import {
  type HealthOptions,
  type RegisteredListener,
  runListeners,
  silentLogger,
  sqsListener,
} from '../../src/index.js';
import { createInMemorySqs } from '../../src/testing/index.js';
import { eventually, sleep } from '../support/sqs.js';

/**
 * runListeners() with one listener and a health server on a free port: the run, the controller
 * that stops it, and the server's URL once it listens ('' before).
 */
function runWithHealth(
  registration: RegisteredListener,
  client: SQSClient,
  env: Record<string, string>,
  health: Omit<HealthOptions, 'port' | 'host' | 'onListening'> = {},
) {
  const controller = new AbortController();
  let url = '';
  const run = runListeners({
    listeners: [registration],
    client,
    signal: controller.signal,
    handleSignals: false,
    logger: silentLogger,
    env,
    health: { port: 0, host: '127.0.0.1', onListening: (u) => (url = u), ...health },
  });
  return { run, controller, url: () => url };
}

function serverHandles(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;
}

describe('health endpoint', () => {
  it('serves /health and /metrics, turns 503 while draining, and closes when the run ends', async () => {
    const sqs = createInMemorySqs();
    const queueUrl = sqs.createQueue('orders');
    sqs.sendMessages(queueUrl, [{ n: 1 }, { n: 2 }, { n: 3 }]);
    let release: () => void = () => {};
    const blocked = new Promise<void>((resolve) => {
      release = resolve;
    });
    const registration = sqsListener({ queueUrl, waitTime: 1, idleSleepMax: 0 }, async (m) => {
      if ((m.json as { n: number }).n === 3) await blocked;
      else await sleep(10);
    });
    const handlesBefore = serverHandles();
    const { run, controller, url } = runWithHealth(registration, sqs.client, {});
    expect(await eventually(() => sqs.deleted(queueUrl).length === 2, 5_000, 20)).toBe(true);

    const health = await fetch(`${url()}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', listeners: [{ name: 'orders' }] });

    const metrics = await fetch(`${url()}/metrics`);
    expect(metrics.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const text = await metrics.text();
    expect(text).toContain('# TYPE sqs_listener_messages_received_total counter');
    expect(text).toContain(
      'sqs_listener_messages_received_total{listener="orders",queue="orders"} 3',
    );
    expect(text).toContain('sqs_listener_messages_in_flight{listener="orders",queue="orders"} 1');
    expect(text).toMatch(
      /sqs_listener_handler_duration_seconds_count\{listener="orders",queue="orders"\} 2\n/,
    );
    expect(text).toMatch(/sqs_listener_handler_duration_seconds\{[^}]*quantile="0.5"\} 0\.0\d+/);
    expect(text).toContain('sqs_listener_draining 0');
    expect((await fetch(`${url()}/nope`)).status).toBe(404);

    // Draining: the blocked handler keeps the run alive; health says so.
    controller.abort();
    const draining = await fetch(`${url()}/health`);
    expect(draining.status).toBe(503);
    expect(await draining.json()).toMatchObject({ status: 'draining' });
    release();
    const [report] = await run;
    expect(report?.handler.duration.count).toBe(3);
    expect(report?.handler.duration.maxMs).toBeGreaterThanOrEqual(report!.handler.duration.p50Ms);
    expect(report?.stats.inFlight).toBe(0);
    await expect(fetch(`${url()}/health`)).rejects.toThrow();
    expect(serverHandles()).toBe(handlesBefore);
  });

  it('turns 503 once receives have failed for unhealthyAfterSecs, and 200 again when they work', async () => {
    const sqs = createInMemorySqs();
    const queueUrl = sqs.createQueue('flaky');
    let failing = true;
    // Throttling is retried with backoff (not fatal), like a network outage.
    const client = {
      send: (command: object, options?: { abortSignal?: AbortSignal }) => {
        if (failing && command.constructor.name === 'ReceiveMessageCommand') {
          const error = new Error('Rate exceeded');
          error.name = 'ThrottlingException';
          return Promise.reject(error);
        }
        return sqs.send(command, options);
      },
      destroy: () => {},
    } as unknown as SQSClient;
    const registration = sqsListener({ queueUrl, waitTime: 1, idleSleepMax: 0 }, () => {});
    const { run, controller, url } = runWithHealth(
      registration,
      client,
      {},
      { unhealthyAfterSecs: 0.3 },
    );
    try {
      const status = async () => (await fetch(`${url()}/health`)).status;
      expect(
        await eventually(async () => url() !== '' && (await status()) === 503, 5_000, 50),
      ).toBe(true);
      const body = (await (await fetch(`${url()}/health`)).json()) as { status: string };
      expect(body.status).toBe('failing');
      failing = false;
      expect(await eventually(async () => (await status()) === 200, 10_000, 50)).toBe(true);
    } finally {
      controller.abort();
      await run;
    }
  });
});

describe('health endpoint: a stuck consumer', () => {
  it('turns 503 with the listener "stuck" when its receives hang, and serves the new metrics', async () => {
    const sqs = createInMemorySqs();
    const queueUrl = sqs.createQueue('hung');
    // A hung connection: ReceiveMessage never answers (until the stop aborts it).
    const client = {
      send: (command: object, options?: { abortSignal?: AbortSignal }) => {
        if (command.constructor.name !== 'ReceiveMessageCommand') return sqs.send(command, options);
        return new Promise((_resolve, reject) => {
          const abort = () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
          if (options?.abortSignal?.aborted) abort();
          options?.abortSignal?.addEventListener('abort', abort, { once: true });
        });
      },
      destroy: () => {},
    } as unknown as SQSClient;
    const registration = sqsListener({ queueUrl, waitTime: 1, idleSleepMax: 0 }, () => {});
    // The environment's value is used when the option is not given.
    const { run, controller, url } = runWithHealth(registration, client, {
      HEALTH_STUCK_AFTER_SECS: '2',
    });
    try {
      expect(await eventually(() => url() !== '', 5_000, 20)).toBe(true);
      const first = await fetch(`${url()}/health`);
      expect(first.status).toBe(200);
      await first.arrayBuffer();
      const stuck = async () => (await fetch(`${url()}/health`)).status === 503;
      expect(await eventually(stuck, 10_000, 100)).toBe(true);
      expect(await (await fetch(`${url()}/health`)).json()).toMatchObject({
        status: 'failing',
        listeners: [{ name: 'hung', status: 'stuck', lastReceiveAt: null }],
      });
      const text = await (await fetch(`${url()}/metrics`)).text();
      const labels = 'listener="hung",queue="hung"';
      expect(text).toContain('# TYPE sqs_listener_message_receive_count histogram\n');
      expect(text).toContain(`sqs_listener_message_receive_count_bucket{${labels},le="+Inf"} 0\n`);
      expect(text).toContain(`sqs_listener_empty_receives_total{${labels}} 0\n`);
      expect(text).toContain(`sqs_listener_messages_buffered{${labels}} 0\n`);
      expect(text).toMatch(
        new RegExp(`sqs_listener_seconds_since_last_receive\\{${labels}\\} [2-9]\\.?\\d*\\n`),
      );
    } finally {
      controller.abort();
      await run;
    }
  });

  it.each([
    [{ stuckAfterSecs: 1 }, {}, 'option health.stuckAfterSecs', 'got 1'],
    [{ stuckAfterSecs: Number.NaN }, {}, 'option health.stuckAfterSecs', 'got NaN'],
    [{ stuckAfterSecs: 86_401 }, {}, 'option health.stuckAfterSecs', 'got 86401'],
    [{}, { HEALTH_STUCK_AFTER_SECS: 'soon' }, 'HEALTH_STUCK_AFTER_SECS', 'got "soon"'],
    [{}, { HEALTH_STUCK_AFTER_SECS: '5' }, 'HEALTH_STUCK_AFTER_SECS', 'got "5"'],
  ])('refuses to start with a bad stuckAfterSecs (%o, env %o)', async (option, env, names, got) => {
    const sqs = createInMemorySqs();
    const queueUrl = sqs.createQueue('strict');
    // A 5 s long poll plus up to 1 s of idle sleep: anything up to 6 s would call an idle
    // listener stuck.
    const registration = sqsListener({ queueUrl, waitTime: 5, idleSleepMax: 1 }, () => {});
    const handlesBefore = serverHandles();
    const sent: string[] = [];
    const client = {
      send: (command: object, options?: { abortSignal?: AbortSignal }) => {
        sent.push(command.constructor.name);
        return sqs.send(command, options);
      },
      destroy: () => {},
    } as unknown as SQSClient;
    // Aborted at the end, so that a run that wrongly started does not outlive the test.
    const { run, controller } = runWithHealth(registration, client, env, option);
    setTimeout(() => controller.abort(), 2_000).unref();
    await expect(run).rejects.toThrow(
      expect.objectContaining({
        name: 'ConfigError',
        message: expect.stringMatching(
          new RegExp(
            `${names}.*${got.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*from 7 to 86400 \\(seconds; more than waitTime \\+ idleSleepMax`,
          ),
        ),
      }),
    );
    expect(serverHandles()).toBe(handlesBefore);
    // Refused at start-up: not one request went out.
    expect(sent).toEqual([]);
  });
});
