import { normalizeEmail, normalizePhone, type CountryCode, type EventEnvelope } from '@made-open/shared';
import { uuidv7 } from 'uuidv7';
import type { Database, Sql } from '../../platform/db/index.ts';
import type { Logger } from '../../platform/logger.ts';
import { partsOf } from '../../platform/parts.ts';
import { identityRepository as repo, type ProfileRow, type SuggestionInput } from './identity.repository.ts';
import { bestMatches, blockingKeys, type PersonProfile } from './identity.scoring.ts';

/** Events that can change who looks like whom. */
export const matchedEventTypes = [
  'data.EntityCreated',
  'data.EntityUpdated',
  'data.EntityDeleted',
  'data.PersonsMerged',
] as const;

/**
 * Persons rescored per transaction. On PGlite a transaction holds the only connection, so
 * the API waits for it; a sync that creates hundreds of persons is matched in short turns.
 */
const PERSONS_PER_TRANSACTION = 25;

/** A name key held by more persons than this is too common to say anything ("n:SM0:j"). */
const MAX_BLOCK = 200;

export interface MatcherDeps {
  db: Pick<Database, 'asSystem'>;
  logger: Logger;
  defaultRegionOf?: (tx: Sql, userId: string) => Promise<CountryCode | undefined>;
}

type Work = { touched: Set<string>; removed: Set<string>; merges: [string, string][] };

const text = (value: unknown) => (typeof value === 'string' && value.trim() ? value : undefined);
const strings = (value: unknown) => (Array.isArray(value) ? value.filter((v) => typeof v === 'string') : []);

/** A stored person as the scorer reads it: identifiers plus the display copies that can be read. */
export function profileOf(row: ProfileRow, region: CountryCode | undefined): PersonProfile {
  const p = row.properties ?? {};
  const emails = new Set(row.identifiers.filter((i) => i.kind === 'email').map((i) => i.value));
  const phones = new Set(row.identifiers.filter((i) => i.kind === 'phone').map((i) => i.value));
  for (const e of strings(p.emails)) {
    const n = normalizeEmail(e);
    if (n) emails.add(n);
  }
  for (const raw of strings(p.phones)) {
    const n = normalizePhone(raw, { defaultCountry: region });
    if (n) phones.add(n);
  }
  return {
    id: row.id,
    name: row.title,
    givenName: text(p.givenName),
    familyName: text(p.familyName),
    nickname: text(p.nickname),
    organization: text(p.organization),
    emails: [...emails],
    phones: [...phones],
  };
}

/**
 * The identity consumer (README.md): persons created, changed, merged or deleted are
 * (re)keyed and scored against the persons that share a blocking key, and the pairs that
 * score are saved as open suggestions. A fixed number of statements per owner and batch;
 * batches with no person in them (most of an SMS import) cost no statement at all.
 */
