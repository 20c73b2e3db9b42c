import { createHash, randomBytes } from 'node:crypto';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Logger } from '../../platform/logger.ts';
import { MAX_BROADCAST_FRAME_BYTES } from './realtime.protocol.ts';
import type { PresenceDiff, PresenceEntry, PresenceMeta, PresenceState } from './realtime.presence.ts';

/**
 * Broadcast and presence across hub instances over NATS core subjects (ADR 0032): ephemeral,
 * at most once, no JetStream. Each instance owns its own sockets' presences (as a Phoenix
 * node does) and shares them as numbered diffs; the others keep a replica per instance,
 * fetch an instance's whole state when they first hear of it or miss a diff, and drop it
 * (with leave diffs) when it says goodbye or misses its heartbeats.
 *
 * Subjects, under `prefix` (default `realtime`):
 * - `<prefix>.broadcast.<public|private>.<sha256 of the topic key, base64url>`: one per topic,
 *   subscribed while this instance has a channel on it. The topic itself never becomes
 *   subject tokens (no `.`, `*`, `>` or spaces from a client); the message carries the key
 *   and a receiver checks it exactly.
 * - `<prefix>.presence`: every presence diff, `{i: instance, s: seq, t: topic key, d: diff}`.
 * - `<prefix>.heartbeat`, `<prefix>.hello`, `<prefix>.bye`: `{i, s}` (s: the last diff's seq).
 * - `<prefix>.state.<instance>`: request-reply, that instance's presences and seq.
 */
export interface ClusterHooks {
  /** A broadcast another instance's client sent on a topic key this instance watches. */
  broadcast(key: string, payload: Record<string, unknown>): void;
  /** Another instance's presences changed on a topic key: tell this instance's listeners. */
  presenceDiff(key: string, diff: PresenceDiff): void;
  /** This instance's own presences, for another instance's sync. */
  localPresences(): PresenceEntry[];
}

export interface RealtimeCluster {
  /** This process's member id: the instance id and a random suffix. */
  readonly instanceId: string;
  /** The service registers its hooks once, before start. */
  attach(hooks: ClusterHooks): void;
  start(): Promise<void>;
  /** Says goodbye (others drop this instance's presences at once) and unsubscribes. */
  stop(): Promise<void>;
  /** Starts receiving other instances' broadcasts on a topic key (counted: one per channel set). */
  watch(key: string): void;
  unwatch(key: string): void;
  /** Resolves once NATS has this instance's interest in the key (bounded: never blocks a join for long). */
  ready(key: string): Promise<void>;
  publishBroadcast(key: string, payload: Record<string, unknown>): void;
  publishPresence(key: string, diff: PresenceDiff): void;
  /** Other instances' presences on a topic key. */
  remoteState(key: string): PresenceState;
  stats(): { peers: number; remotePresences: number; relayedBroadcasts: number; receivedBroadcasts: number };
}

export interface NatsClusterOptions {
  /** The hub's one NATS connection (the events transport's), once it is started. */
  connection: () => NatsConnection | undefined;
  logger: Logger;
  instanceId?: string;
  /** Subject prefix: tests give each run its own. Default `realtime`. */
  prefix?: string;
  /** How often this instance says it is alive (default 5 s). */
  heartbeatMs?: number;
  /** Heartbeats an instance may miss before its presences are removed (default 3). */
  missedHeartbeats?: number;
}

type Wire = { i: string; s: number };
type PresenceWire = Wire & { t: string; d: PresenceDiff };
type StateWire = Wire & { p: PresenceEntry[] };

interface Peer {
  lastSeq: number;
  lastSeen: number;
  syncing: boolean;
  /** Diffs that arrived during a sync, applied after it in order. */
  buffer: PresenceWire[];
  /** topic key → phx_ref → presence. */
  topics: Map<string, Map<string, { key: string; meta: PresenceMeta }>>;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);
const validPrefix = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
/** Instance ids become one subject token. */
const validInstance = /^[A-Za-z0-9_-]{1,100}$/;

/** The subject of a topic key: its visibility as a token, the key itself only as a hash. */
export function broadcastSubject(prefix: string, key: string): string {
  const visibility = key.startsWith('private|') ? 'private' : 'public';
  return `${prefix}.broadcast.${visibility}.${createHash('sha256').update(key).digest('base64url')}`;
}

