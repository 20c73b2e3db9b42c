import { z } from 'zod';
import { nestsDeeperThan } from '../../platform/http/json-body-check.ts';
import { maximumPasswordLength } from './auth.passwords.ts';

/**
 * Wire shapes of the GoTrue-compatible subset at /auth/v1: what @supabase/supabase-js
 * (auth-js) sends and parses. Unknown body fields (gotrue_meta_security, code_challenge,
 * ...) are accepted and ignored, as GoTrue does for features the hub does not have.
 */

const metadata = z.record(z.string(), z.unknown());

/** Deep enough for any real profile; metadata travels in every access token. */
export const maxMetadataDepth = 32;

/** user_metadata and app_metadata as callers send them: free-form, but of bounded depth. */
export const metadataInput = metadata.refine((value) => !nestsDeeperThan(value, maxMetadataDepth), {
  message: `Metadata may nest at most ${maxMetadataDepth} levels deep: flatten it.`,
});

export const signupBodySchema = z.object({
  email: z.string().max(255).describe('Email address; compared case-insensitively.'),
  password: z.string().max(maximumPasswordLength).describe('At least 8 characters.'),
  data: metadataInput.nullish().describe('Initial user_metadata.'),
});
export type SignupBody = z.infer<typeof signupBodySchema>;

export const tokenQuerySchema = z.object({
  grant_type: z.string().max(40).optional().describe('password or refresh_token'),
});

export const tokenBodySchema = z.object({
  email: z.string().max(255).optional().describe('grant_type=password'),
  password: z.string().max(maximumPasswordLength).optional().describe('grant_type=password'),
  refresh_token: z
    .string()
    .max(200)
    .optional()
    .describe('grant_type=refresh_token: single use, rotated on every refresh'),
});
export type TokenBody = z.infer<typeof tokenBodySchema>;

export const updateUserBodySchema = z.object({
  email: z.string().max(255).optional(),
  password: z.string().max(maximumPasswordLength).optional(),
  current_password: z
    .string()
    .max(maximumPasswordLength)
    .optional()
    .describe('Required with `password`: the password the account has now.'),
  data: metadataInput.nullish().describe('Merged into user_metadata; a null value removes that key.'),
});
export type UpdateUserBody = z.infer<typeof updateUserBodySchema>;

export const redirectQuerySchema = z.object({
  redirect_to: z
    .string()
    .max(2048)
    .optional()
    .describe("Where a mailed link sends the browser: the hub's origin or one in CORS_ORIGINS, else the hub."),
});

export const logoutQuerySchema = z.object({
  scope: z
    .enum(['global', 'local', 'others'])
    .default('global')
    .describe('global: every session of the user; local: this one; others: all but this one'),
});

const identitySchema = z.object({
  identity_id: z.string(),
  id: z.string(),
  user_id: z.string(),
  identity_data: metadata,
  provider: z.string(),
  email: z.string().optional(),
  last_sign_in_at: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});

export const factorSchema = z.object({
  id: z.string(),
  friendly_name: z.string(),
  factor_type: z.literal('totp'),
  status: z.enum(['unverified', 'verified']),
  created_at: z.string(),
  updated_at: z.string(),
});

export const userSchema = z.object({
  id: z.string(),
  aud: z.string(),
  role: z.string(),
  email: z.string(),
  email_confirmed_at: z.string().nullable(),
  phone: z.string(),
  confirmed_at: z.string().nullable(),
  last_sign_in_at: z.string().nullable(),
  app_metadata: metadata,
  user_metadata: metadata,
  identities: z.array(identitySchema),
  created_at: z.string(),
  updated_at: z.string(),
  is_anonymous: z.boolean(),
  factors: z.array(factorSchema).optional().describe('Second factors; absent when the user has none.'),
});
export type UserJson = z.infer<typeof userSchema>;

export const sessionSchema = z.object({
  access_token: z.string(),
  token_type: z.literal('bearer'),
  expires_in: z.number().int(),
  expires_at: z.number().int(),
  refresh_token: z.string(),
  user: userSchema,
});
export type SessionJson = z.infer<typeof sessionSchema>;

export const goTrueErrorSchema = z
  .object({
    code: z.union([z.number(), z.string()]),
    error_code: z.string().optional(),
    msg: z.string().optional(),
    message: z.string().optional(),
    weak_password: z.object({ reasons: z.array(z.string()) }).optional(),
  })
  .describe(
    "GoTrue's error shape, which supabase-js parses: with `X-Supabase-Api-Version: 2024-01-01` it is `{ code: <error code>, message }`, otherwise `{ code: <status>, error_code, msg }`. weak_password errors add `weak_password.reasons`. (The /api/v1 shape `{ error: { code, message } }` does not apply under /auth/v1.)",
  );

export const errorResponses = {
  400: goTrueErrorSchema,
  401: goTrueErrorSchema,
  403: goTrueErrorSchema,
  404: goTrueErrorSchema,
  422: goTrueErrorSchema,
  429: goTrueErrorSchema,
} as const;

export const settingsSchema = z.object({
  external: z.record(z.string(), z.boolean()),
  disable_signup: z.boolean(),
  mailer_autoconfirm: z.boolean(),
  phone_autoconfirm: z.boolean(),
  sms_provider: z.string(),
  saml_enabled: z.boolean(),
  anonymous_users: z.boolean(),
});

export const healthSchema = z.object({
  version: z.string(),
  name: z.string(),
  description: z.string(),
});