export function createMatcher(deps: MatcherDeps) {
  const { db, logger } = deps;

  /** Rekeys and rescores these persons of one owner, in the caller's service_role transaction. */
  async function matchPersons(tx: Sql, ownerId: string, work: Work) {
    const region = await deps.defaultRegionOf?.(tx, ownerId);
    for (const [survivor, merged] of work.merges) await repo.settleMerged(tx, ownerId, survivor, merged);
    // Events may be old (the consumer lags): who is live is read now, not taken from them,
    // so a merge undone since is rescored rather than dropped.
    const ids = [...new Set([...work.touched, ...work.removed])];
    const rows = await repo.profiles(tx, ownerId, ids);
    const profiles = rows.map((r) => profileOf(r, region));
    const keysOf = new Map(profiles.map((p) => [p.id, blockingKeys(p)]));
    await repo.replaceKeys(
      tx,
      ownerId,
      ids,
      profiles.flatMap((p) => keysOf.get(p.id)!.map((key) => ({ key, person_id: p.id }))),
    );
    const allKeys = [...new Set([...keysOf.values()].flat())];
    // Identifiers always count; a very common name key says nothing, and comes back empty.
    const holders = await repo.holders(tx, ownerId, allKeys, MAX_BLOCK);
    const byKey = new Map<string, string[]>();
    for (const h of holders) {
      const members = byKey.get(h.key);
      if (members) members.push(h.person_id);
      else byKey.set(h.key, [h.person_id]);
    }
    const candidateIds = new Set<string>();
    const candidatesOf = new Map<string, Set<string>>();
    for (const p of profiles) {
      const mine = new Set<string>();
      for (const key of keysOf.get(p.id)!) for (const m of byKey.get(key) ?? []) if (m !== p.id) mine.add(m);
      candidatesOf.set(p.id, mine);
      for (const m of mine) candidateIds.add(m);
    }
    const known = new Map(profiles.map((p) => [p.id, p]));
    const missing = [...candidateIds].filter((id) => !known.has(id));
    for (const row of await repo.profiles(tx, ownerId, missing)) known.set(row.id, profileOf(row, region));

    const found = new Map<string, SuggestionInput>();
    for (const p of profiles) {
      const candidates = [...candidatesOf.get(p.id)!].map((id) => known.get(id)).filter((c) => c !== undefined);
      for (const m of bestMatches(p, candidates)) {
        const [a, b] = p.id < m.other.id ? [p.id, m.other.id] : [m.other.id, p.id];
        const pair = `${a}|${b}`;
        if (!found.has(pair)) found.set(pair, { id: uuidv7(), a, b, score: m.score, reasons: m.reasons });
      }
    }
    await repo.saveSuggestions(tx, ownerId, ids, [...found.values()]);
    return found.size;
  }

  /**
   * One owner's work in parts of at most `size` persons, merges settled with the first. A
   * part scores against the keys the parts before it committed, so no pair is missed.
   */
  function workInParts(work: Work, size: number): Work[] {
    const persons = [...work.touched].map((id) => ({ id, removed: false }));
    persons.push(...[...work.removed].map((id) => ({ id, removed: true })));
    return partsOf(persons, size).map((part, n) => ({
      touched: new Set(part.filter((p) => !p.removed).map((p) => p.id)),
      removed: new Set(part.filter((p) => p.removed).map((p) => p.id)),
      merges: n === 0 ? work.merges : [],
    }));
  }

  /** Groups a batch's person changes by owner; nothing else is read. */
  function collect(events: readonly EventEnvelope[]): Map<string, Work> {
    const byOwner = new Map<string, Work>();
    const of = (owner: string) => {
      let w = byOwner.get(owner);
      if (!w) byOwner.set(owner, (w = { touched: new Set(), removed: new Set(), merges: [] }));
      return w;
    };
    for (const event of events) {
      const data = event.data as {
        entity?: { id: string; type: string; deletedAt?: string | null };
        survivor?: { id: string };
        merged?: { id: string };
      };
      switch (event.type) {
        case 'data.EntityCreated':
        case 'data.EntityUpdated':
          if (data.entity?.type === 'person') {
            if (data.entity.deletedAt) of(event.ownerId).removed.add(data.entity.id);
            else of(event.ownerId).touched.add(data.entity.id);
          }
          break;
        case 'data.EntityDeleted':
          if (data.entity?.type === 'person') of(event.ownerId).removed.add(data.entity.id);
          break;
        case 'data.PersonsMerged': {
          if (!data.survivor || !data.merged) break;
          const w = of(event.ownerId);
          w.touched.add(data.survivor.id);
          w.removed.add(data.merged.id);
          w.touched.delete(data.merged.id);
          w.merges.push([data.survivor.id, data.merged.id]);
          break;
        }
      }
    }
    for (const w of byOwner.values()) for (const id of w.removed) w.touched.delete(id);
    return byOwner;
  }

  return {
    matchPersons,

    /** The consumer's batch handler (not transactional: idempotent, and free for batches without persons). */
    async handleBatch(events: readonly EventEnvelope[]) {
      const byOwner = collect(events);
      if (byOwner.size === 0) return;
      for (const [ownerId, work] of byOwner)
        for (const part of workInParts(work, PERSONS_PER_TRANSACTION))
          await db.asSystem((tx) => matchPersons(tx, ownerId, part));
    },

    /** Keys and scores persons that have no keys yet (made before this module), a page at a time. */
    async backfill(pageSize = 500): Promise<number> {
      let done = 0;
      let after: { owner_id: string; id: string } | undefined;
      for (;;) {
        const page = await db.asSystem((tx) => repo.unkeyedPersons(tx, pageSize, after));
        if (page.length === 0) return done;
        await db.asSystem(async (tx) => {
          const byOwner = new Map<string, string[]>();
          for (const row of page) byOwner.set(row.owner_id, [...(byOwner.get(row.owner_id) ?? []), row.id]);
          for (const [ownerId, ids] of byOwner) {
            await matchPersons(tx, ownerId, { touched: new Set(ids), removed: new Set(), merges: [] });
          }
        });
        done += page.length;
        after = page[page.length - 1];
        if (page.length < pageSize) {
          logger.debug({ persons: done }, 'identity: keyed persons made before matching');
          return done;
        }
      }
    },
  };
}

export type Matcher = ReturnType<typeof createMatcher>;
