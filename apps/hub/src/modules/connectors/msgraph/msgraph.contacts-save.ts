import type { Database } from '../../../platform/db/index.ts';
import { ConflictError, NotFoundError, UserError } from '../../../platform/errors.ts';
import type { AuthenticatedUser } from '../../../platform/http/authentication.ts';
import { isMadePersonKey, MADE_PERSON_KEY, type Ingest } from '../../graph/index.ts';
import { ConnectorError } from '../connectors.contract.ts';
import type { ConnectorsService } from '../connectors.service.ts';
import { contactWriteOf, ingestOwn, personNow } from './msgraph.contacts-push.ts';
import { source } from './msgraph.mapping.ts';

export interface ContactsSaveDeps {
  db: Database;
  ingest: Ingest;
  connectors: Pick<ConnectorsService, 'open'>;
}

/** POST /api/v1/connections/:id/contacts ("Save to Outlook"). */
export function createContactsSave(deps: ContactsSaveDeps) {
  const { db } = deps;
  /** Saves in flight, by person: a double click makes one Outlook contact, not two. */
  const saving = new Map<string, Promise<{ id: string; externalId: string }>>();

  /**
   * "Save to Outlook": a person made in the hub (or for a mail's sender) becomes an Outlook
   * contact of this connection, and from then on is that contact's person (source msgraph and
   * its id), so later edits are pushed and Outlook's come back to the same person.
   */
  function saveToContacts(user: AuthenticatedUser, connectionId: string, personId: string) {
    const running = saving.get(personId);
    if (running) return running;
    const work = (async () => {
      const person = await db.asUser(user.claims, async (tx) => {
        const { rows } = await tx.query<{ type: string; source: string | null; external_id: string | null }>(
          'SELECT type, source, external_id FROM public.entities WHERE id = $1 AND deleted_at IS NULL',
          [personId],
        );
        const row = rows[0];
        if (!row || row.type !== 'person') throw new NotFoundError('person');
        if (row.source !== null && !isMadePersonKey(row.external_id))
          throw new ConflictError(
            `This person comes from ${row.source === source ? 'Outlook' : row.source} already: edits reach it there.`,
            'already_linked',
          );
        return personNow(tx, personId);
      });
      if (!person) throw new NotFoundError('person');
      const open = await deps.connectors.open(user, 'contacts', connectionId);
      const { item } = await open.capability
        .create(open.context, contactWriteOf(person.row, person.identifiers))
        .catch((error: unknown) => {
          if (!(error instanceof ConnectorError)) throw error;
          throw error.kind === 'provider'
            ? new UserError(502, 'provider_error', `${error.message} Try again in a moment.`)
            : new UserError(422, `provider_${error.kind}`, error.message);
        });
      const externalId = item.externalId!;
      await db.asUser(user.claims, async (tx) => {
        // The person takes the new contact's key; ingest then writes Outlook's fields over it as the connector.
        const taken = await tx.query(
          `UPDATE public.entities SET source = $2, external_id = $3
            WHERE id = $1 AND deleted_at IS NULL AND (source IS NULL OR external_id ~ '${MADE_PERSON_KEY}')`,
          [personId, source, externalId],
        );
        if (taken.rowCount === 0)
          throw new ConflictError('This person changed while it was saved: look at it again.', 'person_changed');
        await ingestOwn(deps.ingest, tx, user.id, connectionId, item);
      });
      return { id: personId, externalId };
    })().finally(() => saving.delete(personId));
    saving.set(personId, work);
    return work;
  }

  return saveToContacts;
}

export type SaveToContacts = ReturnType<typeof createContactsSave>;
