import { createHash, randomInt, randomUUID } from 'node:crypto';
import type { Database } from '../../platform/db/index.ts';
import { ForbiddenError, ValidationError } from '../../platform/errors.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import type { Logger } from '../../platform/logger.ts';
import type { EmailRepository, EmailSenderInput, OneTimeTokenType } from './auth.email.repository.ts';
import { goTrue } from './auth.errors.ts';
import { sendMail, type PasswordSeal } from './auth.mail.ts';
import type { MfaRepository } from './auth.mfa.repository.ts';
import type { AuthRepository, SignInMethod, UserRow } from './auth.repository.ts';
import { issueSession, normaliseEmail, openSession, toUserJson, type ClientInfo } from './auth.service.ts';
import type { SettingsRepository } from './auth.settings.repository.ts';
import type { SignInThrottle } from './auth.throttle.ts';
import type { TokenService } from './auth.tokens.ts';

export interface EmailServiceDeps {
  db: Pick<Database, 'asSystem'>;
  repository: AuthRepository;
  email: EmailRepository;
  mfa: Pick<MfaRepository, 'listFactors'>;
  settings: Pick<SettingsRepository, 'lockHubSettings' | 'hubSettings'>;
  seal: PasswordSeal;
  tokens: Pick<TokenService, 'issueAccessToken'>;
  /** Wrong codes count against the address, as wrong passwords do. */
  throttle: SignInThrottle;
  /** The hub's public URL: links point at its /auth/v1/verify. */
  publicUrl: string;
  /** Origins a link may send the browser back to (the hub's and CORS_ORIGINS). */
  redirectOrigins: readonly string[];
  otpExpirySeconds: number;
  logger: Logger;
  now: () => number;
}

/** GoTrue's SMTP_MAX_FREQUENCY default: one mail of a kind per address per 60 s. */
const maxFrequencySeconds = 60;

/** GoTrue's token_hash: hex SHA-224 of the address followed by the code. */
export const tokenHashOf = (email: string, otp: string) =>
  createHash('sha224')
    .update(email + otp)
    .digest('hex');
/** Stored form of a token_hash: its SHA-256, so a copied table holds no working link. */
const storedHash = (tokenHash: string) => createHash('sha256').update(tokenHash).digest('hex');
const newOtp = () => String(randomInt(0, 1_000_000)).padStart(6, '0');
const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Which stored kinds a /verify type accepts, and the session's amr method. */
const verifyTypes: Record<string, { kinds: OneTimeTokenType[]; method: SignInMethod }> = {
  recovery: { kinds: ['recovery'], method: 'recovery' },
  signup: { kinds: ['confirmation'], method: 'email/signup' },
  magiclink: { kinds: ['magiclink'], method: 'magiclink' },
  email: { kinds: ['magiclink', 'confirmation'], method: 'otp' },
};

const mailText: Record<OneTimeTokenType, { subject: string; action: string }> = {
  recovery: { subject: 'Reset your password', action: 'reset the password of' },
  confirmation: { subject: 'Confirm your email address', action: 'confirm' },
  magiclink: { subject: 'Your sign-in link', action: 'sign in as' },
};

export type EmailService = ReturnType<typeof createEmailService>;

/** The generate_link types this hub makes (GoTrue's invite and email_change are not offered). */
export const generatedLinkTypes = ['signup', 'magiclink', 'recovery'] as const;
export type GeneratedLinkType = (typeof generatedLinkTypes)[number];

/**
 * Mail from the hub (ADR 0025): the owner's SMTP sender, and GoTrue's /recover, /resend,
 * /otp and /verify with its token formats (6-digit code, token_hash link).
 */
