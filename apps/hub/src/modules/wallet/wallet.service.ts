import { hintsOf, providerRegistry, type SecretValues } from '@made-open/shared/providers';
import { uuidv7 } from 'uuidv7';
import type { Database, Sql } from '../../platform/db/index.ts';
import { NotFoundError, ValidationError } from '../../platform/errors.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import type { Logger } from '../../platform/logger.ts';
import type { EventOutbox } from '../events/index.ts';
import { capabilityViews, enabledNames, type Connections } from './wallet.capabilities.ts';
import { openSecret, rewrapKey, sealSecret, type Kek, type KeyRing, type SealedSecret } from './wallet.crypto.ts';
import type { ProviderTester } from './wallet.providers.ts';
import { assertNoSecretInPublicFields, cleanPublicFields, withoutSecrets } from './wallet.public.ts';
import type { CredentialRow, WalletRepository } from './wallet.repository.ts';
import type { CredentialInput, CredentialType, CredentialView, TestResult } from './wallet.schemas.ts';

export interface WalletServiceDeps {
  db: Database;
  repository: WalletRepository;
  outbox: EventOutbox;
  keyRing: () => KeyRing;
  testProvider: ProviderTester;
  /** Which connections the owner has configured (connectors): capabilities that need one wait for it. */
  connections: Connections;
  logger: Logger;
}

/** A decrypted credential, for the plugin runtime only. Never serialised to a response. */
export interface UnsealedCredential {
  id: string;
  ownerId: string;
  type: CredentialType;
  name: string;
  secret: SecretValues;
}

/** What changed a credential's capabilities: the wallet's own changes, or a connection's (connectors). */
type CapabilityChange = 'added' | 'removed' | 'replaced' | 'tested' | 'connected' | 'disconnected';

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
    lastTestMessage: row.last_test_message,
  };
}

/** The registered provider, or a 400 that lists the ones there are. */
function providerOf(type: string) {
  const provider = providerRegistry.get(type);
  if (!provider)
    throw new ValidationError(
      `There is no credential type "${type}". Use one of: ${providerRegistry.ids().join(', ')}.`,
    );
  return provider;
}

