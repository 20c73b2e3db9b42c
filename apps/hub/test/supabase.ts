import type { AddressInfo } from 'node:net';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import WebSocket from 'ws';
import type { AuthModule } from '../src/modules/auth/index.ts';
import type { TestDatabaseKind } from './databases.ts';
import { createTestHub, type TestHub } from './hub.ts';

/**
 * What the Supabase compatibility tests share: a test hub on a real port (supabase-js
 * speaks HTTP), its anon key, and supabase-js configured as a server-side client.
 */
export interface ListeningHub {
  hub: TestHub;
  url: string;
  anonKey: string;
}

/** Sign-up and token limits raised, as Supabase's own test set-up raises them. */
const compatibilityEnv = { AUTH_RATE_LIMIT_SIGNUP_PER_HOUR: '10000', AUTH_RATE_LIMIT_TOKEN_PER_MINUTE: '10000' };

export async function listeningHub(kind: TestDatabaseKind, env: Record<string, string> = {}): Promise<ListeningHub> {
  const hub = await createTestHub(kind, { ...compatibilityEnv, ...env });
  await hub.app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(hub.app.server.address() as AddressInfo).port}`;
  const anonKey = (hub.modules.find((m) => m.name === 'auth') as AuthModule).anonKey;
  return { hub, url, anonKey };
}

/** supabase-js with no stored session and realtime over `ws`; `headers` go on every request. */
export function supabaseClient(
  url: string,
  key: string,
  headers: Record<string, string> = {},
  fetchImpl?: typeof fetch,
): SupabaseClient {
  return createClient(url, key, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: { transport: WebSocket as never },
    global: { headers, ...(fetchImpl ? { fetch: fetchImpl } : {}) },
  });
}

/** A name no other test run uses (buckets, objects). */
export const uniqueName = (label: string) => `${label}-${Math.random().toString(36).slice(2, 8)}`;
