import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OperatorError } from '../../platform/errors.ts';
import { loadOrCreateSecretFile } from '../../platform/secret-files.ts';

/**
 * Envelope encryption (ADR 0008 §wallet): each secret is sealed with AES-256-GCM under
 * its own random data key; the data key is wrapped (AES-256-GCM) by the key-encryption
 * key (KEK). Both layers use AAD that binds the ciphertext to its owner and credential id,
 * so a row copied to another owner or id does not decrypt.
 */
export interface Kek {
  /** Fingerprint stored beside each wrapped key: which KEK wrapped it. Not secret. */
  id: string;
  key: Buffer;
}

export interface KeyRing {
  current: Kek;
  /** Any KEK this ring holds (current, or the other side of an interrupted rotation). */
  find(id: string): Kek | undefined;
}

export const masterKeyFile = 'wallet-master-key';
export const nextMasterKeyFile = 'wallet-master-key.next';

/** Derives a KEK from master-key text (base64 or base64url of at least 32 random bytes). */
export function kekFromMasterKey(text: string): Kek {
  const raw = Buffer.from(text.trim(), 'base64');
  if (raw.length < 32)
    throw new OperatorError('The wallet master key must be at least 32 random bytes, base64-encoded.');
  const key = Buffer.from(hkdfSync('sha256', raw, 'made-open-wallet', 'kek-v1', 32));
  const id = createHash('sha256').update('made-open-wallet-kek-id').update(key).digest('hex').slice(0, 16);
  return { id, key };
}

export function createKeyRing(current: Kek, others: readonly Kek[] = []): KeyRing {
  const all = new Map([current, ...others].map((k) => [k.id, k]));
  return { current, find: (id) => all.get(id) };
}

/**
 * MADE_OPEN_MASTER_KEY when set; otherwise DATA_DIR/wallet-master-key, generated with
 * mode 0600 on first run. A leftover `.next` file (a rotation interrupted after its
 * commit) is loaded too, so rows wrapped by either key stay readable.
 */
export function loadKeyRing(options: { masterKey: string | undefined; dataDir: string }): KeyRing {
  if (options.masterKey) return createKeyRing(kekFromMasterKey(options.masterKey));
  const current = kekFromMasterKey(loadOrCreateSecretFile(options.dataDir, masterKeyFile));
  const nextPath = join(options.dataDir, nextMasterKeyFile);
  const others = existsSync(nextPath) ? [kekFromMasterKey(readFileSync(nextPath, 'utf8'))] : [];
  return createKeyRing(current, others);
}

export function aadFor(ownerId: string, credentialId: string, layer: 'data' | 'dek'): Buffer {
  return Buffer.from(`made-open/wallet/v1|${layer}|${ownerId}|${credentialId}`, 'utf8');
}

/** iv (12) | tag (16) | ciphertext, base64. */
function gcmSeal(key: Buffer, aad: Buffer, plaintext: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

function gcmOpen(key: Buffer, aad: Buffer, sealed: string): Buffer {
  const bytes = Buffer.from(sealed, 'base64');
  if (bytes.length < 29) throw new WalletIntegrityError();
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
  decipher.setAAD(aad);
  decipher.setAuthTag(bytes.subarray(12, 28));
  try {
    return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]);
  } catch {
    throw new WalletIntegrityError();
  }
}

/** A stored secret that fails authentication: tampered, moved, or the wrong master key. */
export class WalletIntegrityError extends OperatorError {
  constructor() {
    super(
      'A stored credential could not be decrypted: the wallet master key does not match, or the row was altered.',
      'wallet_integrity',
    );
  }
}

export interface SealedSecret {
  ciphertext: string;
  wrappedKey: string;
  kekId: string;
}

export function sealSecret(ring: KeyRing, ownerId: string, credentialId: string, secret: unknown): SealedSecret {
  const dataKey = randomBytes(32);
  try {
    const ciphertext = gcmSeal(
      dataKey,
      aadFor(ownerId, credentialId, 'data'),
      Buffer.from(JSON.stringify(secret), 'utf8'),
    );
    const wrappedKey = gcmSeal(ring.current.key, aadFor(ownerId, credentialId, 'dek'), dataKey);
    return { ciphertext, wrappedKey, kekId: ring.current.id };
  } finally {
    dataKey.fill(0);
  }
}

export function openSecret(ring: KeyRing, ownerId: string, credentialId: string, sealed: SealedSecret): unknown {
  const kek = ring.find(sealed.kekId);
  if (!kek) throw new WalletIntegrityError();
  const dataKey = gcmOpen(kek.key, aadFor(ownerId, credentialId, 'dek'), sealed.wrappedKey);
  try {
    return JSON.parse(gcmOpen(dataKey, aadFor(ownerId, credentialId, 'data'), sealed.ciphertext).toString('utf8'));
  } finally {
    dataKey.fill(0);
  }
}

/** Re-wraps a data key under another KEK; the secret's ciphertext is untouched. */
export function rewrapKey(
  from: KeyRing,
  to: Kek,
  ownerId: string,
  credentialId: string,
  sealed: SealedSecret,
): SealedSecret {
  const kek = from.find(sealed.kekId);
  if (!kek) throw new WalletIntegrityError();
  const aad = aadFor(ownerId, credentialId, 'dek');
  const dataKey = gcmOpen(kek.key, aad, sealed.wrappedKey);
  try {
    return { ciphertext: sealed.ciphertext, wrappedKey: gcmSeal(to.key, aad, dataKey), kekId: to.id };
  } finally {
    dataKey.fill(0);
  }
}
