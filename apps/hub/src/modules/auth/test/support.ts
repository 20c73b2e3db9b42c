import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { composeHub, type Hub } from '../../../composition.ts';
import { loadConfig } from '../../../platform/config.ts';
import type { Database } from '../../../platform/db/index.ts';
import { createLogger } from '../../../platform/logger.ts';
import type { AuthModule, AuthTuning } from '../index.ts';

/**
 * Helpers for the auth tests that restart hubs or run two of them on one database:
 * hubs over a database the test owns (closing a hub leaves the database open), and
 * probes of every path an access token opens.
 */
export const generous = { AUTH_RATE_LIMIT_SIGNUP_PER_HOUR: '10000', AUTH_RATE_LIMIT_TOKEN_PER_MINUTE: '10000' };

export interface RunningHub {
  hub: Hub;
  url: string;
  auth: AuthModule;
  /** Stops the server and the modules; the database stays open for the next hub. */
  stop(): Promise<void>;
}

/** A hub on `db`, listening. The same `dataDir` means the same signing secret (a restart). */
export async function startHub(
  db: Database,
  dataDir: string,
  env: Record<string, string> = {},
  tuning: AuthTuning = {},
): Promise<RunningHub> {
  const config = loadConfig({ ...generous, ...env, DATA_DIR: dataDir, LOG_LEVEL: 'silent', PORT: '0' });
  const hub = await composeHub(config, createLogger('silent'), db, { auth: tuning });
  await hub.app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(hub.app.server.address() as AddressInfo).port}`;
  let stopped = false;
  return {
    hub,
    url,
    auth: hub.modules.find((m) => m.name === 'auth') as AuthModule,
    async stop() {
      if (stopped) return;
      stopped = true;
      await hub.app.close();
      for (const module of [...hub.modules].reverse()) await module.stop?.();
    },
  };
}

export async function signIn(hub: Hub, email: string, password: string): Promise<string> {
  const response = await hub.app.inject({
    method: 'POST',
    url: '/auth/v1/token?grant_type=password',
    payload: { email, password },
  });
  if (response.statusCode !== 200) throw new Error(`sign-in failed: ${response.statusCode} ${response.body}`);
  return (response.json() as { access_token: string }).access_token;
}

export interface Access {
  restRead: number;
  restWrite: number;
  storage: number;
  authUser: number;
  realtimeJoin: 'ok' | 'error';
}

/** What one access token gets on each authenticated path of a running hub. */
export async function access(running: RunningHub, token: string): Promise<Access> {
  const headers = { authorization: `Bearer ${token}` };
  const app = running.hub.app;
  const [restRead, restWrite, storage, authUser, realtimeJoin] = await Promise.all([
    app.inject({ method: 'GET', url: '/api/v1/entities?type=note', headers }).then((r) => r.statusCode),
    app
      .inject({ method: 'POST', url: '/api/v1/entities', headers, payload: { type: 'note', title: 'probe' } })
      .then((r) => r.statusCode),
    app.inject({ method: 'GET', url: '/storage/v1/bucket', headers }).then((r) => r.statusCode),
    app.inject({ method: 'GET', url: '/auth/v1/user', headers }).then((r) => r.statusCode),
    joinStatus(running, token),
  ]);
  return { restRead, restWrite, storage, authUser, realtimeJoin };
}

/** An ended session's token: 401 on /api/v1 and storage, GoTrue's 403 session_not_found on /auth/v1/user. */
export const refused: Access = { restRead: 401, restWrite: 401, storage: 401, authUser: 403, realtimeJoin: 'error' };
export const allowed: Access = { restRead: 200, restWrite: 201, storage: 200, authUser: 200, realtimeJoin: 'ok' };

/** Joins a realtime channel with the anon key on the socket and the token in phx_join, as supabase-js does. */
async function joinStatus(running: RunningHub, token: string): Promise<'ok' | 'error'> {
  const ws = new WebSocket(
    `${running.url.replace('http', 'ws')}/realtime/v1/websocket?apikey=${running.auth.anonKey}&vsn=1.0.0`,
  );
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const reply = new Promise<'ok' | 'error'>((resolve, reject) => {
      ws.on('message', (data: Buffer) => {
        const message = JSON.parse(data.toString('utf8')) as {
          event: string;
          ref: string;
          payload: { status: string };
        };
        if (message.event === 'phx_reply' && message.ref === '1') {
          resolve(message.payload.status === 'ok' ? 'ok' : 'error');
        }
      });
      ws.once('close', () => reject(new Error('realtime socket closed before the join reply')));
    });
    ws.send(
      JSON.stringify({
        topic: 'realtime:probe',
        event: 'phx_join',
        payload: { config: { postgres_changes: [] }, access_token: token },
        ref: '1',
        join_ref: '1',
      }),
    );
    return await reply;
  } finally {
    ws.close();
  }
}

/** Polls until `probe` returns something other than undefined (no fixed sleeps as assertions). */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
