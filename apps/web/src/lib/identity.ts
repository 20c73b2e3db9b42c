import 'server-only';
import type { DuplicateNotice, SuggestionPage } from '@made-open/shared/identity-api';
import { hubFetch } from '@/lib/hub';

/** The hub's review queue of suggested duplicates (issue 17), as the signed-in user. */

export type { DuplicateNotice, Suggestion, SuggestionPage, MatchReasonDto } from '@made-open/shared/identity-api';

export async function listSuggestions(limit = 20, cursor?: string): Promise<SuggestionPage> {
  return hubFetch<SuggestionPage>('/persons/suggestions', { query: { limit, cursor } });
}

/** How many suggestions wait for review: one cheap call (limit 1). */
export async function countSuggestions(): Promise<number> {
  return (await listSuggestions(1)).total;
}

export async function acceptSuggestion(id: string, keepId: string): Promise<{ mergeId: string; personId: string }> {
  const answer = await hubFetch<{ mergeId: string; person: { id: string } }>(
    `/persons/suggestions/${encodeURIComponent(id)}/accept`,
    { method: 'POST', body: { keepId } },
  );
  return { mergeId: answer.mergeId, personId: answer.person.id };
}

export async function dismissSuggestion(id: string): Promise<void> {
  await hubFetch(`/persons/suggestions/${encodeURIComponent(id)}/dismiss`, { method: 'POST' });
}

export async function undoMerge(mergeId: string): Promise<{ survivorId: string; restoredId: string }> {
  const answer = await hubFetch<{ survivor: { id: string }; restored: { id: string } }>(
    `/persons/merges/${encodeURIComponent(mergeId)}/undo`,
    { method: 'POST' },
  );
  return { survivorId: answer.survivor.id, restoredId: answer.restored.id };
}

/** Which person already has this phone or email (another than `selfId`), if any. */
export async function holderOf(
  kind: 'phone' | 'email',
  value: string,
  selfId: string,
): Promise<DuplicateNotice | undefined> {
  try {
    const person = await hubFetch<{ id: string; title: string }>('/persons/lookup', { query: { [kind]: value } });
    if (person.id === selfId) return undefined;
    return {
      personId: person.id,
      name: person.title,
      reasons: [kind === 'email' ? { code: 'same_email', value } : { code: 'same_phone', value }],
    };
  } catch {
    return undefined;
  }
}
