import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { OperatorError } from '../../platform/errors.ts';

/**
 * The hub's asymmetric signing key for access tokens (ES256, P-256; ADR 0022). Generated on
 * first start into DATA_DIR/auth-signing-key.jwk (0600, like auth-jwt-secret): instances
 * that share a DATA_DIR share it. Its public half is served at /auth/v1/.well-known/jwks.json
 * so supabase-js getClaims() verifies tokens locally.
 */
export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The public JWK as GoTrue publishes it (kid, alg, use, key_ops). */
  publicJwk: JWK;
}

const fileName = 'auth-signing-key.jwk';

function fromPrivateJwk(jwk: JsonWebKey & { kid?: string }, path: string): SigningKey {
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.d !== 'string' || typeof jwk.kid !== 'string') {
    throw new OperatorError(`${path} is not a P-256 private JWK with a kid: delete it to generate a new one.`);
  }
  const privateKey = createPrivateKey({ key: jwk, format: 'jwk' });
  const publicKey = createPublicKey(privateKey);
  const { x, y } = publicKey.export({ format: 'jwk' });
  return {
    kid: jwk.kid,
    privateKey,
    publicKey,
    publicJwk: { kty: 'EC', crv: 'P-256', x, y, kid: jwk.kid, alg: 'ES256', use: 'sig', key_ops: ['verify'] },
  };
}

/** RFC 7638 thumbprint of a P-256 public key: its members in lexicographic order, SHA-256, base64url. */
function thumbprint(x: string, y: string): string {
  return createHash('sha256')
    .update(JSON.stringify({ crv: 'P-256', kty: 'EC', x, y }))
    .digest('base64url');
}

/** Synchronous: the module has its key as soon as it exists (as with the HMAC secret). */
export function loadOrCreateSigningKey(dataDir: string): SigningKey {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, fileName);
  try {
    if (statSync(path).mode & 0o077) chmodSync(path, 0o600);
    return fromPrivateJwk(JSON.parse(readFileSync(path, 'utf8')) as JsonWebKey & { kid?: string }, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      if (error instanceof OperatorError) throw error;
      throw new OperatorError(`${path} cannot be read as a signing key: delete it to generate a new one.`);
    }
  }
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' });
  const kid = thumbprint(jwk.x!, jwk.y!);
  try {
    // wx: two processes starting at once must not overwrite each other's key.
    writeFileSync(path, `${JSON.stringify({ ...jwk, kid })}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateSigningKey(dataDir);
    throw error;
  }
  return fromPrivateJwk({ ...jwk, kid }, path);
}
