/**
 * The runner's optional HTTP endpoint: `/health` for ECS/Kubernetes/load-balancer checks and
 * `/metrics` for Prometheus. Plain `node:http`; the server is unref'd and closed (with its
 * keep-alive connections) when the run ends, so it never keeps a process alive.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Env, type NumberSpec, resolveNumber } from '../shared/config.js';
import { formatMetrics, type ListenerMetrics, PROMETHEUS_CONTENT_TYPE } from './prometheus.js';

/** The `health` option of `runListeners()`. */
export interface HealthOptions {
  /** TCP port; 0 picks a free one (see `onListening`). */
  port: number;
  /** Interface to bind. Default `0.0.0.0`, so a load balancer or sidecar can reach it. */
  host?: string | undefined;
  /**
   * `/health` turns 503 once receives have been failing for this many seconds with no success
   * in between. Default 60: long enough to ride out throttling, short enough for an
   * orchestrator to replace a task that lost its credentials or network.
   */
  unhealthyAfterSecs?: number | undefined;
  /**
   * `/health` turns 503 when a listener wants messages (nothing in flight, or a receive sent
   * since the last success) yet no receive has succeeded for this many seconds: a stuck
   * consumer (receives that hang, or keep failing). A listener whose every slot is taken sends
   * no receive and stays healthy. Env `HEALTH_STUCK_AFTER_SECS`. Default: three poll cycles of
   * the slowest listener (`waitTime` + `idleSleepMax`), at least 60; allowed: more than one
   * cycle plus a second, up to 86,400.
   */
  stuckAfterSecs?: number | undefined;
  /** Called with the server's base URL once it listens (useful with `port: 0`). */
  onListening?: ((url: string) => void) | undefined;
}

/** What the server reads on each request. */
export interface HealthSource {
  listeners(): ListenerMetrics[];
  draining(): boolean;
  /** When the run started, ms: receives failing since then count as failing. */
  startedAtMs: number;
  /** See `HealthOptions.stuckAfterSecs` (resolved with {@link resolveStuckAfterSecs}), in ms. */
  stuckAfterMs: number;
}

/** A listener's poll cycle, for the stuck check's default and lower bound. */
export interface PollCycle {
  waitTime: number;
  idleSleepMax: number;
}

const MAX_STUCK_AFTER_SECS = 86_400;

/**
 * `stuckAfterSecs` (option > `HEALTH_STUCK_AFTER_SECS` > default), in seconds. It must be longer
 * than the slowest listener's poll cycle: an idle long poll on an empty queue would look stuck.
 */
export function resolveStuckAfterSecs(
  options: Pick<HealthOptions, 'stuckAfterSecs'>,
  env: Env,
  listeners: readonly PollCycle[],
): number {
  const cycle = Math.max(0, ...listeners.map((l) => l.waitTime + l.idleSleepMax));
  const spec: NumberSpec = {
    option: 'health.stuckAfterSecs',
    env: 'HEALTH_STUCK_AFTER_SECS',
    default: Math.max(60, 3 * cycle),
    min: cycle + 1,
    max: MAX_STUCK_AFTER_SECS,
    integer: false,
    unit: 'seconds; more than waitTime + idleSleepMax of every listener',
  };
  return resolveNumber(spec, options.stuckAfterSecs, env);
}

/** The listening server. */
export interface HealthServer {
  url: string;
  close(): Promise<void>;
}

/** The body of `/health`: the overall status and each listener's. */
export interface HealthReport {
  /** `failing` when any listener is `failing` or `stuck`; `draining` after a stop, whatever else. */
  status: 'ok' | 'draining' | 'failing';
  /**
   * Each listener: `failing` (its receives keep failing), `stuck` (it wants messages and no
   * receive succeeded for `stuckAfterSecs`: receives that hang or keep failing), or `ok`.
   */
  listeners: Array<{
    name: string;
    status: 'ok' | 'failing' | 'stuck';
    lastReceiveAt: string | null;
  }>;
}

/**
 * The health of each listener, from its stream's receive events as `StreamStats` records them
 * (`lastReceiveAt` from `received`, `lastReceiveErrorAt` from a retried `receiveFailed`,
 * `receivePending` from `receiveSent` until the next `received`).
 */
export function healthReport(
  source: HealthSource,
  nowMs: number,
  unhealthyAfterMs: number,
): HealthReport {
  const draining = source.draining();
  const listeners = source.listeners().map((l) => {
    const ok = l.stats.lastReceiveAt?.getTime();
    const failedAt = l.stats.lastReceiveErrorAt?.getTime();
    const quietMs = nowMs - (ok ?? source.startedAtMs);
    // Failing = the latest receive failed, and none succeeded for the whole grace period. A
    // listener that is busy (maxInFlight reached) sends no receives and stays healthy.
    const failing =
      failedAt !== undefined && (ok === undefined || failedAt > ok) && quietMs >= unhealthyAfterMs;
    // Stuck = it has free slots (nothing in flight, or it sent a receive that has not succeeded
    // since), yet nothing succeeded for stuckAfterMs. Every slot taken: no receive is sent, so
    // none is expected to succeed. A stop aborts the receives: not stuck while draining.
    const wantsMessages = l.stats.inFlight === 0 || l.stats.receivePending;
    const stuck = !draining && wantsMessages && quietMs >= source.stuckAfterMs;
    return {
      name: l.name,
      status: failing ? ('failing' as const) : stuck ? ('stuck' as const) : ('ok' as const),
      lastReceiveAt: l.stats.lastReceiveAt?.toISOString() ?? null,
    };
  });
  const status = draining
    ? 'draining'
    : listeners.some((l) => l.status !== 'ok')
      ? 'failing'
      : 'ok';
  return { status, listeners };
}

export async function startHealthServer(
  options: HealthOptions,
  source: HealthSource,
): Promise<HealthServer> {
  const unhealthyAfterMs = (options.unhealthyAfterSecs ?? 60) * 1000;
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (path === '/health') {
      const report = healthReport(source, Date.now(), unhealthyAfterMs);
      response
        .writeHead(report.status === 'ok' ? 200 : 503, { 'content-type': 'application/json' })
        .end(JSON.stringify(report));
    } else if (path === '/metrics') {
      response
        .writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE })
        .end(formatMetrics(source.listeners(), source.draining()));
    } else {
      response.writeHead(404).end();
    }
  });
  // Idle keep-alive sockets of a health checker must not delay close() or the process exit.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.unref();
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  options.onListening?.(url);
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