export function createEmailService(deps: EmailServiceDeps) {
  const { db, repository: repo, email: emails, seal, now } = deps;

  async function requireOwner(caller: AuthenticatedUser) {
    const hub = await db.asSystem((tx) => deps.settings.hubSettings(tx));
    if (hub?.owner_id !== caller.id)
      throw new ForbiddenError(
        "Only the hub's owner (its first account) can set up its email sender.",
        'not_hub_owner',
      );
  }

  /** Where a link sends the browser afterwards: an allowed origin, else the hub itself. */
  function safeRedirect(redirectTo: string | undefined): string {
    if (redirectTo) {
      try {
        const url = new URL(redirectTo);
        if (deps.redirectOrigins.includes(url.origin)) return url.toString();
      } catch {
        // Not a URL: fall back to the hub.
      }
    }
    return deps.publicUrl;
  }

  /**
   * Issues a token of this kind for the user and mails its link and code. Nothing happens
   * (and the caller still answers 200) for an address without an account; a second mail
   * of a kind within 60 s is 429.
   */
  /**
   * A new one-time token of this kind for the user (replacing the last one): its code, its
   * token_hash and the /verify link. `frequency` holds back a second one within 60 s (mail).
   */
  async function issueToken(user: UserRow, type: OneTimeTokenType, redirectTo: string | undefined, frequency: boolean) {
    const otp = newOtp();
    const tokenHash = tokenHashOf(user.email, otp);
    const id = randomUUID();
    await db.asSystem(async (tx) => {
      const last = frequency ? await emails.lastToken(tx, user.id, type) : undefined;
      if (last) {
        const waitSeconds = Math.ceil(maxFrequencySeconds - (now() - new Date(last.created_at).getTime()) / 1000);
        if (waitSeconds > 0) throw goTrue.emailSendTooSoon(waitSeconds);
      }
      await emails.putToken(tx, {
        id,
        userId: user.id,
        type,
        hashHex: storedHash(tokenHash),
        email: user.email,
        createdAt: new Date(now()),
      });
    });
    const verifyType = type === 'confirmation' ? 'signup' : type;
    const redirect = safeRedirect(redirectTo);
    const link =
      `${deps.publicUrl.replace(/\/$/, '')}/auth/v1/verify?token=${tokenHash}&type=${verifyType}` +
      `&redirect_to=${encodeURIComponent(redirect)}`;
    return { id, otp, tokenHash, link, verifyType, redirect };
  }

  async function mailToken(user: UserRow, type: OneTimeTokenType, redirectTo: string | undefined) {
    const sender = await db.asSystem((tx) => emails.find(tx));
    if (!sender) throw goTrue.emailSendingOff();
    const { id, otp, link } = await issueToken(user, type, redirectTo, true);
    const { subject, action } = mailText[type];
    const minutes = Math.round(deps.otpExpirySeconds / 60);
    const text =
      `Follow this link to ${action} ${user.email}:\n\n${link}\n\nOr enter this code: ${otp}\n\n` +
      `The link and the code work once, for ${minutes} minutes. If you did not ask for this, ignore this mail.\n`;
    const html =
      `<p>Follow this link to ${action} ${escapeHtml(user.email)}:</p><p><a href="${escapeHtml(link)}">${escapeHtml(subject)}</a></p>` +
      `<p>Or enter this code: <strong>${otp}</strong></p>` +
      `<p>The link and the code work once, for ${minutes} minutes. If you did not ask for this, ignore this mail.</p>`;
    try {
      await sendMail(sender, seal, { to: user.email, subject, text, html });
    } catch (error) {
      // The mail did not go: let the person ask again at once.
      await db.asSystem((tx) => emails.deleteToken(tx, id));
      deps.logger.warn({ userId: user.id, err: (error as Error).message }, 'sending an auth mail failed');
      throw goTrue.emailSendFailed();
    }
    deps.logger.info({ userId: user.id, type }, 'auth mail sent');
  }

  async function findUser(address: string) {
    const user = await db.asSystem((tx) => repo.findUserByEmail(tx, address));
    return user && user.deleted_at === null ? user : undefined;
  }

  return {
    /** Whether mail can go out at all (/settings, and sign-up with confirmation). */
    async senderConfigured(): Promise<boolean> {
      return (await db.asSystem((tx) => emails.find(tx))) !== undefined;
    },

    async sender(caller: AuthenticatedUser) {
      await requireOwner(caller);
      const row = await db.asSystem((tx) => emails.find(tx));
      if (!row) return { configured: false as const };
      return {
        configured: true as const,
        host: row.host,
        port: row.port,
        secure: row.secure,
        username: row.username,
        passwordSet: row.password_sealed !== null,
        from: row.from_address,
        updatedAt: new Date(row.updated_at).toISOString(),
      };
    },

    async saveSender(caller: AuthenticatedUser, input: EmailSenderInput) {
      await requireOwner(caller);
      if (input.password !== undefined && input.password !== null && input.username === null)
        throw new ValidationError('A password needs a username.');
      const sealed =
        input.password === undefined ? undefined : input.password === null ? null : seal.seal(input.password);
      await db.asSystem((tx) => emails.save(tx, input, sealed, caller.id));
      return this.sender(caller);
    },

    async removeSender(caller: AuthenticatedUser) {
      await requireOwner(caller);
      await db.asSystem((tx) => emails.remove(tx));
    },

    /** Sends the owner a test mail through the sender as configured. */
    async testSender(caller: AuthenticatedUser) {
      await requireOwner(caller);
      const row = await db.asSystem((tx) => emails.find(tx));
      if (!row) throw goTrue.emailSendingOff();
      const owner = await db.asSystem((tx) => repo.findUserById(tx, caller.id));
      try {
        await sendMail(row, seal, {
          to: owner!.email,
          subject: 'Made Open: your email sender works',
          text: 'This test mail came through the sender set up in Settings.\n',
          html: '<p>This test mail came through the sender set up in Settings.</p>',
        });
      } catch (error) {
        throw new ValidationError(`The mail server did not take the mail: ${(error as Error).message}`);
      }
    },

    /** POST /recover: a reset link and code, if the address has an account. */
    async recover(input: { email: string }, redirectTo: string | undefined) {
      const address = normaliseEmail(input.email);
      if (!(await this.senderConfigured())) throw goTrue.emailSendingOff();
      const user = await findUser(address);
      if (user) await mailToken(user, 'recovery', redirectTo);
      return {};
    },

    /** POST /resend: the sign-up confirmation again (type signup), for an unconfirmed account. */
    async resend(input: { type: string; email?: string }, redirectTo: string | undefined) {
      if (input.type !== 'signup')
        throw goTrue.validation(`Resending ${input.type} mail is not offered by this hub: use type signup.`);
      if (!input.email) throw goTrue.validation('An email is required.');
      const address = normaliseEmail(input.email);
      if (!(await this.senderConfigured())) throw goTrue.emailSendingOff();
      const user = await findUser(address);
      if (user && user.email_confirmed_at === null) await mailToken(user, 'confirmation', redirectTo);
      return {};
    },

    /** Sign-up with confirmation on: the new account's first confirmation mail. */
    async sendConfirmation(user: UserRow, redirectTo: string | undefined) {
      await mailToken(user, 'confirmation', redirectTo);
    },

    /**
     * POST /otp: a magic link and a code. An unknown address gets an account (unconfirmed,
     * no password) unless create_user is false or sign-up is closed.
     */
    async otp(
      input: { email?: string; create_user?: boolean; data?: Record<string, unknown> | null },
      redirectTo?: string,
    ) {
      if (!input.email) throw goTrue.validation('An email is required: this hub sends codes by email only.');
      const address = normaliseEmail(input.email);
      if (!(await this.senderConfigured())) throw goTrue.emailSendingOff();
      let user: UserRow | undefined = await findUser(address);
      if (!user) {
        if (input.create_user === false) throw goTrue.otpSignupsOff();
        user = await db.asSystem(async (tx) => {
          const hub = await deps.settings.lockHubSettings(tx);
          if (hub.owner_id !== null && !hub.sign_up_open) throw goTrue.signupDisabled();
          return repo.insertUser(tx, {
            id: randomUUID(),
            email: address,
            encryptedPassword: null,
            userMetadata: input.data ?? {},
            confirmed: false,
          });
        });
      }
      await mailToken(user, 'magiclink', redirectTo);
      return {};
    },

    /**
     * POST /verify (and GET, for links): a token_hash, or an email and its 6-digit code.
     * The token is spent, the address confirmed, and a session begins. Expired, used or
     * wrong: GoTrue's 403 otp_expired.
     */
    async verify(input: { type: string; token_hash?: string; token?: string; email?: string }, client: ClientInfo) {
      const kind = verifyTypes[input.type];
      if (!kind) throw goTrue.validation(`Verify requires a type of signup, magiclink, recovery or email`);
      let tokenHash: string;
      let throttleKey: string | undefined;
      if (input.token_hash) tokenHash = input.token_hash.trim().toLowerCase();
      else if (input.email && input.token) {
        const address = normaliseEmail(input.email);
        throttleKey = `otp:${address}`;
        tokenHash = tokenHashOf(address, input.token.trim());
      } else throw goTrue.validation('Verify requires a token_hash, or an email and a token');

      const outcome = await db.asSystem(async (tx) => {
        // Codes are six digits: guesses per address are held back like wrong passwords.
        if (throttleKey) {
          const waitMs = await deps.throttle.reserve(tx, throttleKey);
          if (waitMs > 0) return { kind: 'held_back' as const, waitMs };
        }
        const token = await emails.takeToken(tx, storedHash(tokenHash), kind.kinds);
        if (!token) return { kind: 'invalid' as const };
        if (new Date(token.created_at).getTime() + deps.otpExpirySeconds * 1000 < now())
          return { kind: 'invalid' as const };
        const user = await repo.findUserById(tx, token.user_id);
        if (!user || user.deleted_at !== null || user.email.toLowerCase() !== token.email.toLowerCase())
          return { kind: 'invalid' as const };
        if (user.banned_until !== null && new Date(user.banned_until).getTime() > now())
          return { kind: 'banned' as const };
        if (throttleKey) await deps.throttle.clear(tx, throttleKey);
        await repo.confirmEmail(tx, user.id);
        const signedIn = await repo.recordSignIn(tx, user.id);
        const session = await openSession(tx, repo, user.id, client, kind.method);
        const factors = await deps.mfa.listFactors(tx, user.id);
        return { kind: 'ok' as const, user: signedIn, factors, ...session };
      });
      if (outcome.kind === 'held_back') throw goTrue.signInHeldBack(Math.ceil(outcome.waitMs / 1000));
      if (outcome.kind === 'invalid') throw goTrue.otpExpired();
      if (outcome.kind === 'banned') throw goTrue.userBanned();
      return issueSession(deps.tokens, outcome.user, outcome.factors, outcome.refreshToken, {
        id: outcome.sessionId,
        authenticatedAt: Math.floor(now() / 1000),
        method: kind.method,
      });
    },

    /**
     * POST /admin/generate_link (service_role): GoTrue's link and code for a user, made and
     * returned rather than mailed, so an operator can deliver it their own way. magiclink
     * makes the account (unconfirmed, no password) when the address has none; recovery
     * needs an account; signup is the confirmation of an account the caller just created.
     */
    async generateLink(
      input: { type: GeneratedLinkType; email: string; data?: Record<string, unknown> | null },
      redirectTo: string | undefined,
    ) {
      const address = normaliseEmail(input.email);
      let user: UserRow | undefined = await findUser(address);
      if (!user && input.type === 'magiclink')
        user = await db.asSystem((tx) =>
          repo.insertUser(tx, {
            id: randomUUID(),
            email: address,
            encryptedPassword: null,
            userMetadata: input.data ?? {},
            confirmed: false,
          }),
        );
      if (!user) throw goTrue.adminUserNotFound();
      const kind: OneTimeTokenType = input.type === 'signup' ? 'confirmation' : input.type;
      const token = await issueToken(user, kind, redirectTo, false);
      const factors = await db.asSystem((tx) => deps.mfa.listFactors(tx, user.id));
      deps.logger.info({ userId: user.id, type: input.type }, 'auth link generated for the admin');
      return {
        ...toUserJson(user, factors),
        action_link: token.link,
        email_otp: token.otp,
        hashed_token: token.tokenHash,
        verification_type: token.verifyType,
        redirect_to: token.redirect,
      };
    },

    /** Where GET /verify sends the browser: the allowed redirect, or the hub. */
    safeRedirect,
  };
}
