import type { Database, Sql } from '../../platform/db/index.ts';
import { UserError, ValidationError } from '../../platform/errors.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import { channelGrantsRepository as repo, type ChannelGrant } from './realtime.grants.repository.ts';

export interface ChannelGrantsServiceDeps {
  db: Pick<Database, 'asUser'>;
  /** Called after a grant changed, so this instance re-checks the channels open on the topic. */
  changed(topic: string): Promise<void>;
}

class TopicNotFoundError extends UserError {
  constructor(topic: string) {
    super(
      404,
      'not_found',
      `You own no topic named ${JSON.stringify(topic)}: yours are user:<your id> and user:<your id>:<name>.`,
    );
  }
}

/** Owners let other users receive (read) and send (write) on their private topics. */
export function createChannelGrantsService(deps: ChannelGrantsServiceDeps) {
  const { db } = deps;

  // The database decides ownership (realtime_topic_owner), the same rule its CHECK enforces.
  const asOwner = <T>(user: AuthenticatedUser, topic: string, work: (tx: Sql) => Promise<T>) =>
    db.asUser(user.claims, async (tx) => {
      if (!(await repo.ownsTopic(tx, topic))) throw new TopicNotFoundError(topic);
      return work(tx);
    });

  return {
    list(user: AuthenticatedUser, topic: string): Promise<ChannelGrant[]> {
      return asOwner(user, topic, (tx) => repo.list(tx, topic));
    },

    async grant(
      user: AuthenticatedUser,
      topic: string,
      granteeId: string,
      rights: { read: boolean; write: boolean },
    ): Promise<ChannelGrant> {
      if (granteeId === user.id) throw new ValidationError('You already have every right on your own topics.');
      if (!rights.read && !rights.write) {
        throw new ValidationError('Grant read, write or both; to take rights away, DELETE the grant.');
      }
      const grant = await asOwner(user, topic, (tx) => repo.upsert(tx, topic, granteeId, rights));
      await deps.changed(topic);
      return grant;
    },

    async revoke(user: AuthenticatedUser, topic: string, granteeId: string): Promise<void> {
      const removed = await asOwner(user, topic, (tx) => repo.remove(tx, topic, granteeId));
      if (!removed) throw new UserError(404, 'not_found', 'That user has no grant on this topic.');
      await deps.changed(topic);
    },
  };
}

export type ChannelGrantsService = ReturnType<typeof createChannelGrantsService>;
