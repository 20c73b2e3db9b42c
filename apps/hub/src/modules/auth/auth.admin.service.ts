import { randomBytes, randomUUID } from 'node:crypto';
import { sessionRevoked } from '@made-open/shared/auth-events';
import type { Database, Sql } from '../../platform/db/index.ts';
import type { Logger } from '../../platform/logger.ts';
import type { EventOutbox } from '../events/index.ts';
import { adminRepository as admin } from './auth.admin.repository.ts';
import { goTrue, GoTrueError } from './auth.errors.ts';
import type { PasswordHasher } from './auth.passwords.ts';
import type { AuthRepository } from './auth.repository.ts';
import { checkPasswordStrength, normaliseEmail, toUserJson } from './auth.service.ts';
import type { SettingsRepository } from './auth.settings.repository.ts';
import type { SessionGuard } from './auth.sessions.ts';
import type { UserJson } from './auth.schemas.ts';

export interface AdminServiceDeps {
  db: Pick<Database, 'asSystem'>;
  repository: Pick<AuthRepository, 'findUserById' | 'emailTakenByOther' | 'revokeSessions'>;
  settings: Pick<SettingsRepository, 'lockHubSettings' | 'claimOwnership'>;
  outbox: Pick<EventOutbox, 'appendMany'>;
  passwords: Pick<PasswordHasher, 'hash'>;
  sessions: Pick<SessionGuard, 'ended'>;
  logger: Logger;
  minimumPasswordLength: number;
}

export interface AdminUserAttributes {
  email?: string;
  password?: string;
  email_confirm?: boolean;
  user_metadata?: Record<string, unknown> | null;
  app_metadata?: Record<string, unknown> | null;
  ban_duration?: string;
}

/** The admin (service_role) acted: recorded as the system, not as any user. */
const adminActor = { kind: 'system' as const, id: 'service_role' };
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const durationUnits: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1e3, m: 60e3, h: 3600e3 };

/**
 * GoTrue's ban_duration: "none" lifts a ban, otherwise a Go duration ("24h", "1h30m",
 * "876000h" for good). Undefined when not given.
 */
export function parseBanDuration(value: string | undefined, now: number): Date | null | undefined {
  if (value === undefined) return undefined;
  if (value === 'none') return null;
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== value) {
    throw goTrue.validation(`ban_duration "${value.slice(0, 40)}" is not a duration like "24h" or "none".`);
  }
  const ms = parts.reduce((sum, p) => sum + Number(p[1]) * durationUnits[p[2]!]!, 0);
  const until = now + ms;
  if (!Number.isFinite(until) || until > 253_402_300_799_000) throw goTrue.validation('ban_duration is too long.');
  return new Date(until);
}

const withEmailProvider = (appMetadata: Record<string, unknown> | null | undefined) => ({
  ...appMetadata,
  provider: 'email',
  providers: ['email'],
});

export type AdminService = ReturnType<typeof createAdminService>;

