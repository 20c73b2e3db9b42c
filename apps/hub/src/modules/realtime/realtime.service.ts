import type { EventEnvelope } from '@made-open/shared';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import type { Database, RequestClaims } from '../../platform/db/index.ts';
import { UserError } from '../../platform/errors.ts';
import type { AuthenticatedUser, TokenVerifier } from '../../platform/http/authentication.ts';
import type { Logger } from '../../platform/logger.ts';
import { FilterError, matches, parseFilter, type RowFilter } from './realtime.filters.ts';
import {
  createChannelAuthorizer,
  publicAccess,
  refusedReason,
  revokedReason,
  topicKey,
  type ChannelAccess,
} from './realtime.access.ts';
import type { RealtimeCluster } from './realtime.cluster.ts';
import {
  createPresenceRegistry,
  MAX_PRESENCE_BYTES,
  type PresenceDiff,
  type PresenceState,
} from './realtime.presence.ts';
import {
  decodeMessage,
  encodeMessage,
  MAX_BROADCAST_FRAME_BYTES,
  ProtocolError,
  type PhoenixMessage,
  type Vsn,
} from './realtime.protocol.ts';
import {
  realtimeRepository as repo,
  streamableTables,
  type ColumnInfo,
  type StreamableTable,
} from './realtime.repository.ts';

type ChangeOp = 'INSERT' | 'UPDATE' | 'DELETE';

/** Which bus events are which row changes (DESIGN §4 events, carrying snapshots). */
export const changeSources: Record<string, { table: StreamableTable; op: ChangeOp; snapshot: string }> = {
  'data.EntityCreated': { table: 'public.entities', op: 'INSERT', snapshot: 'entity' },
  'data.EntityUpdated': { table: 'public.entities', op: 'UPDATE', snapshot: 'entity' },
  'data.EntityDeleted': { table: 'public.entities', op: 'DELETE', snapshot: 'entity' },
  'data.LinkCreated': { table: 'public.entity_links', op: 'INSERT', snapshot: 'link' },
  'data.LinkDeleted': { table: 'public.entity_links', op: 'DELETE', snapshot: 'link' },
};

/** Who a channel acts as: from the join's access_token (or the socket's apikey), refreshable. */
interface Identity {
  user: AuthenticatedUser | null;
  claims: RequestClaims;
  /** Token expiry (unix seconds), when it has one. */
  exp: number | undefined;
  /** The token itself, re-verified while the channel is open: a session can end before it expires. */
  token: string;
}

interface Binding {
  id: number;
  event: '*' | ChangeOp;
  tables: StreamableTable[];
  filter: RowFilter | undefined;
}

interface Channel {
  connection: Connection;
  topic: string;
  joinRef: string | null;
  identity: Identity;
  bindings: Binding[];
  broadcastSelf: boolean;
  /** This channel gets presence_state and presence_diff (asked at join, or by tracking). */
  presence: boolean;
  /** The key this channel's tracked presence is listed under (config.presence.key, else a UUID). */
  presenceKey: string;
  private: boolean;
  /** Private channels: what realtime_authorize allowed at join or the last re-check. */
  access: ChannelAccess;
}

interface Connection {
  id: number;
  ws: WebSocket;
  vsn: Vsn;
  /** The identity of the apikey the socket connected with. */
  apikey: Identity;
  channels: Map<string, Channel>;
  lastSeen: number;
}

export interface RealtimeServiceDeps {
  db: Pick<Database, 'queryAsUser' | 'asSystem'>;
  tokens: TokenVerifier;
  logger: Logger;
  /** Limits; defaults suit a personal hub. */
  maxChannelsPerSocket?: number;
  idleTimeoutMs?: number;
  /**
   * With NATS: other instances' broadcasts and presences (realtime.cluster.ts). Without it
   * (embedded mode) broadcast and presence stay in this process.
   */
  cluster?: RealtimeCluster;
}

const MAX_BUFFERED = 8 * 1024 * 1024;
const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);
const snakeCase = (record: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(record).map(([key, value]) => [key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), value]),
  );

function tokenExpiry(token: string): number | undefined {
  const part = token.split('.')[1];
  if (!part) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof payload.exp === 'number' ? payload.exp : undefined;
  } catch {
    return undefined;
  }
}

