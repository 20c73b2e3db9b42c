import type { Database } from '../../platform/db/index.ts';
import { UserError } from '../../platform/errors.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import { contactToVcard, messageToMbox, veventLines, type EventForIcs } from './formats/index.ts';
import { fold } from './formats/content-line.ts';

export type EntityRow = {
  id: string;
  type: string;
  title: string;
  body: string | null;
  properties: Record<string, unknown>;
  source: string | null;
  externalId: string | null;
  occurredAt: string | null;
  updatedAt: string;
  identifiers: { kind: 'phone' | 'email'; value: string }[];
};

const pageSize = 500;
const iso = (c: string) => `to_char(${c} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

export interface ExportsDeps {
  db: Database;
  /** A contact photo's bytes from Storage, under the owner's RLS; null when it is gone. */
  readPhoto: (
    user: AuthenticatedUser,
    photo: { bucket: string; path: string },
  ) => Promise<{ contentType: string; data: Buffer } | null>;
}

/** Streams the owner's live entities of one type page by page (keyset on id), under RLS. */
export async function* entitiesOf(
  db: Database,
  user: AuthenticatedUser,
  type: string,
  ids: string[] | null,
): AsyncGenerator<EntityRow> {
  let after: string | null = null;
  for (;;) {
    const { rows }: { rows: EntityRow[] } = await db.queryAsUser<EntityRow>(
      user.claims,
      `SELECT e.id, e.type, e.title, e.body, e.properties, e.source, e.external_id AS "externalId",
              ${iso('e.occurred_at')} AS "occurredAt", ${iso('e.updated_at')} AS "updatedAt",
              CASE WHEN e.type = 'person' THEN (SELECT coalesce(json_agg(json_build_object('kind', i.kind, 'value', i.value) ORDER BY i.kind, i.value), '[]'::json)
                FROM public.identifiers i WHERE i.owner_id = e.owner_id AND i.entity_id = e.id) ELSE '[]'::json END AS identifiers
       FROM public.entities e
       WHERE e.type = $1 AND e.deleted_at IS NULL AND ($2::uuid IS NULL OR e.id > $2::uuid)
         AND ($3::uuid[] IS NULL OR e.id = ANY($3::uuid[]))
       ORDER BY e.id LIMIT $4`,
      [type, after, ids, pageSize],
    );
    yield* rows;
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1]!.id;
  }
}

export function createExports(deps: ExportsDeps) {
  return {
    /** vCard 4.0 of a person, a selection (ids) or everyone; a missing id is a 404 before anything is sent. */
    async contacts(user: AuthenticatedUser, ids: string[] | null): Promise<AsyncIterable<string>> {
      if (ids) {
        const { rows } = await deps.db.queryAsUser<{ n: number }>(
          user.claims,
          `SELECT count(*)::int AS n FROM public.entities WHERE type = 'person' AND deleted_at IS NULL AND id = ANY($1::uuid[])`,
          [ids],
        );
        if (rows[0]!.n !== new Set(ids).size)
          throw new UserError(404, 'not_found', 'One of these persons does not exist: check the ids.');
      }
      return (async function* () {
        for await (const person of entitiesOf(deps.db, user, 'person', ids)) {
          const ref = person.properties.photo as { bucket: string; path: string } | undefined;
          const photo = ref ? await deps.readPhoto(user, ref) : null;
          yield contactToVcard({
            id: person.id,
            title: person.title,
            properties: person.properties,
            identifiers: person.identifiers,
            updatedAt: person.updatedAt,
            photo,
          });
        }
      })();
    },

    /** Every calendar event as one iCalendar object, written event by event. */
    events(user: AuthenticatedUser): AsyncIterable<string> {
      return (async function* () {
        yield 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Made Open//Hub//EN\r\nCALSCALE:GREGORIAN\r\n';
        for await (const e of entitiesOf(deps.db, user, 'calendar_event', null)) {
          if (e.properties.kind === 'occurrence') continue;
          const event: EventForIcs = {
            id: e.id,
            title: e.title,
            body: e.body,
            properties: e.properties as EventForIcs['properties'],
            updatedAt: e.updatedAt,
          };
          if (e.externalId && e.properties.kind !== 'exception') event.uid = e.externalId;
          yield veventLines(event).map(fold).join('\r\n') + '\r\n';
        }
        yield 'END:VCALENDAR\r\n';
      })();
    },

    /** Every email and text as mboxrd. */
    messages(user: AuthenticatedUser): AsyncIterable<string> {
      return (async function* () {
        for await (const m of entitiesOf(deps.db, user, 'message', null))
          yield messageToMbox({ ...m, properties: m.properties });
      })();
    },
  };
}
export type Exports = ReturnType<typeof createExports>;