/** GoTrue's admin API subset over auth.users, for the service_role key only (routes check). */
export function createAdminService(deps: AdminServiceDeps) {
  const { db, repository: repo, settings, outbox, passwords, sessions, logger } = deps;

  async function requireUser(tx: Sql, id: string, lock = false) {
    if (!uuidPattern.test(id)) throw new GoTrueError(404, 'validation_failed', 'user_id must be an UUID');
    const user = await repo.findUserById(tx, id, lock);
    if (!user || user.deleted_at !== null) throw goTrue.adminUserNotFound();
    return user;
  }

  /** Ends every session of the user, in the caller's transaction; the instance is told after commit. */
  async function endSessions(tx: Sql, userId: string): Promise<string[]> {
    const ended = await repo.revokeSessions(tx, userId, 'logout', {});
    await outbox.appendMany(
      tx,
      ended.map((sessionId) => ({
        type: sessionRevoked.type,
        v: sessionRevoked.v,
        ownerId: userId,
        subject: sessionId,
        actor: adminActor,
        data: sessionRevoked.data.parse({ userId, sessionId, reason: 'logout' }),
      })),
    );
    return ended;
  }

  const hashIfGiven = async (password: string | undefined) => {
    if (password === undefined) return undefined;
    checkPasswordStrength(password, deps.minimumPasswordLength);
    return passwords.hash(password);
  };

  return {
    async list(page: number, perPage: number): Promise<{ users: UserJson[]; total: number }> {
      const { rows, total } = await db.asSystem((tx) =>
        admin.listUsers(tx, { limit: perPage, offset: (page - 1) * perPage }),
      );
      return { users: rows.map((row) => toUserJson(row)), total };
    },

    async get(id: string): Promise<UserJson> {
      return toUserJson(await db.asSystem((tx) => requireUser(tx, id)));
    },

    /** POST /admin/users: no password given means a random one (GoTrue does the same). */
    async create(input: AdminUserAttributes): Promise<UserJson> {
      if (input.email === undefined) throw goTrue.validation('Cannot create a user without either an email or phone');
      const email = normaliseEmail(input.email);
      const encryptedPassword =
        (await hashIfGiven(input.password || undefined)) ??
        (await passwords.hash(randomBytes(48).toString('base64url')));
      const bannedUntil = parseBanDuration(input.ban_duration, Date.now()) ?? null;
      const id = randomUUID();
      const user = await db.asSystem(async (tx) => {
        const hub = await settings.lockHubSettings(tx);
        if (await repo.emailTakenByOther(tx, email, id)) throw goTrue.emailExists();
        const row = await admin.insertUser(tx, {
          id,
          email,
          encryptedPassword,
          emailConfirmed: input.email_confirm === true,
          userMetadata: input.user_metadata ?? {},
          appMetadata: withEmailProvider(input.app_metadata),
          bannedUntil,
        });
        if (hub.owner_id === null) await settings.claimOwnership(tx, id);
        return row;
      });
      logger.info({ userId: id }, 'user created with the admin API');
      return toUserJson(user);
    },

    /** PUT /admin/users/:id. A ban ends the user's sessions at once. */
    async update(id: string, input: AdminUserAttributes): Promise<UserJson> {
      const email = input.email === undefined ? undefined : normaliseEmail(input.email);
      const encryptedPassword = await hashIfGiven(input.password);
      const bannedUntil = parseBanDuration(input.ban_duration, Date.now());
      const { user, ended } = await db.asSystem(async (tx) => {
        const current = await requireUser(tx, id, true);
        if (email !== undefined && (await repo.emailTakenByOther(tx, email, id))) throw goTrue.emailExists();
        const userMetadata =
          input.user_metadata === undefined ? undefined : { ...current.raw_user_meta_data, ...input.user_metadata };
        const appMetadata =
          input.app_metadata === undefined
            ? undefined
            : withEmailProvider({ ...current.raw_app_meta_data, ...input.app_metadata });
        const user = await admin.updateUser(tx, id, {
          email,
          encryptedPassword,
          emailConfirmed: input.email_confirm,
          userMetadata,
          appMetadata,
          bannedUntil,
        });
        const ended = bannedUntil ? await endSessions(tx, id) : [];
        return { user, ended };
      });
      sessions.ended(ended);
      return toUserJson(user);
    },

    /** DELETE /admin/users/:id: hard (the row and everything of the user) or GoTrue's soft delete. */
    async remove(id: string, soft: boolean): Promise<void> {
      const ended = await db.asSystem(async (tx) => {
        await requireUser(tx, id, true);
        const ended = await endSessions(tx, id);
        if (soft) await admin.softDeleteUser(tx, id);
        else await admin.deleteUser(tx, id);
        return ended;
      });
      sessions.ended(ended);
      logger.info({ userId: id, soft }, 'user deleted with the admin API');
    },
  };
}