/** `{key: {metas: [{phx_ref, ...}]}}`, as the presence registry makes it. */
const isState = (value: unknown): value is PresenceState =>
  isObject(value) &&
  Object.values(value).every(
    (entry) =>
      isObject(entry) &&
      Array.isArray(entry.metas) &&
      entry.metas.every((meta) => isObject(meta) && typeof meta.phx_ref === 'string'),
  );
const isDiff = (value: unknown): value is PresenceDiff =>
  isObject(value) && isState(value.joins) && isState(value.leaves);

export function createNatsCluster(options: NatsClusterOptions): RealtimeCluster {
  const { logger } = options;
  // A member of the cluster is this process: a restart (even under a configured instance id)
  // is a new member, whose diffs count from 1 again, never mistaken for the old one's.
  const instanceId = `${options.instanceId ?? randomBytes(6).toString('hex')}-${randomBytes(4).toString('hex')}`;
  const prefix = options.prefix ?? 'realtime';
  if (!validPrefix.test(prefix))
    throw new Error(`realtime subject prefix ${JSON.stringify(prefix)} is not a NATS subject`);
  if (!validInstance.test(instanceId))
    throw new Error(`realtime instance id ${JSON.stringify(instanceId)} is not a subject token`);
  const heartbeatMs = options.heartbeatMs ?? 5_000;
  const deadAfterMs = heartbeatMs * (options.missedHeartbeats ?? 3);
  const subject = {
    presence: `${prefix}.presence`,
    heartbeat: `${prefix}.heartbeat`,
    hello: `${prefix}.hello`,
    bye: `${prefix}.bye`,
    state: (id: string) => `${prefix}.state.${id}`,
  };

  let hooks: ClusterHooks | undefined;
  let nc: NatsConnection | undefined;
  let timer: NodeJS.Timeout | undefined;
  let seq = 0;
  const control: Subscription[] = [];
  const watched = new Map<string, { count: number; sub: Subscription; ready: Promise<void> }>();
  const peers = new Map<string, Peer>();
  const counts = { relayedBroadcasts: 0, receivedBroadcasts: 0 };

  function publish(subjectName: string, body: unknown) {
    if (!nc || nc.isClosed()) return;
    try {
      nc.publish(subjectName, JSON.stringify(body));
    } catch (error) {
      // Too large for the server's max_payload, or the connection is closing: local delivery stands.
      logger.warn({ err: error, subject: subjectName }, 'realtime cluster publish failed');
    }
  }

  const parse = (msg: Msg): Record<string, unknown> | undefined => {
    try {
      const body = msg.json<unknown>();
      return isObject(body) && typeof body.i === 'string' ? body : undefined;
    } catch {
      return undefined;
    }
  };

  /** Bounded wait for the server to have our subscriptions (a PING round-trip). */
  const flushed = (ms = 2_000) =>
    new Promise<void>((resolve) => {
      const timeout = setTimeout(resolve, ms);
      (nc?.flush() ?? Promise.resolve()).then(
        () => {
          clearTimeout(timeout);
          resolve();
        },
        () => {
          clearTimeout(timeout);
          resolve();
        },
      );
    });

  // --- broadcast ---------------------------------------------------------------------------

  function subscribeBroadcast(key: string): Subscription | undefined {
    if (!nc) return undefined;
    return nc.subscribe(broadcastSubject(prefix, key), {
      callback: (error, msg) => {
        if (error) return;
        const body = parse(msg);
        // Our own relays come back to us: local delivery already happened (exactly once).
        if (!body || body.i === instanceId || body.t !== key || !isObject(body.p)) return;
        counts.receivedBroadcasts++;
        hooks?.broadcast(key, body.p);
      },
    });
  }

  // --- presence ----------------------------------------------------------------------------

  function peerOf(id: string): Peer {
    let peer = peers.get(id);
    if (!peer) {
      peer = { lastSeq: 0, lastSeen: Date.now(), syncing: false, buffer: [], topics: new Map() };
      peers.set(id, peer);
    }
    return peer;
  }

  /** Applies one of a peer's diffs to its replica and passes it on to this instance's listeners. */
  function apply(peer: Peer, message: PresenceWire) {
    peer.lastSeq = message.s;
    let metas = peer.topics.get(message.t);
    for (const { metas: left } of Object.values(message.d.leaves)) for (const meta of left) metas?.delete(meta.phx_ref);
    for (const [key, { metas: joined }] of Object.entries(message.d.joins)) {
      if (!metas) peer.topics.set(message.t, (metas = new Map()));
      for (const meta of joined) metas.set(meta.phx_ref, { key, meta });
    }
    if (metas?.size === 0) peer.topics.delete(message.t);
    hooks?.presenceDiff(message.t, message.d);
  }

  function received(peer: Peer, id: string, message: PresenceWire) {
    if (peer.syncing) return void peer.buffer.push(message);
    if (message.s <= peer.lastSeq) return;
    if (message.s !== peer.lastSeq + 1) {
      peer.buffer.push(message);
      return void sync(id);
    }
    apply(peer, message);
  }

  const stateOf = (entries: Iterable<{ key: string; meta: PresenceMeta }>): PresenceState => {
    const state: PresenceState = {};
    for (const { key, meta } of entries) (state[key] ??= { metas: [] }).metas.push(meta);
    return state;
  };

  /** Replaces a peer's replica with what it holds now; listeners get leaves, then joins. */
  async function sync(id: string) {
    const peer = peerOf(id);
    if (peer.syncing || !nc) return;
    peer.syncing = true;
    try {
      const reply = await nc.request(subject.state(id), '', { timeout: 3_000 });
      const body = reply.json<StateWire>();
      if (!isObject(body) || typeof body.s !== 'number' || !Array.isArray(body.p)) throw new Error('bad state reply');
      if (peers.get(id) !== peer) return; // dropped meanwhile (goodbye)
      const next = new Map<string, Map<string, { key: string; meta: PresenceMeta }>>();
      for (const entry of body.p) {
        if (
          !isObject(entry) ||
          typeof entry.topic !== 'string' ||
          typeof entry.key !== 'string' ||
          !isObject(entry.meta) ||
          typeof entry.meta.phx_ref !== 'string'
        )
          continue;
        let metas = next.get(entry.topic);
        if (!metas) next.set(entry.topic, (metas = new Map()));
        metas.set(entry.meta.phx_ref, { key: entry.key, meta: entry.meta });
      }
      for (const topic of new Set([...peer.topics.keys(), ...next.keys()])) {
        const before = peer.topics.get(topic) ?? new Map();
        const after = next.get(topic) ?? new Map();
        const leaves = [...before].filter(([ref]) => !after.has(ref)).map(([, v]) => v);
        const joins = [...after].filter(([ref]) => !before.has(ref)).map(([, v]) => v);
        // Two diffs, the leave first: realtime-js <= 2.109 mishandles one diff with both (see realtime.presence.ts).
        if (leaves.length > 0) hooks?.presenceDiff(topic, { joins: {}, leaves: stateOf(leaves) });
        if (joins.length > 0) hooks?.presenceDiff(topic, { joins: stateOf(joins), leaves: {} });
      }
      peer.topics = next;
      peer.lastSeq = body.s;
      peer.lastSeen = Date.now();
    } catch (error) {
      // No answer: the peer is gone or busy. Its heartbeat (or its silence) decides next.
      logger.debug({ err: error, peer: id }, 'realtime presence sync failed');
      peer.syncing = false;
      peer.buffer = [];
      return;
    }
    peer.syncing = false;
    const buffered = peer.buffer.sort((a, b) => a.s - b.s);
    peer.buffer = [];
    for (const message of buffered) received(peer, id, message);
  }

  /** A peer said goodbye or went silent: its presences leave, for every listener here. */
  function drop(id: string) {
    const peer = peers.get(id);
    if (!peer) return;
    peers.delete(id);
    for (const [topic, metas] of peer.topics)
      if (metas.size > 0) hooks?.presenceDiff(topic, { joins: {}, leaves: stateOf(metas.values()) });
  }

  function onControl(kind: 'presence' | 'heartbeat' | 'hello' | 'bye', msg: Msg) {
    const body = parse(msg);
    if (!body || body.i === instanceId || !validInstance.test(body.i as string)) return;
    const id = body.i as string;
    if (kind === 'bye') return drop(id);
    if (typeof body.s !== 'number') return;
    const known = peers.has(id);
    const peer = peerOf(id);
    peer.lastSeen = Date.now();
    if (kind === 'presence') {
      if (typeof body.t !== 'string' || !isDiff(body.d)) return;
      if (!known) {
        peer.buffer.push(body as PresenceWire);
        return void sync(id);
      }
      return received(peer, id, body as PresenceWire);
    }
    // heartbeat or hello: a peer with diffs we have not seen is synced.
    if (kind === 'hello') heartbeat();
    if (body.s > peer.lastSeq && !peer.syncing) void sync(id);
  }

  function heartbeat() {
    publish(subject.heartbeat, { i: instanceId, s: seq });
  }

  function tick() {
    heartbeat();
    const now = Date.now();
    for (const [id, peer] of peers) if (now - peer.lastSeen > deadAfterMs) drop(id);
  }

  return {
    instanceId,

    attach(next) {
      hooks = next;
    },

    async start() {
      nc = options.connection();
      if (!nc) throw new Error('realtime cluster: the NATS connection is not open (start the events module first)');
      // A broadcast the hub accepts, relayed (a binary payload as base64), must fit in one NATS message.
      const maxPayload = nc.info?.max_payload;
      if (maxPayload !== undefined && maxPayload < Math.ceil((MAX_BROADCAST_FRAME_BYTES * 4) / 3) + 4096)
        logger.warn(
          { maxPayload },
          'NATS max_payload is below what a relayed broadcast may need: large broadcasts will stay on their hub instance',
        );
      for (const kind of ['presence', 'heartbeat', 'hello', 'bye'] as const)
        control.push(
          nc.subscribe(subject[kind], {
            callback: (error, msg) => {
              if (!error) onControl(kind, msg);
            },
          }),
        );
      control.push(
        nc.subscribe(subject.state(instanceId), {
          callback: (error, msg) => {
            if (error || !msg.reply) return;
            const body: StateWire = { i: instanceId, s: seq, p: hooks?.localPresences() ?? [] };
            msg.respond(JSON.stringify(body));
          },
        }),
      );
      await flushed();
      // Everyone answers a hello with a heartbeat: this instance learns of them (and syncs) at once.
      publish(subject.hello, { i: instanceId, s: seq });
      timer = setInterval(tick, heartbeatMs);
      timer.unref();
    },

    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      if (!nc) return;
      publish(subject.bye, { i: instanceId });
      for (const sub of control) sub.unsubscribe();
      control.length = 0;
      for (const entry of watched.values()) entry.sub.unsubscribe();
      watched.clear();
      await flushed();
      nc = undefined;
      for (const id of [...peers.keys()]) peers.delete(id);
    },

    watch(key) {
      const entry = watched.get(key);
      if (entry) return void entry.count++;
      const sub = subscribeBroadcast(key);
      if (!sub) return;
      watched.set(key, { count: 1, sub, ready: flushed() });
    },

    unwatch(key) {
      const entry = watched.get(key);
      if (!entry) return;
      if (--entry.count > 0) return;
      entry.sub.unsubscribe();
      watched.delete(key);
    },

    ready: (key) => watched.get(key)?.ready ?? Promise.resolve(),

    publishBroadcast(key, payload) {
      counts.relayedBroadcasts++;
      publish(broadcastSubject(prefix, key), { i: instanceId, t: key, p: payload });
    },

    publishPresence(key, diff) {
      if (!nc) return; // stopped: the goodbye already took this instance's presences away
      seq++;
      publish(subject.presence, { i: instanceId, s: seq, t: key, d: diff });
    },

    remoteState(key) {
      const state: PresenceState = {};
      for (const peer of peers.values())
        for (const { key: presenceKey, meta } of peer.topics.get(key)?.values() ?? [])
          (state[presenceKey] ??= { metas: [] }).metas.push(meta);
      return state;
    },

    stats() {
      let remotePresences = 0;
      for (const peer of peers.values()) for (const metas of peer.topics.values()) remotePresences += metas.size;
      return { peers: peers.size, remotePresences, ...counts };
    },
  };
}
