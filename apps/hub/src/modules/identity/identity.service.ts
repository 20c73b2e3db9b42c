import {
  normalizeEmail,
  normalizePhone,
  type CountryCode,
  type Person,
  type PersonSummary,
  type Suggestion,
  type SuggestionPage,
} from '@made-open/shared';
import type { Database, Sql } from '../../platform/db/index.ts';
import { ConflictError, NotFoundError, UserError, ValidationError } from '../../platform/errors.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import type { GraphService } from '../graph/index.ts';
import { identityRepository as repo, type SuggestionRow } from './identity.repository.ts';

export interface IdentityServiceDeps {
  db: Pick<Database, 'asUser'>;
  graph: Pick<GraphService, 'mergePersons' | 'undoMerge'>;
  defaultRegionOf?: (tx: Sql, userId: string) => Promise<CountryCode | undefined>;
}

type Caller = Pick<AuthenticatedUser, 'id' | 'claims'>;

// Opaque cursor: base64url of "<score>|<id>".
const cursorPattern = /^(\d(?:\.\d+)?(?:e-?\d+)?)\|([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
function decodeCursor(cursor: string) {
  const match = cursorPattern.exec(Buffer.from(cursor, 'base64url').toString('latin1'));
  if (!match)
    throw new UserError(400, 'invalid_cursor', 'The cursor is not one this list returned: start again without it.');
  return { score: match[1]!, id: match[2]! };
}

/** Identifiers first, then display copies that are not one of them (a number typed nationally, an address another has). */
function summaryOf(raw: Record<string, unknown>, region: CountryCode | undefined): PersonSummary {
  const list = (key: string) =>
    Array.isArray(raw[key]) ? (raw[key] as unknown[]).filter((v) => typeof v === 'string') : [];
  const emails = list('emails');
  const phones = list('phones');
  for (const e of list('displayEmails')) if (!emails.includes(normalizeEmail(e) ?? e)) emails.push(e);
  for (const p of list('displayPhones')) {
    const n = normalizePhone(p, { defaultCountry: region });
    if (!phones.includes(n ?? p)) phones.push(n ?? p);
  }
  return {
    id: raw.id as string,
    name: raw.name as string,
    organization: (raw.organization as string | null) ?? null,
    jobTitle: (raw.jobTitle as string | null) ?? null,
    emails,
    phones,
    linkCount: raw.linkCount as number,
    createdAt: raw.createdAt as string,
    source: (raw.source as string | null) ?? null,
  };
}

function toSuggestion(row: SuggestionRow, region: CountryCode | undefined): Suggestion {
  return {
    id: row.id,
    score: Math.round(Number(row.score) * 1000) / 1000,
    reasons: row.reasons as Suggestion['reasons'],
    status: row.status,
    a: summaryOf(row.a, region),
    b: summaryOf(row.b, region),
    createdAt: row.created_at,
    mergeId: row.merge_id,
  };
}

/** The review queue (issue 17): list, accept (merge), dismiss, undo a merge. */
export function createIdentityService(deps: IdentityServiceDeps) {
  const { db, graph } = deps;

  return {
    /** Open suggestions whose persons both live, best first; `total` is the badge count. */
    async list(user: Caller, query: { limit: number; cursor?: string | undefined }): Promise<SuggestionPage> {
      const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      return db.asUser(user.claims, async (tx) => {
        const rows = await repo.openPage(tx, query.limit + 1, after);
        const region = rows.length > 0 ? await deps.defaultRegionOf?.(tx, user.id) : undefined;
        const page = rows.slice(0, query.limit);
        const last = page[page.length - 1];
        const total = rows[0]?.total ?? (after ? ((await repo.openPage(tx, 1))[0]?.total ?? 0) : 0);
        return {
          items: page.map((row) => toSuggestion(row, region)),
          total,
          nextCursor:
            rows.length > query.limit && last
              ? Buffer.from(`${last.cursor_score}|${last.id}`).toString('base64url')
              : null,
        };
      });
    },

    /** Merges the pair (keeping `keepId`, else the older person) and records the merge on the suggestion. */
    async accept(
      user: Caller,
      id: string,
      keepId: string | undefined,
    ): Promise<{ suggestionId: string; mergeId: string; person: Person }> {
      return db.asUser(user.claims, async (tx) => {
        const suggestion = await repo.lockSuggestion(tx, id);
        if (!suggestion) throw new NotFoundError('suggestion');
        if (suggestion.status !== 'open') {
          throw new ConflictError(`This suggestion was ${suggestion.status} already.`, 'suggestion_closed', {
            status: suggestion.status,
          });
        }
        const pair = [suggestion.person_a_id, suggestion.person_b_id];
        if (keepId !== undefined && !pair.includes(keepId)) {
          throw new ValidationError('keepId must be one of the two persons of the suggestion.', [
            { path: '/keepId', message: 'not one of the pair' },
          ]);
        }
        // uuid v7 ids are time-ordered: person a is the older one, kept by default.
        const survivor = keepId ?? suggestion.person_a_id;
        const other = pair.find((p) => p !== survivor)!;
        const merged = await graph.mergePersons(user, survivor, other, tx);
        const { mergeId, ...person } = merged;
        await repo.decide(tx, id, 'accepted', mergeId);
        return { suggestionId: id, mergeId, person };
      });
    },

    /** The pair stays dismissed: the matcher never reopens it. Dismissing twice is fine. */
    async dismiss(user: Caller, id: string): Promise<void> {
      await db.asUser(user.claims, async (tx) => {
        const suggestion = await repo.lockSuggestion(tx, id);
        if (!suggestion) throw new NotFoundError('suggestion');
        if (suggestion.status === 'accepted') {
          throw new ConflictError('This suggestion was accepted: undo its merge instead.', 'suggestion_closed', {
            status: suggestion.status,
          });
        }
        if (suggestion.status === 'open') await repo.decide(tx, id, 'dismissed', null);
      });
    },

    /** Undoes a merge (accepted here or made with POST /persons/:id/merge); its suggestion is open again. */
    async undoMerge(user: Caller, mergeId: string) {
      return db.asUser(user.claims, async (tx) => {
        const undone = await graph.undoMerge(user, mergeId, tx);
        await repo.reopenForMerge(tx, mergeId);
        return undone;
      });
    },
  };
}

export type IdentityService = ReturnType<typeof createIdentityService>;
