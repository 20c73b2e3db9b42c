import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Database } from '../../platform/db/index.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import type { Logger } from '../../platform/logger.ts';
import { goTrue } from './auth.errors.ts';
import type { MfaRepository } from './auth.mfa.repository.ts';
import type { AuthRepository } from './auth.repository.ts';
import { epochSeconds, issueSession, toFactorJson } from './auth.service.ts';
import type { SignInThrottle } from './auth.throttle.ts';
import type { TokenService } from './auth.tokens.ts';
import { matchingStep, newTotpSecret, totpQrSvg, totpUri } from './auth.totp.ts';

export interface MfaServiceDeps {
  db: Pick<Database, 'asSystem'>;
  repository: AuthRepository;
  mfa: MfaRepository;
  tokens: Pick<TokenService, 'issueAccessToken'>;
  /** Wrong codes count against the factor as wrong passwords count against an email. */
  throttle: SignInThrottle;
  /** Shown in the authenticator app beside the account (GoTrue: the site's host). */
  defaultIssuer: string;
  logger: Logger;
  now: () => number;
}

// GoTrue's defaults: 10 factors, challenges valid 300 s.
const maxFactors = 10;
const challengeSeconds = 300;
const recoveryCodeCount = 10;
// Unverified factors older than this are abandoned set-ups, cleared at the next enrolment.
const staleUnverifiedMs = 24 * 3600 * 1000;

const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');
const newRefreshToken = () => randomBytes(32).toString('base64url');
/** Recovery codes: 10 characters of Crockford-like base32 in two groups (50 bits each), e.g. "7kq2m-x9d4p". */
const recoveryAlphabet = '0123456789abcdefghjkmnpqrstvwxyz';
function newRecoveryCode(): string {
  const bytes = randomBytes(10);
  const chars = [...bytes].map((b) => recoveryAlphabet[b % 32]).join('');
  return `${chars.slice(0, 5)}-${chars.slice(5)}`;
}
/** What the user typed, in the stored form: lower case, no spaces or dashes. */
const normaliseRecoveryCode = (code: string) => code.toLowerCase().replace(/[\s-]/g, '');
const looksLikeRecoveryCode = (code: string) => /^[0-9a-z]{10}$/.test(normaliseRecoveryCode(code));

export type MfaService = ReturnType<typeof createMfaService>;

/**
 * TOTP second factors, GoTrue's /factors API (ADR 0025): enrol, challenge, verify (which
 * raises the session to aal2 and issues new tokens), unenrol, plus one-use recovery codes.
 */
