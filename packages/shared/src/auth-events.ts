import { z } from 'zod';
import { defineEvent } from './events.ts';

/**
 * Auth events. They carry who and what happened, never a password, hash or token.
 * Subject: the user's id (UserSignedUp, PasswordChanged, EmailChanged) or the session's id
 * (SessionRevoked). ownerId is always the user.
 */
export const userSignedUp = defineEvent(
  'auth.UserSignedUp',
  1,
  z.object({
    userId: z.string().uuid(),
    email: z.string(),
    provider: z.literal('email'),
  }),
);

export const passwordChanged = defineEvent(
  'auth.PasswordChanged',
  1,
  z.object({
    userId: z.string().uuid(),
    /** The session the change was made from; it stays signed in. */
    sessionId: z.string().uuid().nullable(),
    /** How many of the user's other sessions the change signed out. */
    otherSessionsRevoked: z.number().int().min(0),
  }),
);

export const emailChanged = defineEvent(
  'auth.EmailChanged',
  1,
  z.object({
    userId: z.string().uuid(),
    email: z.string(),
  }),
);

export const sessionRevoked = defineEvent(
  'auth.SessionRevoked',
  1,
  z.object({
    userId: z.string().uuid(),
    sessionId: z.string().uuid(),
    reason: z.enum(['logout', 'refresh_token_reuse', 'password_changed']),
  }),
);

export const authEvents = [userSignedUp, passwordChanged, emailChanged, sessionRevoked] as const;
