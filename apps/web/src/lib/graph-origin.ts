import { entityOriginSchema, type EntityOrigin } from '@made-open/shared/entities';
import type { Entity } from '@/lib/model';

/**
 * Where an entity came from, as the hub says (`origin`, graph migrations/0009): made in the
 * hub, a person a connector made for an address it met (a mail's sender), or the source's own
 * record (an Outlook contact). A hub from before `origin` sends none: then any source counts
 * as the source's record, as the app assumed before.
 */
export function originOf(entity: Pick<Entity, 'source'> & { origin?: unknown }): EntityOrigin {
  const told = entityOriginSchema.safeParse(entity.origin);
  if (told.success) return told.data;
  return entity.source ? 'source' : 'hub';
}

/**
 * "Save to Outlook" fits a person that is no contact anywhere yet: made in the hub, or made
 * for a mail's sender (or a caller's number). One that came as a source's record (an Outlook
 * contact, a phone's address book) is there already. The hub's POST /connections/:id/contacts
 * applies the same rule.
 */
export function canSaveToOutlook(entity: Pick<Entity, 'type' | 'source'> & { origin?: unknown }): boolean {
  return entity.type === 'person' && originOf(entity) !== 'source';
}
