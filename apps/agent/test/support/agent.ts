import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, Socket, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { bearer, type SignedUpUser } from '@made-open/hub/test/users.ts';
import type { TestHub } from '@made-open/hub/test/hub.ts';

const bin = resolve(import.meta.dirname, '../../bin/made-open-agent.js');

/** A real agent process (the CLI as a user runs it), with everything it prints kept. */
export interface AgentProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  stop(): Promise<number | null>;
}

export function startAgent(dir: string, args: string[], env: Record<string, string> = {}): AgentProcess {
  const child = spawn(process.execPath, [bin, ...args], {
    env: {
      ...process.env,
      DISPLAY: '',
      WAYLAND_DISPLAY: '',
      MADE_OPEN_AGENT_DIR: dir,
      MADE_OPEN_AGENT_LOG_LEVEL: 'debug',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return {
    child,
    output: () => output,
    exited,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Runs one CLI command to its end. */
export async function agentCommand(dir: string, args: string[], env: Record<string, string> = {}) {
  const agent = startAgent(dir, args, env);
  const code = await agent.exited;
  return { code, output: agent.output() };
}

/** Makes a device for `user` on the hub and returns its one-time code (the web's Devices page does this). */
export async function newPairingCode(hub: TestHub, user: SignedUpUser, name = 'Desktop') {
  const made = await hub.app.inject({
    method: 'POST',
    url: '/api/v1/devices',
    headers: bearer(user),
    payload: { name, kind: 'agent' },
  });
  if (made.statusCode !== 201) throw new Error(`device not made: ${made.body}`);
  return made.json() as { device: { id: string }; pairing: { code: string } };
}

export interface StoredEvent {
  id: string;
  type: string;
  data: Record<string, unknown>;
  deviceTime: string;
  time: string;
}

/** The owner's stored events of one device, through GET /api/v1/device-events (all pages). */
export async function storedEvents(hub: TestHub, user: SignedUpUser, deviceId: string, type?: string) {
  const out: StoredEvent[] = [];
  let cursor: string | undefined;
  do {
    const query = new URLSearchParams({
      deviceId,
      limit: '500',
      ...(type ? { type } : {}),
      ...(cursor ? { cursor } : {}),
    });
    const page = await hub.app.inject({ method: 'GET', url: `/api/v1/device-events?${query}`, headers: bearer(user) });
    if (page.statusCode !== 200) throw new Error(`device-events: ${page.statusCode} ${page.body}`);
    const body = page.json() as { items: StoredEvent[]; nextCursor: string | null };
    out.push(...body.items);
    cursor = body.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

export async function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 30_000,
) {
  const started = Date.now();
  let last: unknown;
  while (Date.now() - started < timeoutMs) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

/**
 * A TCP relay in front of the listening hub that the test can take down and bring back on the
 * same port: the agent sees a hub that is unreachable, then back, as after a network outage.
 */
export interface Link {
  url: string;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startLink(targetPort: number): Promise<Link> {
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  let port = 0;
  const up = () =>
    new Promise<void>((done, fail) => {
      server = createServer((inbound) => {
        const outbound = new Socket();
        outbound.connect(targetPort, '127.0.0.1');
        for (const s of [inbound, outbound]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => undefined);
        }
        inbound.pipe(outbound).pipe(inbound);
      });
      server.once('error', fail);
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as AddressInfo).port;
        done();
      });
    });
  const down = () =>
    new Promise<void>((done) => {
      for (const s of sockets) s.destroy();
      if (!server) return done();
      server.close(() => done());
      server = null;
    });
  await up();
  return { url: `http://127.0.0.1:${port}`, up, down, close: down };
}
