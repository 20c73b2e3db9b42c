import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { emailChanged, passwordChanged, sessionRevoked, userSignedUp } from '@made-open/shared/auth-events';
import type { NewEvent } from '@made-open/shared';
import { uuidv7 } from 'uuidv7';
import { oneStatementAsUser, type Database, type Sql } from '../../platform/db/index.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import type { Logger } from '../../platform/logger.ts';
import type { EventOutbox } from '../events/index.ts';
import { goTrue } from './auth.errors.ts';
import type { PasswordHasher } from './auth.passwords.ts';
import type { FactorRow, MfaRepository } from './auth.mfa.repository.ts';
import type {
  AuthRepository,
  FactorJsonRow,
  SessionRevocationReason,
  SignInMethod,
  UserRow,
} from './auth.repository.ts';
import type { SettingsRepository } from './auth.settings.repository.ts';
import type { SessionJson, UserJson } from './auth.schemas.ts';
import type { SessionGuard } from './auth.sessions.ts';
import type { SignInThrottle } from './auth.throttle.ts';
import type { SessionAssurance, TokenService } from './auth.tokens.ts';

export interface AuthServiceDeps {
  db: Pick<Database, 'asSystem' | 'queryAsUser'>;
  repository: AuthRepository;
  /** The user's second factors, listed in the user JSON (migrations/0006). */
  factors: Pick<MfaRepository, 'listFactors' | 'sessionAssurance'>;
  /** The hub's sign-up switch and owner (migrations/0004). */
  settings: Pick<SettingsRepository, 'lockHubSettings' | 'claimOwnership'>;
  outbox: Pick<EventOutbox, 'appendMany'>;
  passwords: PasswordHasher;
  tokens: Pick<TokenService, 'issueAccessToken'>;
  /** Told at once when this instance ends sessions (other instances hear it from the bus). */
  sessions: Pick<SessionGuard, 'ended'>;
  throttle: SignInThrottle;
  logger: Logger;
  /** AUTH_PASSWORD_MIN_LENGTH (default 8). */
  minimumPasswordLength: number;
  /** A spent refresh token still refreshes this long (parallel requests of one client). */
  refreshTokenReuseSeconds: number;
  /** AUTH_MAILER_AUTOCONFIRM=false: sign-up mails a confirmation link instead of signing in. */
  confirmations?: {
    autoconfirm: boolean;
    senderConfigured(): Promise<boolean>;
    sendConfirmation(user: UserRow, redirectTo: string | undefined): Promise<void>;
  };
  /** How long after a recovery link its session may set a password without the old one. */
  recoveryWindowSeconds: number;
}

export interface ClientInfo {
  userAgent: string | null;
}

// Deliberately simple (GoTrue checks about as much): one @, no spaces, a dot in the domain.
const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Trimmed and lower-cased, as GoTrue stores addresses. */
export function normaliseEmail(raw: string): string {
  const email = raw.trim().toLowerCase();
  if (!emailPattern.test(email) || email.length > 255) throw goTrue.invalidEmail();
  return email;
}

export function checkPasswordStrength(password: string, minimumPasswordLength: number) {
  // Eight spaces are eight characters, but no secret: refuse what is blank once trimmed.
  if (password.trim() === '') {
    throw goTrue.weakPassword('Password cannot be empty or only spaces.', ['characters']);
  }
  if ([...password].length < minimumPasswordLength) {
    throw goTrue.weakPassword(`Password should be at least ${minimumPasswordLength} characters.`, ['length']);
  }
}

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

/** GoTrue's Factor JSON (never the secret). */
export function toFactorJson(factor: FactorRow | FactorJsonRow) {
  return {
    id: factor.id,
    friendly_name: factor.friendly_name ?? '',
    factor_type: factor.factor_type,
    status: factor.status,
    created_at: iso(factor.created_at)!,
    updated_at: iso(factor.updated_at)!,
  };
}

/**
 * GoTrue's user JSON. The email identity is derived from the user: the hub has no identities
 * table. `factors` is present only when the user has some (GoTrue's omitempty); supabase-js
 * reads it for listFactors() and getAuthenticatorAssuranceLevel()'s nextLevel.
 */
