import type { AddressInfo } from 'node:net';
import { createClient, type RealtimeChannel, type SupabaseClient } from '@supabase/supabase-js';
import WebSocket from 'ws';
import type { Hub } from '../../../composition.ts';
import type { SignedUpUser } from '../../../../test/users.ts';
import type { AuthModule } from '../../auth/index.ts';

/** Test support for the realtime module: real supabase-js clients and a raw Phoenix socket. */
export type Row = Record<string, unknown>;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `probe` gives a value; the deadline only stops a hung test, it asserts nothing. */
export async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

export async function listen(app: Hub['app']): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

export const anonKeyOf = (hub: Pick<Hub, 'modules'>) =>
  (hub.modules.find((m) => m.name === 'auth') as AuthModule).anonKey;

/** A supabase-js client; signed in as `user` when given, else on the anon key alone. */
export async function realtimeClient(url: string, anonKey: string, user?: SignedUpUser): Promise<SupabaseClient> {
  const client = createClient(url, anonKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: { transport: WebSocket as never, heartbeatIntervalMs: 5_000 },
  });
  if (user) {
    const { error } = await client.auth.signInWithPassword({ email: user.email, password: user.password });
    if (error) throw error;
  }
  return client;
}

export const signedInClient = (url: string, anonKey: string, user: SignedUpUser) => realtimeClient(url, anonKey, user);

export function subscribed(channel: RealtimeChannel): Promise<RealtimeChannel> {
  return new Promise((resolve, reject) => {
    channel.subscribe((status, err) => {
      if (status === 'SUBSCRIBED') resolve(channel);
      else if (status === 'CHANNEL_ERROR' || status === 'TIMED_OUT') reject(err ?? new Error(status));
    });
  });
}

/** A raw Phoenix client (vsn 1.0.0), to speak the protocol (and break it) by hand. */
export class RawSocket {
  messages: { topic: string; event: string; payload: Row; ref: string | null }[] = [];
  private ref = 0;
  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as { topic: string; event: string; payload: Row; ref: string | null };
      this.messages.push(m);
    });
  }
  static open(url: string, apikey: string): Promise<RawSocket> {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/realtime/v1/websocket?apikey=${apikey}&vsn=1.0.0`);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new RawSocket(ws)));
      ws.once('error', reject);
    });
  }
  push(topic: string, event: string, payload: Row): string {
    const ref = String(++this.ref);
    this.ws.send(JSON.stringify({ topic, event, payload, ref, join_ref: ref }));
    return ref;
  }
  sendRaw(text: string) {
    this.ws.send(text);
  }
  async reply(ref: string) {
    const m = await waitFor(`reply ${ref}`, () => this.messages.find((x) => x.event === 'phx_reply' && x.ref === ref));
    return m.payload as { status: string; response: Row };
  }
  changes(topic: string) {
    return this.messages
      .filter((m) => m.topic === topic && m.event === 'postgres_changes')
      .map((m) => (m.payload as { data: { type: string; record: Row; old_record: Row } }).data);
  }
  broadcasts(topic: string) {
    return this.messages
      .filter((m) => m.topic === topic && m.event === 'broadcast')
      .map((m) => m.payload as { event: string; payload: Row });
  }
  close() {
    this.ws.close();
  }
}

/** A presence `leave` as supabase-js reports it. */
export type Left = { key: string; leftPresences: Row[] };

/** A channel that tracks presence under `key` and records the leaves it hears. */
export function presenceChannel(
  client: SupabaseClient,
  topic: string,
  key: string,
  left: Left[] = [],
  isPrivate = false,
) {
  return client
    .channel(topic, { config: { presence: { key }, private: isPrivate } })
    .on('presence', { event: 'sync' }, () => undefined)
    .on('presence', { event: 'leave' }, (payload) => left.push(payload as unknown as Left));
}

/** The channel's presence state as fields per key, without the references. */
export function seen(channel: RealtimeChannel): Record<string, Row[]> {
  return Object.fromEntries(
    Object.entries(channel.presenceState()).map(([key, metas]) => [
      key,
      (metas as Row[]).map(({ presence_ref: _ref, ...fields }) => fields),
    ]),
  );
}
