import { mentionedPersonIds, type Actor, type Link } from '@made-open/shared';
import { uuidv7 } from 'uuidv7';
import type { Sql } from '../../platform/db/index.ts';
import type { EventOutbox } from '../events/index.ts';
import { linkJson } from './graph.repository.ts';

/** The kind of the links a note's mentions make: note -mentions-> person. */
export const MENTION_LINK_KIND = 'mentions';

/**
 * Makes a note's `mentions` links match the mention tokens in its body (packages/shared
 * timeline.ts), in the caller's transaction: new mentions link, removed ones unlink, each
 * with its LinkCreated/LinkDeleted event. A token naming a person merged into another links
 * the survivor; one naming no live person of the owner stays text (the owner may have
 * deleted them), so an old note can still be saved.
 */
export async function syncNoteMentions(
  tx: Sql,
  outbox: Pick<EventOutbox, 'append'>,
  owner: { ownerId: string; actor: Actor },
  noteId: string,
  body: string,
): Promise<void> {
  const mentioned = mentionedPersonIds(body);
  const targets = new Set<string>();
  if (mentioned.length > 0) {
    const resolved = await tx.query<{ id: string }>(
      `SELECT DISTINCT live.id
         FROM public.entities named
         JOIN public.entities live ON live.id = coalesce(named.merged_into_id, named.id)
        WHERE named.id = ANY($1::uuid[]) AND live.type = 'person' AND live.deleted_at IS NULL`,
      [mentioned],
    );
    for (const row of resolved.rows) targets.add(row.id);
  }
  const existing = await tx.query<{ id: string; to_id: string }>(
    `SELECT id, to_id FROM public.entity_links WHERE from_id = $1 AND kind = $2`,
    [noteId, MENTION_LINK_KIND],
  );
  const linked = new Set(existing.rows.map((row) => row.to_id));
  const stale = existing.rows.filter((row) => !targets.has(row.to_id)).map((row) => row.id);
  const fresh = [...targets].filter((id) => !linked.has(id));
  const events: { type: 'data.LinkCreated' | 'data.LinkDeleted'; link: Link }[] = [];
  if (stale.length > 0) {
    const removed = await tx.query<{ link: Link }>(
      `DELETE FROM public.entity_links l WHERE l.id = ANY($1::uuid[]) RETURNING ${linkJson('l')} AS link`,
      [stale],
    );
    for (const row of removed.rows) events.push({ type: 'data.LinkDeleted', link: row.link });
  }
  if (fresh.length > 0) {
    const added = await tx.query<{ link: Link }>(
      `INSERT INTO public.entity_links AS l (id, kind, from_id, to_id)
       SELECT id, $2, $3, to_id FROM unnest($1::uuid[], $4::uuid[]) AS t(id, to_id)
       ON CONFLICT (owner_id, from_id, kind, to_id) DO NOTHING
       RETURNING ${linkJson('l')} AS link`,
      [fresh.map(() => uuidv7()), MENTION_LINK_KIND, noteId, fresh],
    );
    for (const row of added.rows) events.push({ type: 'data.LinkCreated', link: row.link });
  }
  for (const event of events) {
    await outbox.append(tx, {
      type: event.type,
      ownerId: owner.ownerId,
      subject: event.link.id,
      actor: owner.actor,
      data: { link: event.link },
    });
  }
}