export function createMfaService(deps: MfaServiceDeps) {
  const { db, repository: repo, mfa, tokens, throttle, now } = deps;

  async function activeSession(tx: Parameters<Parameters<typeof db.asSystem>[0]>[0], caller: AuthenticatedUser) {
    const sessionId = caller.claims.session_id;
    if (typeof sessionId !== 'string' || !(await repo.isSessionActive(tx, sessionId, caller.id)))
      throw goTrue.sessionNotFound();
    const assurance = await mfa.sessionAssurance(tx, sessionId);
    if (!assurance) throw goTrue.sessionNotFound();
    return { sessionId, aal: assurance.aal, createdAt: assurance.created_at, method: assurance.sign_in_method };
  }

  return {
    /** POST /factors: a new unverified TOTP factor, its secret, otpauth URI and QR code (SVG). */
    async enroll(caller: AuthenticatedUser, input: { factor_type: string; friendly_name?: string; issuer?: string }) {
      if (input.factor_type === 'phone' || input.factor_type === 'webauthn')
        throw goTrue.mfaTypeNotEnabled(input.factor_type);
      if (input.factor_type !== 'totp') throw goTrue.validation('factor_type needs to be totp');
      const friendlyName = input.friendly_name?.trim() || null;
      const issuer = input.issuer?.trim() || deps.defaultIssuer;
      const secret = newTotpSecret();
      const factor = await db.asSystem(async (tx) => {
        const session = await activeSession(tx, caller);
        await mfa.deleteStaleUnverified(tx, caller.id, new Date(now() - staleUnverifiedMs));
        const factors = await mfa.listFactors(tx, caller.id);
        const verified = factors.filter((f) => f.status === 'verified');
        // As GoTrue: once a factor protects the account, adding another needs that factor.
        if (verified.length > 0 && session.aal !== 'aal2') throw goTrue.insufficientAal('enroll a new factor');
        if (factors.length >= maxFactors) throw goTrue.tooManyFactors();
        if (friendlyName !== null && factors.some((f) => f.friendly_name === friendlyName))
          throw goTrue.factorNameConflict(friendlyName);
        return mfa.insertFactor(tx, { id: randomUUID(), ownerId: caller.id, friendlyName, secret });
      });
      const email = typeof caller.claims.email === 'string' ? caller.claims.email : caller.id;
      const uri = totpUri(secret, issuer, email);
      return {
        id: factor.id,
        type: 'totp' as const,
        friendly_name: factor.friendly_name ?? '',
        totp: { qr_code: await totpQrSvg(uri), secret, uri },
      };
    },

    /** POST /factors/:id/challenge: a challenge the next code is verified against (300 s). */
    async challenge(caller: AuthenticatedUser, factorId: string) {
      const challenge = await db.asSystem(async (tx) => {
        await activeSession(tx, caller);
        const factor = await mfa.findFactorForUpdate(tx, factorId, caller.id);
        if (!factor) throw goTrue.mfaFactorNotFound();
        return mfa.insertChallenge(tx, { id: randomUUID(), factorId, ownerId: caller.id, createdAt: new Date(now()) });
      });
      return {
        id: challenge.id,
        type: 'totp' as const,
        expires_at: epochSeconds(challenge.created_at) + challengeSeconds,
      };
    },

    /**
     * POST /factors/:id/verify: a current TOTP code (each code once) or an unused recovery
     * code. Verifies the factor if new, raises the session to aal2, answers a new session.
     */
    async verify(caller: AuthenticatedUser, factorId: string, input: { challenge_id: string; code: string }) {
      const throttleKey = `mfa:${factorId}`;
      const outcome = await db.asSystem(async (tx) => {
        const session = await activeSession(tx, caller);
        const factor = await mfa.findFactorForUpdate(tx, factorId, caller.id);
        if (!factor) throw goTrue.mfaFactorNotFound();
        const challenge = await mfa.findChallengeForUpdate(tx, input.challenge_id, factorId);
        if (!challenge || challenge.verified_at !== null) throw goTrue.mfaChallengeNotFound();
        if (epochSeconds(challenge.created_at) + challengeSeconds < now() / 1000)
          throw goTrue.mfaChallengeExpired(challenge.id);
        const waitMs = await throttle.reserve(tx, throttleKey);
        if (waitMs > 0) return { kind: 'held_back' as const, waitMs };

        let method: 'totp' | 'recovery_code' | undefined;
        const step = matchingStep(factor.secret, input.code.trim(), now());
        if (step !== null && (factor.last_used_step === null || step > Number(factor.last_used_step))) {
          method = 'totp';
          await mfa.markFactorUsed(tx, factor.id, step);
        } else if (factor.status === 'verified' && looksLikeRecoveryCode(input.code)) {
          // Recovery codes stand in for a verified factor only (they cannot verify a new one).
          if (await mfa.spendRecoveryCode(tx, caller.id, sha256Hex(normaliseRecoveryCode(input.code))))
            method = 'recovery_code';
        }
        if (method === undefined) return { kind: 'wrong' as const };

        await throttle.clear(tx, throttleKey);
        await mfa.markChallengeVerified(tx, challenge.id);
        await mfa.raiseSession(tx, session.sessionId, method);
        const refreshToken = newRefreshToken();
        await repo.insertRefreshToken(tx, {
          hashHex: sha256Hex(refreshToken),
          ownerId: caller.id,
          sessionId: session.sessionId,
          parentId: null,
        });
        const user = await repo.findUserById(tx, caller.id);
        if (!user) throw goTrue.userNotFound();
        const factors = await mfa.listFactors(tx, caller.id);
        return { kind: 'verified' as const, method, user, factors, refreshToken, session };
      });
      // Outside the transaction: a failed attempt's count must be kept, not rolled back.
      if (outcome.kind === 'held_back') throw goTrue.signInHeldBack(Math.ceil(outcome.waitMs / 1000));
      if (outcome.kind === 'wrong') throw goTrue.mfaVerificationFailed();
      if (outcome.method === 'recovery_code') deps.logger.info({ userId: caller.id }, 'recovery code used');
      return issueSession(tokens, outcome.user, outcome.factors, outcome.refreshToken, {
        id: outcome.session.sessionId,
        authenticatedAt: epochSeconds(outcome.session.createdAt),
        method: outcome.session.method,
        aal2: { method: outcome.method, timestamp: Math.floor(now() / 1000) },
      });
    },

    /**
     * DELETE /factors/:id. A verified factor needs an aal2 session (else a stolen password
     * alone could remove it). With no verified factor left, sessions drop to aal1 and the
     * recovery codes go.
     */
    async unenroll(caller: AuthenticatedUser, factorId: string) {
      await db.asSystem(async (tx) => {
        const session = await activeSession(tx, caller);
        const factor = await mfa.findFactorForUpdate(tx, factorId, caller.id);
        if (!factor) throw goTrue.mfaFactorNotFound();
        if (factor.status === 'verified' && session.aal !== 'aal2')
          throw goTrue.insufficientAal('unenroll verified factor');
        await mfa.deleteFactor(tx, factorId);
        const left = await mfa.listFactors(tx, caller.id);
        if (!left.some((f) => f.status === 'verified')) {
          await mfa.lowerSessions(tx, caller.id);
          await mfa.deleteRecoveryCodes(tx, caller.id);
        }
      });
      return { id: factorId };
    },

    /** GET /factors (Made Open): the caller's factors and how many recovery codes are unused. */
    async list(caller: AuthenticatedUser) {
      return db.asSystem(async (tx) => {
        const session = await activeSession(tx, caller);
        const factors = await mfa.listFactors(tx, caller.id);
        return {
          factors: factors.map(toFactorJson),
          aal: session.aal,
          recovery_codes_left: await mfa.unusedRecoveryCodes(tx, caller.id),
        };
      });
    },

    /**
     * POST /factors/recovery_codes (Made Open): ten new one-use codes, shown this once;
     * earlier ones stop working. Needs an aal2 session.
     */
    async newRecoveryCodes(caller: AuthenticatedUser) {
      const codes = Array.from({ length: recoveryCodeCount }, newRecoveryCode);
      await db.asSystem(async (tx) => {
        const session = await activeSession(tx, caller);
        if (session.aal !== 'aal2') throw goTrue.insufficientAal('create recovery codes');
        await mfa.replaceRecoveryCodes(
          tx,
          caller.id,
          codes.map((code) => sha256Hex(normaliseRecoveryCode(code))),
        );
      });
      return { codes };
    },
  };
}
