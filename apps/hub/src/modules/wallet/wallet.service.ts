import { uuidv7 } from 'uuidv7';
import type { Database, Sql } from '../../platform/db/index.ts';
import { NotFoundError, ValidationError } from '../../platform/errors.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import type { Logger } from '../../platform/logger.ts';
import type { EventOutbox } from '../events/index.ts';
import { openSecret, rewrapKey, sealSecret, type Kek, type KeyRing } from './wallet.crypto.ts';
import type { ProviderTester } from './wallet.providers.ts';
import { assertNoSecretInPublicFields, cleanPublicFields, withoutSecrets } from './wallet.public.ts';
import type { CredentialRow, WalletRepository } from './wallet.repository.ts';
import {
  allCapabilities,
  capabilitiesByType,
  hintsOf,
  secretSchemas,
  type CapabilityName,
  type CredentialInput,
  type CredentialSecret,
  type CredentialType,
  type CredentialView,
  type TestResult,
} from './wallet.schemas.ts';

export interface WalletServiceDeps {
  db: Database;
  repository: WalletRepository;
  outbox: EventOutbox;
  keyRing: () => KeyRing;
  testProvider: ProviderTester;
  logger: Logger;
}

/** A decrypted credential, for the plugin runtime only. Never serialised to a response. */
export interface UnsealedCredential<T extends CredentialType = CredentialType> {
  id: string;
  ownerId: string;
  type: T;
  name: string;
  secret: CredentialSecret<T>;
}

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

/** Hints are masked at write time; withoutSecrets guards rows written by older versions. */
function toView(row: CredentialRow): CredentialView {
  return {
    id: row.id,
    type: row.type,
    name: row.name,
    hints: Object.fromEntries(Object.entries(row.hints).map(([key, value]) => [key, withoutSecrets(value)])),
    fields: row.fields,
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
    lastTestedAt: iso(row.last_tested_at),
    lastTestOk: row.last_test_ok,
  };
}

export function capabilitiesOf(types: Iterable<CredentialType>): Set<CapabilityName> {
  const set = new Set<CapabilityName>();
  for (const type of types) for (const capability of capabilitiesByType[type]) set.add(capability);
  return set;
}

