import { randomBytes } from 'node:crypto';

/**
 * Presence as Phoenix (and so realtime-js) reads it: per topic, each key holds `metas`, one per
 * tracking channel, each with a unique `phx_ref`. `presence_state` is the whole map for a
 * channel that just joined; `presence_diff` {joins, leaves} goes to everyone after a change.
 * A channel tracks one presence at a time: tracking again replaces it, as Phoenix's `update`
 * does (a leave and a join of the same key, the join's meta carrying `phx_ref_prev`), but as
 * two diffs, the leave first. realtime-js up to 2.109 loses the old meta's `phx_ref` while it
 * applies a diff with both (supabase-js#2565), so one diff would leave the old payload beside
 * the new one; in two, every client version ends with the new one alone.
 */
export type PresenceMeta = { phx_ref: string; phx_ref_prev?: string } & Record<string, unknown>;
export type PresenceState = Record<string, { metas: PresenceMeta[] }>;
export type PresenceDiff = { joins: PresenceState; leaves: PresenceState };

/** A tracked payload, as JSON, at most this long (a status and a few fields, not a document). */
export const MAX_PRESENCE_BYTES = 16 * 1024;

/** One tracked presence, as the cluster hands it to other instances. */
export type PresenceEntry = { topic: string; key: string; meta: PresenceMeta };

export function createPresenceRegistry<Member>() {
  const byTopic = new Map<string, Map<Member, { key: string; meta: PresenceMeta }>>();
  let counter = 0;
  // Unique across instances (the random part) and within this process's life (the counter):
  // realtime-js only compares them, and other instances' presences share one state with ours.
  const origin = randomBytes(4).toString('hex');
  const nextRef = () => `${origin}.${Date.now().toString(36)}.${(counter++).toString(36)}`;
  const one = (key: string, meta: PresenceMeta): PresenceState => ({ [key]: { metas: [meta] } });

  return {
    /** Tracks (or replaces) `member`'s presence under `key`; the diffs for everyone on the topic, in order. */
    track(topic: string, member: Member, key: string, payload: Record<string, unknown>): PresenceDiff[] {
      let members = byTopic.get(topic);
      if (!members) byTopic.set(topic, (members = new Map()));
      const previous = members.get(member);
      // The client's fields cannot pose as the references realtime-js keys its state on.
      const { phx_ref: _ref, phx_ref_prev: _prev, ...fields } = payload;
      const meta: PresenceMeta = {
        ...fields,
        phx_ref: nextRef(),
        ...(previous && previous.key === key ? { phx_ref_prev: previous.meta.phx_ref } : {}),
      };
      members.set(member, { key, meta });
      const joined = { joins: one(key, meta), leaves: {} };
      return previous ? [{ joins: {}, leaves: one(previous.key, previous.meta) }, joined] : [joined];
    },

    /** Forgets `member`'s presence; the diff for the others, or nothing when it tracked none. */
    untrack(topic: string, member: Member): PresenceDiff | undefined {
      const members = byTopic.get(topic);
      const tracked = members?.get(member);
      if (!members || !tracked) return undefined;
      members.delete(member);
      if (members.size === 0) byTopic.delete(topic);
      return { joins: {}, leaves: one(tracked.key, tracked.meta) };
    },

    /** Every presence on every topic: what another instance asks for when it syncs. */
    entries(): PresenceEntry[] {
      const all: PresenceEntry[] = [];
      for (const [topic, members] of byTopic)
        for (const { key, meta } of members.values()) all.push({ topic, key, meta });
      return all;
    },

    /** Everyone present on the topic, grouped by key. */
    state(topic: string): PresenceState {
      const state: PresenceState = {};
      for (const { key, meta } of byTopic.get(topic)?.values() ?? []) (state[key] ??= { metas: [] }).metas.push(meta);
      return state;
    },
  };
}
