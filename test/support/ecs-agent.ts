/**
 * A stand-in for the ECS agent's task scale-in protection endpoint on 127.0.0.1 (port 0): it
 * records every request's body and answers as the agent does (or as a test scripts it).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What one request should get: an answer, a dropped connection, or no answer until released. */
export type AgentReply =
  | { status: number; body: string }
  | { kind: 'destroy' }
  | { kind: 'hold'; released: Promise<{ status: number; body: string } | undefined> };

export interface AgentCall {
  method: string;
  path: string;
  body: unknown;
}

export interface FakeAgent {
  /** The value of ECS_AGENT_URI. */
  url: string;
  calls: AgentCall[];
  /** PUT bodies, in order. */
  bodies(): unknown[];
  /** Most requests open at once. */
  maxConcurrent: number;
  /** Scripted replies, taken in order; when empty, the agent confirms the request. */
  replies: AgentReply[];
  /** Called as each request arrives (e.g. to note what else had happened by then). */
  onCall?: (call: AgentCall) => void;
  close(): Promise<void>;
}

/** The agent's answer to a successful PUT. */
export function confirm(body: unknown): { status: number; body: string } {
  const enabled = (body as { ProtectionEnabled?: unknown } | undefined)?.ProtectionEnabled;
  return {
    status: 200,
    body: JSON.stringify({
      protection: {
        ExpirationDate: enabled === true ? '2026-11-30T16:00:00Z' : null,
        ProtectionEnabled: enabled,
        TaskArn: 'arn:aws:ecs:us-east-1:123456789012:task/test/0123456789abcdef',
      },
    }),
  };
}

export async function startFakeAgent(): Promise<FakeAgent> {
  let open = 0;
  const agent: FakeAgent = {
    url: '',
    calls: [],
    bodies: () => agent.calls.filter((c) => c.method === 'PUT').map((c) => c.body),
    maxConcurrent: 0,
    replies: [],
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    open++;
    agent.maxConcurrent = Math.max(agent.maxConcurrent, open);
    try {
      let text = '';
      for await (const chunk of req) text += String(chunk);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
      const call = { method: req.method ?? '', path: req.url ?? '', body };
      agent.calls.push(call);
      agent.onCall?.(call);
      const reply = agent.replies.shift() ?? confirm(body);
      if ('kind' in reply && reply.kind === 'destroy') {
        req.socket.destroy();
        return;
      }
      const answer = 'kind' in reply ? await reply.released : reply;
      if (answer === undefined) return; // never answered: the client times out
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(answer.body);
    } finally {
      open--;
    }
  };
  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  agent.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/container-id`;
  return agent;
}