export function createWalletService(deps: WalletServiceDeps) {
  const { db, repository: repo, outbox } = deps;

  /** capability.Changed when the owner's capability set differs from before the change. */
  async function emitCapabilityChange(
    tx: Sql,
    ownerId: string,
    before: Set<CapabilityName>,
    actorId: string,
    cause: { credentialId: string; type: CredentialType; name: string; change: 'added' | 'removed' | 'replaced' },
  ) {
    const after = capabilitiesOf(await repo.typesOf(tx, ownerId));
    const added = [...after].filter((c) => !before.has(c));
    const removed = [...before].filter((c) => !after.has(c));
    if (added.length === 0 && removed.length === 0) return;
    await outbox.append(tx, {
      type: 'capability.Changed',
      ownerId,
      subject: ownerId,
      actor: { kind: 'user', id: actorId },
      data: { enabled: allCapabilities.filter((c) => after.has(c)), added, removed, cause },
    });
  }

  function sealFor(ownerId: string, id: string, input: CredentialInput) {
    assertNoSecretInPublicFields(input.type, input.secret);
    const sealed = sealSecret(deps.keyRing(), ownerId, id, input.secret);
    return {
      id,
      ownerId,
      type: input.type,
      name: input.name,
      hints: hintsOf(input.type, input.secret as Record<string, unknown>),
      fields: Object.keys(input.secret),
      ciphertext: sealed.ciphertext,
      wrappedKey: sealed.wrappedKey,
      kekId: sealed.kekId,
    };
  }

  return {
    async create(user: AuthenticatedUser, input: CredentialInput): Promise<CredentialView> {
      const id = uuidv7();
      const row = sealFor(user.id, id, input);
      return db.asUser(user.claims, async (tx) => {
        const before = capabilitiesOf(await repo.typesOf(tx, user.id));
        const inserted = await repo.insert(tx, row);
        const ref = { credentialId: id, type: input.type, name: input.name };
        await outbox.append(tx, {
          type: 'wallet.CredentialAdded',
          ownerId: user.id,
          subject: id,
          actor: { kind: 'user', id: user.id },
          data: ref,
        });
        await emitCapabilityChange(tx, user.id, before, user.id, { ...ref, change: 'added' });
        return toView(inserted);
      });
    },

    async list(user: AuthenticatedUser): Promise<CredentialView[]> {
      return db.asUser(user.claims, async (tx) => (await repo.list(tx, user.id)).map(toView));
    },

    async get(user: AuthenticatedUser, id: string): Promise<CredentialView> {
      const row = await db.asUser(user.claims, (tx) => repo.get(tx, user.id, id));
      if (!row) throw new NotFoundError('credential');
      return toView(row);
    },

    async replace(user: AuthenticatedUser, id: string, input: CredentialInput): Promise<CredentialView> {
      const row = sealFor(user.id, id, input);
      return db.asUser(user.claims, async (tx) => {
        const before = capabilitiesOf(await repo.typesOf(tx, user.id));
        const updated = await repo.replace(tx, row);
        if (!updated) throw new NotFoundError('credential');
        const ref = { credentialId: id, type: input.type, name: input.name };
        await outbox.append(tx, {
          type: 'wallet.CredentialReplaced',
          ownerId: user.id,
          subject: id,
          actor: { kind: 'user', id: user.id },
          data: ref,
        });
        await emitCapabilityChange(tx, user.id, before, user.id, { ...ref, change: 'replaced' });
        return toView(updated);
      });
    },

    async remove(user: AuthenticatedUser, id: string): Promise<void> {
      await db.asUser(user.claims, async (tx) => {
        const before = capabilitiesOf(await repo.typesOf(tx, user.id));
        const removed = await repo.delete(tx, user.id, id);
        if (!removed) throw new NotFoundError('credential');
        const ref = { credentialId: id, type: removed.type, name: removed.name };
        await outbox.append(tx, {
          type: 'wallet.CredentialRemoved',
          ownerId: user.id,
          subject: id,
          actor: { kind: 'user', id: user.id },
          data: ref,
        });
        await emitCapabilityChange(tx, user.id, before, user.id, { ...ref, change: 'removed' });
      });
    },

    async test(user: AuthenticatedUser, id: string): Promise<TestResult> {
      const row = await db.asUser(user.claims, (tx) => repo.get(tx, user.id, id));
      if (!row) throw new NotFoundError('credential');
      if (row.type === 'generic') {
        throw new ValidationError(
          'Generic credentials have no provider to test against; a plugin that uses one reports whether it works.',
        );
      }
      const secret = secretSchemas[row.type].parse(
        openSecret(deps.keyRing(), row.owner_id, row.id, toSealed(row)),
      ) as CredentialSecret;
      const result = await deps.testProvider(row.type, secret);
      await db.asUser(user.claims, (tx) => repo.recordTest(tx, user.id, id, result.ok));
      deps.logger.info({ credentialId: id, type: row.type, ok: result.ok }, 'credential tested');
      return result;
    },

    async capabilities(user: AuthenticatedUser) {
      const rows = await db.asUser(user.claims, (tx) => repo.list(tx, user.id));
      return {
        capabilities: allCapabilities.map((name) => {
          const providedBy = [
            ...new Set(rows.filter((r) => capabilitiesByType[r.type].includes(name)).map((r) => r.type)),
          ];
          return { name, enabled: providedBy.length > 0, providedBy };
        }),
      };
    },

    /**
     * For the plugin runtime (system work): the owner's credential, decrypted. The caller
     * has already checked that the plugin declared it and the user granted it.
     */
    async unseal(ownerId: string, id: string): Promise<UnsealedCredential | undefined> {
      const row = await db.asSystem((tx) => repo.get(tx, ownerId, id));
      if (!row) return undefined;
      const opened = openSecret(deps.keyRing(), row.owner_id, row.id, toSealed(row)) as CredentialSecret;
      // Public fields reach plugins in clear (plugins.service load()); a row stored before
      // they were checked gives out its public fields without the secret.
      const { secret, cleaned } = cleanPublicFields(row.type, opened);
      if (cleaned.length > 0) {
        deps.logger.warn(
          { credentialId: row.id, type: row.type, fields: cleaned },
          'credential has a secret in a public field; withheld from plugins: replace the credential',
        );
      }
      return { id: row.id, ownerId: row.owner_id, type: row.type, name: row.name, secret };
    },

    /** Metadata of one owner's credential without decrypting it (system work). */
    async describe(ownerId: string, id: string): Promise<CredentialView | undefined> {
      const row = await db.asSystem((tx) => repo.get(tx, ownerId, id));
      return row ? toView(row) : undefined;
    },

    /**
     * Re-wraps every data key under `next` in one transaction: either every row moves to
     * the new key or none does. Secrets' ciphertexts are unchanged.
     */
    async rotateKey(from: KeyRing, next: Kek): Promise<{ rewrapped: number }> {
      return db.asSystem(async (tx) => {
        const rows = await repo.lockAllKeys(tx);
        const rewrapped = rows.map((row) => {
          const sealed = rewrapKey(from, next, row.owner_id, row.id, {
            ciphertext: row.ciphertext,
            wrappedKey: row.wrapped_key,
            kekId: row.kek_id,
          });
          return { id: row.id, wrappedKey: sealed.wrappedKey, kekId: sealed.kekId };
        });
        await repo.rewrap(tx, rewrapped);
        return { rewrapped: rewrapped.length };
      });
    },
  };
}

function toSealed(row: Pick<CredentialRow, 'ciphertext' | 'wrapped_key' | 'kek_id'>) {
  return { ciphertext: row.ciphertext, wrappedKey: row.wrapped_key, kekId: row.kek_id };
}

export type WalletService = ReturnType<typeof createWalletService>;