export function toUserJson(row: UserRow, factors: readonly (FactorRow | FactorJsonRow)[] = []): UserJson {
  const created = iso(row.created_at)!;
  const updated = iso(row.updated_at)!;
  return {
    ...(factors.length > 0 ? { factors: factors.map(toFactorJson) } : {}),
    id: row.id,
    aud: row.aud ?? 'authenticated',
    role: row.role ?? 'authenticated',
    email: row.email,
    email_confirmed_at: iso(row.email_confirmed_at),
    phone: row.phone ?? '',
    confirmed_at: iso(row.confirmed_at),
    last_sign_in_at: iso(row.last_sign_in_at),
    app_metadata: row.raw_app_meta_data ?? { provider: 'email', providers: ['email'] },
    user_metadata: row.raw_user_meta_data ?? {},
    identities: [
      {
        identity_id: row.id,
        id: row.id,
        user_id: row.id,
        identity_data: {
          sub: row.id,
          email: row.email,
          email_verified: row.email_confirmed_at !== null,
          phone_verified: false,
        },
        provider: 'email',
        email: row.email,
        last_sign_in_at: iso(row.last_sign_in_at),
        created_at: created,
        updated_at: updated,
      },
    ],
    created_at: created,
    updated_at: updated,
    is_anonymous: row.is_anonymous,
  };
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
const newRefreshToken = () => randomBytes(32).toString('base64url');
const actorOf = (userId: string) => ({ kind: 'user' as const, id: userId });

function revokedEvents(userId: string, sessionIds: readonly string[], reason: SessionRevocationReason): NewEvent[] {
  return sessionIds.map((sessionId) => ({
    type: sessionRevoked.type,
    v: sessionRevoked.v,
    ownerId: userId,
    subject: sessionId,
    actor: actorOf(userId),
    data: sessionRevoked.data.parse({ userId, sessionId, reason }),
  }));
}

/** A session response (access token, refresh token, user) for a session at its assurance level. */
export async function issueSession(
  tokens: Pick<TokenService, 'issueAccessToken'>,
  user: UserRow,
  factors: readonly FactorRow[],
  refreshToken: string,
  assurance: SessionAssurance,
): Promise<SessionJson> {
  const issued = await tokens.issueAccessToken(
    {
      id: user.id,
      email: user.email,
      appMetadata: user.raw_app_meta_data ?? {},
      userMetadata: user.raw_user_meta_data ?? {},
      isAnonymous: user.is_anonymous,
    },
    assurance,
  );
  return {
    access_token: issued.accessToken,
    token_type: 'bearer',
    expires_in: issued.expiresIn,
    expires_at: issued.expiresAt,
    refresh_token: refreshToken,
    user: toUserJson(user, factors),
  };
}

/** A new session and its first refresh token. */
export async function openSession(
  tx: Sql,
  repo: Pick<AuthRepository, 'createSession' | 'insertRefreshToken'>,
  userId: string,
  client: ClientInfo,
  method: SignInMethod = 'password',
) {
  const sessionId = uuidv7();
  const refreshToken = newRefreshToken();
  await repo.createSession(tx, {
    id: sessionId,
    ownerId: userId,
    userAgent: client.userAgent?.slice(0, 512) ?? null,
    method,
  });
  await repo.insertRefreshToken(tx, { hashHex: hashToken(refreshToken), ownerId: userId, sessionId, parentId: null });
  return { sessionId, refreshToken };
}

export const epochSeconds = (value: Date | string) => Math.floor(new Date(value).getTime() / 1000);

export type AuthService = ReturnType<typeof createAuthService>;

export function createAuthService(deps: AuthServiceDeps) {
  const { db, repository: repo, settings, outbox, passwords, tokens, sessions, throttle, logger } = deps;
  const counters = {
    signedUp: 0,
    signedIn: 0,
    signInFailed: 0,
    signInHeldBack: 0,
    refreshed: 0,
    refreshFailed: 0,
    refreshReuse: 0,
  };

  const startSession = (tx: Sql, userId: string, client: ClientInfo) => openSession(tx, repo, userId, client);

  const sessionResponse = (
    user: UserRow,
    sessionId: string,
    refreshToken: string,
    authenticatedAt: number,
    factors: readonly FactorRow[] = [],
  ): Promise<SessionJson> => issueSession(tokens, user, factors, refreshToken, { id: sessionId, authenticatedAt });

  function isUniqueViolation(error: unknown) {
    return (error as { code?: unknown } | null)?.code === '23505';
  }

  /** Whether this session may set a password without the current one (above). */
  async function mayRecoverPassword(caller: AuthenticatedUser): Promise<boolean> {
    const sessionId = caller.claims.session_id;
    if (typeof sessionId !== 'string') return false;
    return db.asSystem(async (tx) => {
      const [session, user] = await Promise.all([
        deps.factors.sessionAssurance(tx, sessionId),
        repo.findUserById(tx, caller.id),
      ]);
      if (!session || !user) return false;
      if (user.encrypted_password === null) return true;
      return (
        session.sign_in_method === 'recovery' &&
        Date.now() - new Date(session.created_at).getTime() < deps.recoveryWindowSeconds * 1000
      );
    });
  }

  /** An active session of this user, from a verified access token, or a GoTrue 403. */
  async function requireActiveSession(user: AuthenticatedUser, tx: Sql): Promise<string> {
    const sessionId = user.claims.session_id;
    if (typeof sessionId !== 'string' || !(await repo.isSessionActive(tx, sessionId, user.id)))
      throw goTrue.sessionNotFound();
    return sessionId;
  }

  return {
    /** Counts since start, for /metrics. */
    counters: counters as Readonly<typeof counters>,

    /**
     * POST /signup: auto-confirmed and signed in at once, or (AUTH_MAILER_AUTOCONFIRM=false)
     * the user alone, with a confirmation mail whose link or code signs them in.
     */
    async signUp(
      input: { email: string; password: string; data?: Record<string, unknown> | null },
      client: ClientInfo,
      redirectTo?: string,
    ): Promise<SessionJson | UserJson> {
      const email = normaliseEmail(input.email);
      checkPasswordStrength(input.password, deps.minimumPasswordLength);
      const confirm = deps.confirmations && !deps.confirmations.autoconfirm ? deps.confirmations : undefined;
      if (confirm && !(await confirm.senderConfigured())) throw goTrue.emailSendingOff();
      const encryptedPassword = await passwords.hash(input.password);
      const userId = randomUUID();
      const now = Math.floor(Date.now() / 1000);
      try {
        const { user, sessionId, refreshToken } = await db.asSystem(async (tx) => {
          const hub = await settings.lockHubSettings(tx);
          if (hub.owner_id !== null && !hub.sign_up_open) throw goTrue.signupDisabled();
          const user = await repo.insertUser(tx, {
            id: userId,
            email,
            encryptedPassword,
            userMetadata: input.data ?? {},
            confirmed: !confirm,
          });
          // The first account owns the hub: it alone may close sign-up.
          if (hub.owner_id === null) await settings.claimOwnership(tx, userId);
          const session = confirm ? undefined : await startSession(tx, userId, client);
          await outbox.appendMany(tx, [
            {
              type: userSignedUp.type,
              v: userSignedUp.v,
              ownerId: userId,
              subject: userId,
              actor: actorOf(userId),
              data: userSignedUp.data.parse({ userId, email, provider: 'email' }),
            },
          ]);
          return { user, sessionId: session?.sessionId, refreshToken: session?.refreshToken };
        });
        logger.info({ userId }, 'user signed up');
        counters.signedUp++;
        if (confirm || sessionId === undefined || refreshToken === undefined) {
          // GoTrue answers the user alone; supabase-js then reports no session.
          await confirm?.sendConfirmation(user, redirectTo);
          return toUserJson(user);
        }
        return sessionResponse(user, sessionId, refreshToken, now);
      } catch (error) {
        if (isUniqueViolation(error)) throw goTrue.userExists();
        throw error;
      }
    },

    /**
     * POST /token?grant_type=password. Unknown emails cost the same as wrong passwords, and
     * are held back after repeated failures exactly like known ones (auth.throttle.ts).
     */
    async signInWithPassword(input: { email?: string; password?: string }, client: ClientInfo) {
      if (!input.email || input.password === undefined)
        throw goTrue.validation('An email and a password are required.');
      const email = input.email;
      const { found, waitMs } = await db.asSystem(async (tx) => {
        const waitMs = await throttle.reserve(tx, email);
        return { waitMs, found: waitMs > 0 ? undefined : await repo.findUserByEmail(tx, email.trim()) };
      });
      if (waitMs > 0) {
        counters.signInHeldBack++;
        throw goTrue.signInHeldBack(Math.ceil(waitMs / 1000));
      }
      if (!found || !found.encrypted_password || found.deleted_at !== null) {
        await passwords.verifyDummy(input.password);
        counters.signInFailed++;
        throw goTrue.invalidCredentials();
      }
      if (!(await passwords.verify(found.encrypted_password, input.password))) {
        counters.signInFailed++;
        throw goTrue.invalidCredentials();
      }
      if (found.banned_until !== null && new Date(found.banned_until).getTime() > Date.now()) {
        throw goTrue.userBanned();
      }
      // Only an account the admin API created without email_confirm lacks it (sign-up confirms).
      if (found.email_confirmed_at === null) throw goTrue.emailNotConfirmed();
      const rehashed = passwords.needsRehash(found.encrypted_password)
        ? await passwords.hash(input.password)
        : undefined;
      const now = Math.floor(Date.now() / 1000);
      const { user, sessionId, refreshToken, factors } = await db.asSystem(async (tx) => {
        await throttle.clear(tx, email);
        const user = await repo.recordSignIn(tx, found.id, rehashed);
        const factors = await deps.factors.listFactors(tx, found.id);
        return { user, factors, ...(await startSession(tx, found.id, client)) };
      });
      counters.signedIn++;
      // aal1: with a verified factor, the client asks for a code next (mfa.challenge/verify).
      return sessionResponse(user, sessionId, refreshToken, now, factors);
    },

    /**
     * POST /token?grant_type=refresh_token. Each refresh token works once and is replaced;
     * presenting a spent one again means it leaked, so the whole session ends. Except within
     * the reuse interval after it was spent, as GoTrue allows: a browser's parallel requests
     * (a page and its prefetches, the server and the browser client) refresh with the same
     * token at once, and each gets a token of its own.
     */
    async refresh(refreshToken: string | undefined) {
      if (!refreshToken) throw goTrue.refreshTokenNotFound();
      const hashHex = hashToken(refreshToken);
      const result = await db.asSystem(async (tx) => {
        const token = await repo.findRefreshTokenForUpdate(tx, hashHex);
        if (!token || token.session_revoked_at !== null) return { kind: 'not_found' as const };
        const user = await repo.findUserById(tx, token.owner_id);
        if (!user || user.deleted_at !== null) return { kind: 'not_found' as const };
        if (user.banned_until !== null && new Date(user.banned_until).getTime() > Date.now())
          return { kind: 'banned' as const };
        const withinReuse = token.spent_seconds_ago !== null && token.spent_seconds_ago < deps.refreshTokenReuseSeconds;
        if (token.revoked && !withinReuse) {
          const ended = await repo.revokeSessions(tx, token.owner_id, 'refresh_token_reuse', {
            only: token.session_id,
          });
          await outbox.appendMany(tx, revokedEvents(token.owner_id, ended, 'refresh_token_reuse'));
          return { kind: 'reused' as const, ownerId: token.owner_id, ended };
        }
        if (!token.revoked) await repo.spendRefreshToken(tx, token.id, token.session_id);
        const next = newRefreshToken();
        await repo.insertRefreshToken(tx, {
          hashHex: hashToken(next),
          ownerId: token.owner_id,
          sessionId: token.session_id,
          parentId: token.id,
        });
        const factors = await deps.factors.listFactors(tx, token.owner_id);
        return { kind: 'rotated' as const, user, token, factors, refreshToken: next };
      });
      if (result.kind === 'not_found') {
        counters.refreshFailed++;
        throw goTrue.refreshTokenNotFound();
      }
      if (result.kind === 'banned') throw goTrue.userBanned();
      if (result.kind === 'reused') {
        sessions.ended(result.ended);
        counters.refreshReuse++;
        logger.warn(
          { userId: result.ownerId, sessions: result.ended },
          'spent refresh token presented again: session revoked',
        );
        throw goTrue.refreshTokenAlreadyUsed();
      }
      counters.refreshed++;
      // The session keeps its assurance: the password's time (the session's start) and any second factor.
      const { token } = result;
      return issueSession(tokens, result.user, result.factors, result.refreshToken, {
        id: token.session_id,
        authenticatedAt: epochSeconds(token.session_created_at),
        method: token.session_sign_in_method,
        ...(token.session_aal2_at && token.session_aal2_method
          ? { aal2: { method: token.session_aal2_method, timestamp: epochSeconds(token.session_aal2_at) } }
          : {}),
      });
    },

    /** GET /user: the caller's own row, read under their RLS; a signed-out session is a 403. */
    async getUser(user: AuthenticatedUser): Promise<UserJson> {
      const sessionId = typeof user.claims.session_id === 'string' ? user.claims.session_id : null;
      // One statement under the caller's RLS, in one round trip (db.queryAsUser).
      const oneStatement = oneStatementAsUser(db, user.claims);
      const row = await repo.findSelfWithSession(oneStatement, sessionId);
      if (!row) throw goTrue.userNotFound();
      if (!row.session_active) throw goTrue.sessionNotFound();
      return toUserJson(row, row.factors);
    },

    /**
     * PUT /user: email (changed at once: the hub sends no mail), password (signs out the
     * user's other sessions, as GoTrue does) and user_metadata (merged; null removes a key).
     */
    async updateUser(
      caller: AuthenticatedUser,
      input: {
        email?: string;
        password?: string;
        current_password?: string;
        data?: Record<string, unknown> | null;
      },
    ): Promise<UserJson> {
      const email = input.email === undefined ? undefined : normaliseEmail(input.email);
      if (input.password !== undefined) checkPasswordStrength(input.password, deps.minimumPasswordLength);
      let encryptedPassword: string | undefined;
      if (input.password !== undefined) {
        // As GoTrue with GOTRUE_SECURITY_UPDATE_PASSWORD_REQUIRE_CURRENT_PASSWORD: a stolen
        // session alone cannot take the account over. Except where there is no current
        // password to give: a session begun by a recovery link within its lifetime, or an
        // account made by a magic link that has never had one.
        if (!input.current_password) {
          if (!(await mayRecoverPassword(caller))) throw goTrue.currentPasswordRequired();
          checkPasswordStrength(input.password, deps.minimumPasswordLength);
          encryptedPassword = await passwords.hash(input.password);
        }
      }
      if (input.password !== undefined && encryptedPassword === undefined) {
        if (!input.current_password) throw goTrue.currentPasswordRequired();
        // A guess here is a guess at the password: it counts against the account's sign-in
        // throttle, so a stolen session cannot try passwords faster than the sign-in form.
        const { current, waitMs } = await db.asSystem(async (tx) => {
          const current = await repo.findUserById(tx, caller.id);
          return { current, waitMs: current ? await throttle.reserve(tx, current.email) : 0 };
        });
        if (waitMs > 0) throw goTrue.signInHeldBack(Math.ceil(waitMs / 1000));
        if (
          !current?.encrypted_password ||
          !(await passwords.verify(current.encrypted_password, input.current_password))
        ) {
          throw goTrue.currentPasswordMismatch();
        }
        await db.asSystem((tx) => throttle.clear(tx, current.email));
        if (input.password === input.current_password) throw goTrue.samePassword();
        encryptedPassword = await passwords.hash(input.password);
      }
      const { user, ended, factors } = await db.asSystem(async (tx) => {
        const sessionId = await requireActiveSession(caller, tx);
        const current = await repo.findUserById(tx, caller.id, true);
        if (!current) throw goTrue.userNotFound();
        const events: NewEvent[] = [];
        const changes: Parameters<AuthRepository['updateUser']>[2] = {};
        let ended: string[] = [];
        if (email !== undefined && email.toLowerCase() !== current.email.toLowerCase()) {
          if (await repo.emailTakenByOther(tx, email, caller.id)) throw goTrue.emailExists();
          changes.email = email;
          events.push({
            type: emailChanged.type,
            v: emailChanged.v,
            ownerId: caller.id,
            subject: caller.id,
            actor: actorOf(caller.id),
            data: emailChanged.data.parse({ userId: caller.id, email }),
          });
        }
        if (encryptedPassword !== undefined) {
          changes.encryptedPassword = encryptedPassword;
          ended = await repo.revokeSessions(tx, caller.id, 'password_changed', { except: sessionId });
          events.push({
            type: passwordChanged.type,
            v: passwordChanged.v,
            ownerId: caller.id,
            subject: caller.id,
            actor: actorOf(caller.id),
            data: passwordChanged.data.parse({ userId: caller.id, sessionId, otherSessionsRevoked: ended.length }),
          });
          events.push(...revokedEvents(caller.id, ended, 'password_changed'));
        }
        if (input.data) {
          const merged: Record<string, unknown> = { ...(current.raw_user_meta_data ?? {}) };
          for (const [key, value] of Object.entries(input.data)) {
            if (value === null) delete merged[key];
            else merged[key] = value;
          }
          changes.userMetadata = merged;
        }
        try {
          const user = await repo.updateUser(tx, caller.id, changes);
          await outbox.appendMany(tx, events);
          return { user, ended, factors: await deps.factors.listFactors(tx, caller.id) };
        } catch (error) {
          if (isUniqueViolation(error)) throw goTrue.emailExists();
          throw error;
        }
      });
      sessions.ended(ended);
      return toUserJson(user, factors);
    },

    /** POST /logout: global (every session), local (this one) or others (all but this one). */
    async logout(caller: AuthenticatedUser, scope: 'global' | 'local' | 'others') {
      const sessionId = typeof caller.claims.session_id === 'string' ? caller.claims.session_id : undefined;
      const select = scope === 'global' ? {} : scope === 'local' ? { only: sessionId } : { except: sessionId };
      if (scope !== 'global' && sessionId === undefined) return;
      const ended = await db.asSystem(async (tx) => {
        const ended = await repo.revokeSessions(tx, caller.id, 'logout', select);
        await outbox.appendMany(tx, revokedEvents(caller.id, ended, 'logout'));
        return ended;
      });
      sessions.ended(ended);
    },
  };
}
