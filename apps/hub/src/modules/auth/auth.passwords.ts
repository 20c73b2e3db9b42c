import { hash, parseOptions, verify, type Algorithm } from '@node-rs/argon2';

/**
 * argon2id at OWASP's recommended floor or stronger (m=19456 KiB, t=2, p=1): ~20-40 ms per
 * hash on this kind of machine, off the event loop (libuv threads).
 */
export const argon2Parameters = {
  // @node-rs/argon2's Algorithm is a const enum, which isolatedModules cannot inline.
  algorithm: 2 as Algorithm, // Argon2id
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

/** argon2 accepts any length; capping it keeps one request from costing much more than another. */
export const maximumPasswordLength = 1024;

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** False for a mismatch and for a hash in a format the hub does not verify (e.g. bcrypt). */
  verify(encoded: string, password: string): Promise<boolean>;
  /**
   * Spends the same time as a verify that fails, for an account that does not exist, so
   * response times do not tell whether an email is registered.
   */
  verifyDummy(password: string): Promise<void>;
  /** True when the stored hash is weaker than the current parameters. */
  needsRehash(encoded: string): boolean;
}

export function createPasswordHasher(): PasswordHasher {
  // Hashed once, up front, so the first unknown-email sign-in is not slower than the rest.
  const dummy = hash('made-open dummy password for unknown accounts', argon2Parameters);
  return {
    hash: (password) => hash(password, argon2Parameters),
    async verify(encoded, password) {
      if (!encoded.startsWith('$argon2')) return false;
      try {
        return await verify(encoded, password);
      } catch {
        return false;
      }
    },
    async verifyDummy(password) {
      await verify(await dummy, password).catch(() => false);
    },
    needsRehash(encoded) {
      try {
        const options = parseOptions(encoded);
        return (
          options.algorithm !== argon2Parameters.algorithm ||
          options.memoryCost < argon2Parameters.memoryCost ||
          options.timeCost < argon2Parameters.timeCost
        );
      } catch {
        return true;
      }
    },
  };
}