export function createWalletService(deps: WalletServiceDeps) {
  const { db, repository: repo, outbox } = deps;

  async function capabilitiesIn(tx: Sql, ownerId: string) {
    return capabilityViews(await repo.testStates(tx, ownerId), await deps.connections.connectionsFor(tx, ownerId));
  }

  /** capability.Changed when the owner's capability set differs from before the change. */
  async function emitCapabilityChange(
    tx: Sql,
    ownerId: string,
    before: Set<string>,
    actorId: string,
    cause: {
      credentialId: string;
      type: CredentialType;
      name: string;
      change: CapabilityChange;
    },
  ) {
    const views = await capabilitiesIn(tx, ownerId);
    const after = enabledNames(views);
    const added = [...after].filter((c) => !before.has(c));
    const removed = [...before].filter((c) => !after.has(c));
    if (added.length === 0 && removed.length === 0) return;
    await outbox.append(tx, {
      type: 'capability.Changed',
      ownerId,
      subject: ownerId,
      actor: { kind: 'user', id: actorId },
      data: { enabled: [...after], added, removed, cause },
    });
  }

  function sealFor(ownerId: string, id: string, input: CredentialInput) {
    const provider = providerOf(input.type);
    // The routes have parsed it already; direct callers get the same rules.
    const secret = provider.secret.parse(input.secret);
    assertNoSecretInPublicFields(provider, secret);
    const sealed = sealSecret(deps.keyRing(), ownerId, id, secret);
    return {
      id,
      ownerId,
      type: input.type,
      name: input.name,
      hints: hintsOf(provider, secret),
      fields: Object.keys(secret),
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
        const before = enabledNames(await capabilitiesIn(tx, user.id));
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
        const before = enabledNames(await capabilitiesIn(tx, user.id));
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
        const before = enabledNames(await capabilitiesIn(tx, user.id));
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

    /** Asks the provider; keeps the result and reason with the credential until the next test. */
    async test(user: AuthenticatedUser, id: string): Promise<TestResult> {
      const row = await db.asUser(user.claims, (tx) => repo.get(tx, user.id, id));
      if (!row) throw new NotFoundError('credential');
      const provider = providerOf(row.type);
      if ('unavailable' in provider.test) throw new ValidationError(provider.test.unavailable);
      const secret = provider.secret.parse(openSecret(deps.keyRing(), row.owner_id, row.id, toSealed(row)));
      const result = await deps.testProvider(row.type, secret);
      await db.asUser(user.claims, async (tx) => {
        const before = enabledNames(await capabilitiesIn(tx, user.id));
        // Recorded only for the secret that was tested: a replace meanwhile cleared the result.
        const tested = await repo.recordTest(tx, user.id, id, row.ciphertext, result);
        if (!tested) return;
        const cause = { credentialId: id, type: row.type, name: tested.name, change: 'tested' as const };
        await emitCapabilityChange(tx, user.id, before, user.id, cause);
      });
      deps.logger.info({ credentialId: id, type: row.type, ok: result.ok }, 'credential tested');
      return result;
    },

    /**
     * For the connectors: call before a change to the owner's connections inside `tx`, then
     * `emit(cause)` after it: capability.Changed is appended when the enabled set differs.
     */
    async watchCapabilities(tx: Sql, ownerId: string, actorId: string) {
      const before = enabledNames(await capabilitiesIn(tx, ownerId));
      return {
        emit: (cause: { credentialId: string; type: CredentialType; name: string; change: CapabilityChange }) =>
          emitCapabilityChange(tx, ownerId, before, actorId, cause),
      };
    },

    async capabilities(user: AuthenticatedUser) {
      return { capabilities: await db.asUser(user.claims, (tx) => capabilitiesIn(tx, user.id)) };
    },

    /**
     * For the plugin runtime (system work): the owner's credential, decrypted. The caller
     * has already checked that the plugin declared it and the user granted it.
     */
    async unseal(ownerId: string, id: string): Promise<UnsealedCredential | undefined> {
      const row = await db.asSystem((tx) => repo.get(tx, ownerId, id));
      if (!row) return undefined;
      const opened = openSecret(deps.keyRing(), row.owner_id, row.id, toSealed(row)) as SecretValues;
      // Public fields reach plugins in clear (plugins.service load()); a row stored before
      // they were checked gives out its public fields without the secret. A provider no
      // longer registered has no public fields to give.
      const provider = providerRegistry.get(row.type);
      const { secret, cleaned } = provider ? cleanPublicFields(provider, opened) : { secret: opened, cleaned: [] };
      if (cleaned.length > 0) {
        deps.logger.warn(
          { credentialId: row.id, type: row.type, fields: cleaned },
          'credential has a secret in a public field; withheld from plugins: replace the credential',
        );
      }
      return { id: row.id, ownerId: row.owner_id, type: row.type, name: row.name, secret };
    },

    /**
     * For the connectors (system work): adds secret fields a connector created at the provider
     * (Twilio's API Key) to the owner's credential, sealed like the rest. Fields already there
     * are kept (a concurrent connect wins once); the test result stands. Returns the secret.
     */
    async addSecretFields(ownerId: string, id: string, fields: SecretValues): Promise<SecretValues | undefined> {
      return db.asSystem(async (tx) => {
        const row = await repo.lock(tx, ownerId, id);
        if (!row) return undefined;
        const opened = openSecret(deps.keyRing(), row.owner_id, row.id, toSealed(row)) as SecretValues;
        const missing = Object.entries(fields).filter(([name]) => opened[name] === undefined);
        if (missing.length === 0) return opened;
        const merged = { ...opened, ...Object.fromEntries(missing) };
        const sealed = sealFor(ownerId, id, { type: row.type, name: row.name, secret: merged } as CredentialInput);
        await repo.reseal(tx, sealed);
        return merged;
      });
    },

    /**
     * For connectors: seals a value they must keep (Microsoft's tokens) under the wallet's
     * keys, bound to its owner and the caller's own row id (a connection), like a secret.
     */
    seal(ownerId: string, id: string, value: unknown): SealedSecret {
      return sealSecret(deps.keyRing(), ownerId, id, value);
    },

    /** Opens what seal() sealed for this owner and id; a moved or altered value throws. */
    open(ownerId: string, id: string, sealed: SealedSecret): unknown {
      return openSecret(deps.keyRing(), ownerId, id, sealed);
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
