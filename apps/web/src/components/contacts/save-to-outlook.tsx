import { HubError } from '@/lib/errors';
import { listMicrosoftConnections } from '@/lib/connections/api';
import { getEntity } from '@/lib/graph';
import { canSaveToOutlook } from '@/lib/graph-origin';
import { SaveToOutlookButton } from './save-to-outlook-button';

/**
 * "Save to Outlook" on the page of a person made in the hub, or made by the mail sync for a
 * sender, while a Microsoft 365 account is connected; a person that is a source's record (an
 * Outlook contact, a phone's address book) is already there (`origin`, lib/graph-origin).
 */
export async function SaveToOutlook({ personId, name }: { personId: string; name: string }) {
  try {
    const [entity, connections] = await Promise.all([getEntity(personId), listMicrosoftConnections()]);
    const usable = connections
      .filter((connection) => connection.status === 'active' && connection.capabilities.includes('contacts'))
      .map(({ id, label }) => ({ id, label }));
    if (!canSaveToOutlook(entity) || usable.length === 0) return null;
    return <SaveToOutlookButton personId={personId} name={name} accounts={usable} />;
  } catch (error) {
    if (error instanceof HubError) return null; // the rest of the page says what is wrong
    throw error;
  }
}
