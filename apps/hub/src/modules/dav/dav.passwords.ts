import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { uuidv7 } from 'uuidv7';
import { z } from 'zod';
import type { Database } from '../../platform/db/index.ts';
import { NotFoundError } from '../../platform/errors.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';

/**
 * App passwords (issue 18 §4): one per phone or program, used with the account's email
 * over HTTP Basic for CardDAV/CalDAV only. 24 random characters in groups of four (typed
 * on a phone); the hub keeps the sha256 and the last four characters.
 */

export const appPasswordSchema = z.object({
  id: z.string().uuid(),
  name: z.string(),
  hint: z.string(),
  status: z.enum(['active', 'revoked']),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export type AppPassword = z.infer<typeof appPasswordSchema>;
export const appPasswordCreateSchema = z.strictObject({ name: z.string().trim().min(1).max(100) });

type AppPasswordRow = {
  id: string;
  name: string;
  hint: string;
  created_at: Date | string;
  last_used_at: Date | string | null;
  revoked_at: Date | string | null;
};

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());
const toAppPassword = (row: AppPasswordRow): AppPassword => ({
  id: row.id,
  name: row.name,
  hint: row.hint,
  status: row.revoked_at ? 'revoked' : 'active',
  createdAt: iso(row.created_at)!,
  lastUsedAt: iso(row.last_used_at),
  revokedAt: iso(row.revoked_at),
});

const columns = 'id, name, hint, created_at, last_used_at, revoked_at';
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
/** Letters and digits without look-alikes (no 0/O, 1/l/I). */
const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';

function newSecret(): string {
  const bytes = randomBytes(24);
  let secret = '';
  for (let i = 0; i < 24; i += 1) secret += alphabet[bytes[i]! % alphabet.length];
  return secret.match(/.{4}/g)!.join('-');
}

/** Spaces and dashes do not matter when a password is typed back. */
const normalize = (password: string) => password.toLowerCase().replace(/[\s-]/g, '');

/** Whom a DAV request acts for. */
export interface DavPrincipal {
  id: string;
  email: string;
  claims: AuthenticatedUser['claims'];
}

export function createAppPasswords(deps: { db: Database }) {
  const { db } = deps;
  return {
    async list(user: AuthenticatedUser): Promise<AppPassword[]> {
      const { rows } = await db.queryAsUser<AppPasswordRow>(
        user.claims,
        `SELECT ${columns} FROM made_open.dav_app_passwords ORDER BY created_at DESC, id`,
      );
      return rows.map(toAppPassword);
    },

    /** Makes one; the password is in this answer only. */
    async create(user: AuthenticatedUser, name: string): Promise<{ appPassword: AppPassword; password: string }> {
      const password = newSecret();
      const { rows } = await db.queryAsUser<AppPasswordRow>(
        user.claims,
        `INSERT INTO made_open.dav_app_passwords (id, owner_id, name, secret_hash, hint)
         VALUES ($1, $2, $3, $4, $5) RETURNING ${columns}`,
        [uuidv7(), user.id, name, sha256(normalize(password)), password.slice(-4)],
      );
      return { appPassword: toAppPassword(rows[0]!), password };
    },

    async revoke(user: AuthenticatedUser, id: string): Promise<AppPassword> {
      const { rows } = await db.queryAsUser<AppPasswordRow>(
        user.claims,
        `UPDATE made_open.dav_app_passwords SET revoked_at = coalesce(revoked_at, now())
         WHERE id = $1 RETURNING ${columns}`,
        [id],
      );
      if (!rows[0]) throw new NotFoundError('app password');
      return toAppPassword(rows[0]);
    },

    /**
     * The account for an email and app password, or null. The password is looked up by its
     * hash (as the system: the caller is not known yet), then the email must be its owner's.
     */
    async authenticate(email: string, password: string): Promise<DavPrincipal | null> {
      if (password.length > 200 || email.length > 320) return null;
      const hash = sha256(normalize(password));
      const found = await db.asSystem(async (tx) => {
        const { rows } = await tx.query<{ id: string; owner_id: string; email: string; recently: boolean }>(
          `SELECT p.id, p.owner_id, u.email, coalesce(p.last_used_at > now() - interval '1 minute', false) AS recently
             FROM made_open.dav_app_passwords p JOIN auth.users u ON u.id = p.owner_id
            WHERE p.secret_hash = $1 AND p.revoked_at IS NULL`,
          [hash],
        );
        const row = rows[0];
        if (row && !row.recently)
          await tx.query(`UPDATE made_open.dav_app_passwords SET last_used_at = now() WHERE id = $1`, [row.id]);
        return row;
      });
      if (!found) return null;
      const given = Buffer.from(email.trim().toLowerCase());
      const expected = Buffer.from(found.email.toLowerCase());
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
      return { id: found.owner_id, email: found.email, claims: { role: 'authenticated', sub: found.owner_id } };
    },
  };
}

export type AppPasswords = ReturnType<typeof createAppPasswords>;
