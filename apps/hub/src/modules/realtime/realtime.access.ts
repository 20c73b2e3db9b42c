import type { Database, RequestClaims } from '../../platform/db/index.ts';
import { channelGrantsRepository } from './realtime.grants.repository.ts';

/**
 * Private channels as Supabase authorises them: read (join, receive) and write (send),
 * decided by the database, never by the topic's name alone.
 */
export interface ChannelAccess {
  read: boolean;
  write: boolean;
}

/** Public channels: anyone with the anon key joins and sends, as on Supabase. */
export const publicAccess: ChannelAccess = { read: true, write: true };
const noAccess: ChannelAccess = { read: false, write: false };

// Supabase keeps private and public channels of one name apart: a broadcast never crosses.
export const topicKey = (topic: string, isPrivate: boolean) => `${isPrivate ? 'private' : 'public'}|${topic}`;

/** The channel name as realtime-js users write it (and as the grants table stores it). */
export const subTopic = (topic: string) => topic.slice('realtime:'.length);

/** Supabase Realtime's own wording, which clients match on. */
export const refusedReason = (topic: string) =>
  `Unauthorized: You do not have permissions to read from this Channel topic: ${subTopic(topic)}`;
export const revokedReason = (topic: string) =>
  `You no longer have permission to read from this Channel topic: ${subTopic(topic)}`;

/**
 * What a caller may do on a private topic: made_open.realtime_authorize, run as the caller
 * so RLS on the grants table applies. anon is refused without a query: it has no rights
 * there, and no USAGE on the schema either.
 */
export function createChannelAuthorizer(db: Pick<Database, 'queryAsUser'>) {
  return async function authorize(claims: RequestClaims, topic: string): Promise<ChannelAccess> {
    if (claims.role !== 'authenticated' || !claims.sub) return noAccess;
    const statement = channelGrantsRepository.accessStatement(subTopic(topic));
    const result = await db.queryAsUser<{ read: boolean; write: boolean }>(claims, statement.text, statement.params);
    return { read: result.rows[0]?.read === true, write: result.rows[0]?.write === true };
  };
}
