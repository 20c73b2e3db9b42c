import type { AccountSettings, AccountSettingsUpdate } from '@made-open/shared/settings-api';
import { countryCodeSchema, type CountryCode } from '@made-open/shared';
import type { Database, Sql } from '../../platform/db/index.ts';
import { ForbiddenError } from '../../platform/errors.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import type { SettingsRepository } from './auth.settings.repository.ts';

export interface SettingsServiceDeps {
  db: Pick<Database, 'asUser' | 'asSystem'>;
  repository: SettingsRepository;
}

/**
 * Account settings (/api/v1/settings): the default region for phone numbers, read by the
 * graph when it parses a number written without a country code, and, for the hub's owner,
 * whether sign-up is open. Everything runs under the caller's RLS.
 */
export function createSettingsService(deps: SettingsServiceDeps) {
  const { db, repository: repo } = deps;

  async function read(tx: Sql, userId: string): Promise<AccountSettings> {
    const [defaultRegion, hub] = await Promise.all([repo.defaultRegion(tx, userId), repo.hubSettings(tx)]);
    return { defaultRegion, hubOwner: hub !== undefined, signUpOpen: hub?.sign_up_open ?? null };
  }

  return {
    async get(user: Pick<AuthenticatedUser, 'id' | 'claims'>): Promise<AccountSettings> {
      return db.asUser(user.claims, (tx) => read(tx, user.id));
    },

    /** One transaction: a refused part (sign-up by a non-owner) changes nothing. */
    async update(
      user: Pick<AuthenticatedUser, 'id' | 'claims'>,
      input: AccountSettingsUpdate,
    ): Promise<AccountSettings> {
      return db.asUser(user.claims, async (tx) => {
        if (input.defaultRegion !== undefined) await repo.saveDefaultRegion(tx, user.id, input.defaultRegion);
        if (input.signUpOpen !== undefined && !(await repo.saveSignUpOpen(tx, input.signUpOpen))) {
          throw new ForbiddenError(
            "Only the hub's owner (its first account) can open or close sign-up.",
            'not_hub_owner',
          );
        }
        return read(tx, user.id);
      });
    },

    /**
     * The caller's default region, in their own transaction (for the graph). A value the
     * metadata no longer knows reads as none rather than failing every parse.
     */
    async defaultRegionOf(tx: Sql, userId: string): Promise<CountryCode | undefined> {
      const stored = await repo.defaultRegion(tx, userId);
      const parsed = stored === null ? undefined : countryCodeSchema.safeParse(stored);
      return parsed?.success ? parsed.data : undefined;
    },

    /** For GET /auth/v1/settings (anyone may ask, as GoTrue allows). */
    async signUpOpen(): Promise<boolean> {
      return db.asSystem(async (tx) => (await repo.hubSettings(tx))?.sign_up_open ?? true);
    },
  };
}

export type SettingsService = ReturnType<typeof createSettingsService>;