/** Two presence states as one: each key's metas from both (refs are unique across instances). */
function mergeStates(a: PresenceState, b: PresenceState): PresenceState {
  const merged: PresenceState = {};
  for (const state of [a, b])
    for (const [key, { metas }] of Object.entries(state)) (merged[key] ??= { metas: [] }).metas.push(...metas);
  return merged;
}

export function createRealtimeService(deps: RealtimeServiceDeps) {
  const { db, tokens, logger, cluster } = deps;
  const maxChannels = deps.maxChannelsPerSocket ?? 100;
  const idleTimeoutMs = deps.idleTimeoutMs ?? 90_000;
  const connections = new Set<Connection>();
  const byTopic = new Map<string, Set<Channel>>();
  const byTable = new Map<StreamableTable, Set<Channel>>();
  const columnCache = new Map<StreamableTable, Promise<ColumnInfo[]>>();
  const presence = createPresenceRegistry<Channel>();
  let nextConnectionId = 1;
  let nextBindingId = 1;
  const stats = { delivered: 0, rlsChecks: 0, refused: 0 };

  const columnsOf = (table: StreamableTable) => {
    let cached = columnCache.get(table);
    if (!cached) {
      cached = db.asSystem((tx) => repo.columns(tx, table));
      cached.catch(() => columnCache.delete(table));
      columnCache.set(table, cached);
    }
    return cached;
  };

  /** Verifies a token (a 401 UserError when expired, forged or malformed). */
  async function identify(token: string): Promise<Identity> {
    const user = await tokens.verify(token);
    if (!user) return { user: null, claims: { role: 'anon' }, exp: tokenExpiry(token), token };
    return { user, claims: user.claims, exp: tokenExpiry(token), token };
  }

  function send(connection: Connection, message: PhoenixMessage) {
    const { ws } = connection;
    if (ws.readyState !== WebSocket.OPEN) return;
    if (ws.bufferedAmount > MAX_BUFFERED) {
      logger.warn({ connection: connection.id }, 'realtime client too slow: closing');
      ws.close(1013, 'too slow: messages were piling up');
      return;
    }
    ws.send(encodeMessage(connection.vsn, message));
  }

  const reply = (
    connection: Connection,
    message: Pick<PhoenixMessage, 'topic' | 'ref' | 'join_ref'>,
    status: 'ok' | 'error',
    response: Record<string, unknown>,
  ) =>
    send(connection, {
      join_ref: message.join_ref ?? null,
      ref: message.ref ?? null,
      topic: message.topic ?? 'phoenix',
      event: 'phx_reply',
      payload: { status, response },
    });

  function index(channel: Channel) {
    const key = topicKey(channel.topic, channel.private);
    let topicSet = byTopic.get(key);
    if (!topicSet) {
      byTopic.set(key, (topicSet = new Set()));
      // Other instances' broadcasts on this topic reach this instance while it has a channel there.
      cluster?.watch(key);
    }
    topicSet.add(channel);
    for (const binding of channel.bindings) {
      for (const table of binding.tables) {
        let set = byTable.get(table);
        if (!set) byTable.set(table, (set = new Set()));
        set.add(channel);
      }
    }
  }

  function unindex(channel: Channel) {
    const key = topicKey(channel.topic, channel.private);
    byTopic.get(key)?.delete(channel);
    if (byTopic.get(key)?.size === 0) {
      byTopic.delete(key);
      cluster?.unwatch(key);
    }
    for (const set of byTable.values()) set.delete(channel);
    // A channel that goes (left, closed, its socket gone) leaves the topic's presence.
    leavePresence(channel);
  }

  function removeChannel(channel: Channel) {
    channel.connection.channels.delete(channel.topic);
    unindex(channel);
  }

  /** Tells the topic's presence listeners what changed (realtime-js merges it into its state). */
  function sendPresenceDiff(topic: string, diff: PresenceDiff) {
    for (const other of byTopic.get(topic) ?? []) {
      if (!other.presence) continue;
      send(other.connection, {
        join_ref: other.joinRef,
        ref: null,
        topic: other.topic,
        event: 'presence_diff',
        payload: diff,
      });
    }
  }

  /** A change of this instance's presences: its listeners, and the other instances', hear of it. */
  function sharePresenceDiff(key: string, diff: PresenceDiff) {
    sendPresenceDiff(key, diff);
    cluster?.publishPresence(key, diff);
  }

  /** New rights for an open channel: without write, its tracked presence goes too. */
  function setAccess(channel: Channel, access: ChannelAccess) {
    channel.access = access;
    if (!access.write) leavePresence(channel);
  }

  /** Forgets the channel's tracked presence, if any, and tells the topic. */
  function leavePresence(channel: Channel) {
    const key = topicKey(channel.topic, channel.private);
    const left = presence.untrack(key, channel);
    if (left) sharePresenceDiff(key, left);
  }

  function sendPresenceState(channel: Channel) {
    const key = topicKey(channel.topic, channel.private);
    const local = presence.state(key);
    send(channel.connection, {
      join_ref: channel.joinRef,
      ref: null,
      topic: channel.topic,
      event: 'presence_state',
      payload: cluster ? mergeStates(local, cluster.remoteState(key)) : local,
    });
  }

  /** Ends a channel from the server side with a reason the client sees as a system event. */
  function closeChannel(channel: Channel, reason: string) {
    removeChannel(channel);
    send(channel.connection, {
      join_ref: channel.joinRef,
      ref: null,
      topic: channel.topic,
      event: 'system',
      payload: {
        extension: 'system',
        status: 'error',
        message: reason,
        channel: channel.topic.slice('realtime:'.length),
      },
    });
    send(channel.connection, {
      join_ref: channel.joinRef,
      ref: null,
      topic: channel.topic,
      event: 'phx_close',
      payload: {},
    });
  }

  const expired = (identity: Identity, now = Date.now()) => identity.exp !== undefined && identity.exp * 1000 <= now;

  const authorize = createChannelAuthorizer(db);
  const isOpen = (channel: Channel) => channel.connection.channels.get(channel.topic) === channel;

  /**
   * Asks the database again for an open private channel. Fails closed: the channel ends
   * when read is gone, or when the database cannot say (as Supabase does on refresh).
   */
  async function reauthorize(channel: Channel, identity: Identity): Promise<ChannelAccess | undefined> {
    let access: ChannelAccess;
    try {
      access = await authorize(identity.claims, channel.topic);
    } catch (error) {
      logger.warn({ err: error, topic: channel.topic }, 'realtime re-authorisation failed');
      if (isOpen(channel)) closeChannel(channel, 'Realtime was unable to check your permissions: join again.');
      return undefined;
    }
    if (!isOpen(channel)) return undefined;
    if (!access.read) {
      closeChannel(channel, revokedReason(channel.topic));
      return undefined;
    }
    return access;
  }

  async function resolveBindings(raw: unknown): Promise<{ bindings: Binding[]; echo: Record<string, unknown>[] }> {
    if (raw === undefined || raw === null) return { bindings: [], echo: [] };
    if (!Array.isArray(raw) || raw.length > 100)
      throw new UserError(400, 'invalid_config', 'config.postgres_changes must be a list of at most 100 bindings.');
    const bindings: Binding[] = [];
    const echo: Record<string, unknown>[] = [];
    for (const item of raw) {
      if (!isObject(item))
        throw new UserError(
          400,
          'invalid_config',
          'Each postgres_changes binding must be an object {event, schema, table?, filter?}.',
        );
      const { event, schema, table, filter } = item;
      const op = typeof event === 'string' ? event.toUpperCase() : '';
      if (!['*', 'INSERT', 'UPDATE', 'DELETE'].includes(op)) {
        throw new UserError(
          400,
          'invalid_config',
          `postgres_changes event must be *, INSERT, UPDATE or DELETE, not ${JSON.stringify(event)}.`,
        );
      }
      if (
        typeof schema !== 'string' ||
        (table !== undefined && table !== null && typeof table !== 'string') ||
        (filter !== undefined && filter !== null && typeof filter !== 'string')
      ) {
        throw new UserError(400, 'invalid_config', 'postgres_changes schema, table and filter must be strings.');
      }
      const tables = (Object.keys(streamableTables) as StreamableTable[]).filter((key) => {
        const t = streamableTables[key];
        return (
          (schema === '*' || schema === t.schema) &&
          (table === undefined || table === null || table === '*' || table === t.table)
        );
      });
      if (tables.length === 0) {
        throw new UserError(
          400,
          'invalid_config',
          `Unable to subscribe to changes with given parameters: [schema: ${schema}, table: ${String(table ?? '*')}]. This hub streams ${Object.keys(streamableTables).join(', ')}.`,
        );
      }
      let parsed: RowFilter | undefined;
      try {
        const columns = new Set<string>();
        for (const t of tables) for (const column of await columnsOf(t)) columns.add(column.name);
        parsed = parseFilter(filter ?? undefined, columns);
      } catch (error) {
        if (error instanceof FilterError) throw new UserError(400, 'invalid_filter', error.message);
        throw error;
      }
      const binding: Binding = { id: nextBindingId++, event: op as Binding['event'], tables, filter: parsed };
      bindings.push(binding);
      echo.push({ id: binding.id, event, schema, table, ...(filter !== undefined ? { filter } : {}) });
    }
    return { bindings, echo };
  }

  async function join(connection: Connection, message: PhoenixMessage) {
    const { topic, payload } = message;
    if (!topic.startsWith('realtime:')) {
      return reply(connection, message, 'error', { reason: 'Topics start with "realtime:", like realtime:room1.' });
    }
    const existing = connection.channels.get(topic);
    if (existing) removeChannel(existing);
    if (connection.channels.size >= maxChannels) {
      return reply(connection, message, 'error', {
        reason: `Too many channels on one socket (at most ${maxChannels}).`,
      });
    }
    const config = isObject(payload.config) ? payload.config : {};
    let identity = connection.apikey;
    if (payload.access_token !== undefined) {
      if (typeof payload.access_token !== 'string')
        return reply(connection, message, 'error', { reason: 'access_token must be a string.' });
      try {
        identity = await identify(payload.access_token);
      } catch (error) {
        stats.refused++;
        return reply(connection, message, 'error', {
          reason: error instanceof UserError ? error.message : 'The access token is not valid.',
        });
      }
    }
    if (expired(identity)) {
      stats.refused++;
      return reply(connection, message, 'error', { reason: 'Token has expired: refresh the session and join again.' });
    }
    const isPrivate = config.private === true;
    const access = isPrivate ? await authorize(identity.claims, topic) : publicAccess;
    if (!access.read) {
      stats.refused++;
      return reply(connection, message, 'error', { reason: refusedReason(topic) });
    }
    let resolved: Awaited<ReturnType<typeof resolveBindings>>;
    try {
      resolved = await resolveBindings(config.postgres_changes);
    } catch (error) {
      if (error instanceof UserError) return reply(connection, message, 'error', { reason: error.message });
      throw error;
    }
    if (connection.ws.readyState !== WebSocket.OPEN) return;
    const broadcast = isObject(config.broadcast) ? config.broadcast : {};
    const presenceConfig = isObject(config.presence) ? config.presence : {};
    const asked = presenceConfig.key;
    const channel: Channel = {
      connection,
      topic,
      joinRef: message.join_ref ?? message.ref,
      identity,
      bindings: resolved.bindings,
      broadcastSelf: broadcast.self === true,
      presence: presenceConfig.enabled === true,
      presenceKey: typeof asked === 'string' && asked.length > 0 && asked.length <= 200 ? asked : randomUUID(),
      private: isPrivate,
      access,
    };
    connection.channels.set(topic, channel);
    index(channel);
    // With other instances: NATS knows this instance listens on the topic before the join is ok,
    // so a broadcast sent from elsewhere after the client saw SUBSCRIBED reaches it.
    if (cluster) await cluster.ready(topicKey(topic, isPrivate));
    reply(connection, message, 'ok', resolved.bindings.length > 0 ? { postgres_changes: resolved.echo } : {});
    if (resolved.bindings.length > 0) {
      send(connection, {
        join_ref: channel.joinRef,
        ref: null,
        topic,
        event: 'system',
        payload: {
          extension: 'postgres_changes',
          status: 'ok',
          message: 'Subscribed to PostgreSQL',
          channel: topic.slice('realtime:'.length),
        },
      });
    }
    if (channel.presence) sendPresenceState(channel);
  }

  async function refreshToken(channel: Channel, message: PhoenixMessage) {
    const token = message.payload.access_token;
    if (typeof token !== 'string') {
      return reply(channel.connection, message, 'error', { reason: 'access_token must be a string.' });
    }
    let identity: Identity;
    try {
      identity = await identify(token);
    } catch (error) {
      return closeChannel(channel, error instanceof UserError ? error.message : 'The access token is not valid.');
    }
    if (expired(identity)) return closeChannel(channel, 'Token has expired: refresh the session and join again.');
    // A new token may carry other rights, and grants may have been revoked since the join.
    const access = channel.private ? await reauthorize(channel, identity) : publicAccess;
    if (!access || !isOpen(channel)) return;
    channel.identity = identity;
    setAccess(channel, access);
    if (message.ref) reply(channel.connection, message, 'ok', {});
  }

  function clientBroadcast(channel: Channel, message: PhoenixMessage, frameBytes: number) {
    const { payload } = message;
    if (payload.type !== 'broadcast' || typeof payload.event !== 'string') {
      return reply(channel.connection, message, 'error', {
        reason: 'A broadcast payload is {type: "broadcast", event, payload}.',
      });
    }
    if (frameBytes > MAX_BROADCAST_FRAME_BYTES) {
      return reply(channel.connection, message, 'error', {
        reason: `A broadcast is at most ${MAX_BROADCAST_FRAME_BYTES / 1024} KiB: send a reference (a Storage path) to larger data.`,
      });
    }
    // As Supabase: a private send without the write right is dropped, with no reply.
    if (!channel.access.write) return;
    const key = topicKey(channel.topic, channel.private);
    for (const other of byTopic.get(key) ?? []) {
      if (other === channel && !channel.broadcastSelf) continue;
      send(other.connection, { join_ref: other.joinRef, ref: null, topic: other.topic, event: 'broadcast', payload });
    }
    // Every other instance's channels on the same topic (and visibility) get it once, from NATS.
    cluster?.publishBroadcast(key, payload);
    if (message.ref) reply(channel.connection, message, 'ok', {});
  }

  function clientPresence(channel: Channel, message: PhoenixMessage) {
    const { payload } = message;
    const event = payload.type === 'presence' ? payload.event : undefined;
    if (event !== 'track' && event !== 'untrack') {
      return reply(channel.connection, message, 'error', {
        reason:
          'A presence payload is {type: "presence", event: "track", payload} or {type: "presence", event: "untrack"}.',
      });
    }
    // Tracking is writing to the topic: a private channel needs the write right (receiving needs read).
    if (!channel.access.write) {
      return reply(channel.connection, message, 'error', {
        reason: `Unauthorized: You do not have permissions to track presence on this Channel topic: ${channel.topic}`,
      });
    }
    if (event === 'untrack') {
      leavePresence(channel);
      return reply(channel.connection, message, 'ok', {});
    }
    const state = payload.payload ?? {};
    if (!isObject(state))
      return reply(channel.connection, message, 'error', { reason: 'A tracked presence is a JSON object.' });
    if (Buffer.byteLength(JSON.stringify(state)) > MAX_PRESENCE_BYTES)
      return reply(channel.connection, message, 'error', {
        reason: `A tracked presence is at most ${MAX_PRESENCE_BYTES / 1024} KiB of JSON.`,
      });
    // A channel that joined without presence listeners starts listening when it tracks.
    if (!channel.presence) {
      channel.presence = true;
      sendPresenceState(channel);
    }
    const key = topicKey(channel.topic, channel.private);
    for (const diff of presence.track(key, channel, channel.presenceKey, state)) sharePresenceDiff(key, diff);
    reply(channel.connection, message, 'ok', {});
  }

  async function handle(connection: Connection, message: PhoenixMessage, frameBytes: number) {
    if (message.topic === 'phoenix') {
      if (message.event === 'heartbeat') return reply(connection, message, 'ok', {});
      return reply(connection, message, 'error', { reason: `Unknown event ${message.event} on topic phoenix.` });
    }
    if (message.event === 'phx_join') return join(connection, message);
    const channel = connection.channels.get(message.topic);
    if (!channel)
      return reply(connection, message, 'error', { reason: 'unmatched topic: join the channel first (phx_join).' });
    switch (message.event) {
      case 'phx_leave':
        removeChannel(channel);
        reply(connection, message, 'ok', {});
        return send(connection, {
          join_ref: channel.joinRef,
          ref: null,
          topic: channel.topic,
          event: 'phx_close',
          payload: {},
        });
      case 'access_token':
        return refreshToken(channel, message);
      case 'broadcast':
        return clientBroadcast(channel, message, frameBytes);
      case 'presence':
        return clientPresence(channel, message);
      default:
        return reply(connection, message, 'error', {
          reason: `Unsupported event ${message.event}: this hub speaks phx_join, phx_leave, access_token, broadcast, presence and heartbeat.`,
        });
    }
  }

  /**
   * A signed-in channel whose session ended (logout, a password change; on another instance
   * too, through the auth module's bus consumer) closes: its token no longer verifies.
   * Fails closed: a channel whose session cannot be checked closes, and the client rejoins.
   */
  async function recheckSession(channel: Channel) {
    try {
      if (await tokens.verify(channel.identity.token)) return;
    } catch {
      // ended, revoked or no longer valid
    }
    if (isOpen(channel)) closeChannel(channel, 'The session has ended: sign in again.');
  }

  /** Periodic: drop silent sockets, end channels whose token expired or whose session ended. */
  const sweeper = setInterval(() => {
    const now = Date.now();
    for (const connection of connections) {
      if (now - connection.lastSeen > idleTimeoutMs) {
        connection.ws.close(1000, 'no heartbeat');
        continue;
      }
      for (const channel of [...connection.channels.values()]) {
        if (expired(channel.identity, now))
          closeChannel(channel, 'Token has expired: refresh the session and join again.');
        else if (channel.identity.user) void recheckSession(channel);
      }
    }
  }, 5_000);
  sweeper.unref();

  /** Another instance's broadcast: to every channel here on that topic (the sender is not here). */
  function deliverRemoteBroadcast(key: string, payload: Record<string, unknown>) {
    for (const channel of byTopic.get(key) ?? [])
      send(channel.connection, {
        join_ref: channel.joinRef,
        ref: null,
        topic: channel.topic,
        event: 'broadcast',
        payload,
      });
  }
  cluster?.attach({
    broadcast: deliverRemoteBroadcast,
    presenceDiff: sendPresenceDiff,
    localPresences: () => presence.entries(),
  });

  return {
    /** Takes over an upgraded socket. */
    attach(ws: WebSocket, vsn: Vsn, apikey: Identity) {
      const connection: Connection = {
        id: nextConnectionId++,
        ws,
        vsn,
        apikey,
        channels: new Map(),
        lastSeen: Date.now(),
      };
      connections.add(connection);
      // Messages of one socket are handled in order (a join completes before the next message).
      let queue = Promise.resolve();
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        connection.lastSeen = Date.now();
        queue = queue.then(async () => {
          let message: PhoenixMessage;
          try {
            message = decodeMessage(vsn, data, isBinary);
          } catch (error) {
            if (!(error instanceof ProtocolError)) throw error;
            const partial = error.partial ?? {};
            return reply(
              connection,
              { topic: partial.topic ?? 'phoenix', ref: partial.ref ?? null, join_ref: partial.join_ref ?? null },
              'error',
              { reason: error.message },
            );
          }
          try {
            await handle(connection, message, data.length);
          } catch (error) {
            logger.error({ err: error, topic: message.topic, event: message.event }, 'realtime message failed');
            reply(connection, message, 'error', { reason: 'The hub could not handle this message; try again.' });
          }
        });
      });
      ws.on('close', () => {
        connections.delete(connection);
        for (const channel of connection.channels.values()) unindex(channel);
        connection.channels.clear();
      });
      ws.on('error', (error) => logger.debug({ err: error }, 'realtime socket error'));
    },

    identify,

    /**
     * One bus event: for every channel listening to its table, read the row back with that
     * channel's current claims (RLS decides, per event) and push what they may see.
     */
    async deliver(event: EventEnvelope) {
      const source = changeSources[event.type];
      if (!source) return;
      const listeners = byTable.get(source.table);
      if (!listeners || listeners.size === 0) return;
      const now = Date.now();
      const groups = new Map<string, { claims: RequestClaims; sub: string | undefined; channels: Channel[] }>();
      for (const channel of listeners) {
        if (expired(channel.identity, now)) {
          closeChannel(channel, 'Token has expired: refresh the session and join again.');
          continue;
        }
        if (
          !channel.bindings.some((b) => (b.event === '*' || b.event === source.op) && b.tables.includes(source.table))
        )
          continue;
        const key = `${channel.identity.claims.role}|${channel.identity.claims.sub ?? ''}`;
        let group = groups.get(key);
        if (!group)
          groups.set(key, (group = { claims: channel.identity.claims, sub: channel.identity.user?.id, channels: [] }));
        group.channels.push(channel);
      }
      if (groups.size === 0) return;
      const columns = await columnsOf(source.table);
      const { schema, table } = streamableTables[source.table];
      const statement = repo.rowStatement(source.table, event.subject);
      const snapshot = isObject(event.data[source.snapshot])
        ? snakeCase(event.data[source.snapshot] as Record<string, unknown>)
        : undefined;

      await Promise.all(
        [...groups.values()].map(async (group) => {
          stats.rlsChecks++;
          const result = await db.queryAsUser<{ row: Record<string, unknown> }>(
            group.claims,
            statement.text,
            statement.params,
          );
          let record = result.rows[0]?.row;
          // A hard-deleted row can no longer be read back: only its owner hears of it.
          if (
            !record &&
            source.op === 'DELETE' &&
            snapshot &&
            group.sub !== undefined &&
            event.ownerId === group.sub &&
            group.claims.role === 'authenticated'
          ) {
            record = snapshot;
          }
          if (!record) return;
          const data = {
            schema,
            table,
            commit_timestamp: event.time,
            type: source.op,
            columns,
            record: source.op === 'DELETE' ? {} : record,
            old_record: source.op === 'INSERT' ? {} : source.op === 'UPDATE' ? { id: record.id } : record,
            errors: null,
          };
          for (const channel of group.channels) {
            const ids = channel.bindings
              .filter(
                (b) =>
                  (b.event === '*' || b.event === source.op) &&
                  b.tables.includes(source.table) &&
                  matches(b.filter, record),
              )
              .map((b) => b.id);
            if (ids.length === 0) continue;
            stats.delivered++;
            send(channel.connection, {
              join_ref: channel.joinRef,
              ref: null,
              topic: channel.topic,
              event: 'postgres_changes',
              payload: { ids, data },
            });
          }
        }),
      );
    },

    /**
     * Pushes a broadcast to the private channels on this instance of topic
     * `realtime:user:<id>` (or `realtime:user:<id>:<name>` when `name` is given): the user's
     * own, and those of users they granted read.
     */
    notify(userId: string, event: string, payload: Record<string, unknown>, name?: string) {
      const topic = name ? `realtime:user:${userId}:${name}` : `realtime:user:${userId}`;
      let sent = 0;
      for (const channel of byTopic.get(topicKey(topic, true)) ?? []) {
        if (!channel.access.read || expired(channel.identity)) continue;
        send(channel.connection, {
          join_ref: channel.joinRef,
          ref: null,
          topic,
          event: 'broadcast',
          payload: { type: 'broadcast', event, payload },
        });
        sent++;
      }
      return sent;
    },

    /**
     * Asks the database again for every private channel on this instance of a topic (a
     * channel name without "realtime:"), after its grants changed: who lost read is closed.
     */
    async recheck(topic: string) {
      const channels = [...(byTopic.get(topicKey(`realtime:${topic}`, true)) ?? [])];
      await Promise.all(
        channels.map(async (channel) => {
          const access = await reauthorize(channel, channel.identity);
          if (access) setAccess(channel, access);
        }),
      );
    },

    stats: () => ({
      connections: connections.size,
      channels: [...byTopic.values()].reduce((n, s) => n + s.size, 0),
      ...stats,
    }),

    /** Closes every socket (shutdown). */
    closeAll() {
      clearInterval(sweeper);
      for (const connection of connections) connection.ws.close(1001, 'server shutting down');
    },
  };
}

export type RealtimeService = ReturnType<typeof createRealtimeService>;
export type { Identity as RealtimeIdentity };
