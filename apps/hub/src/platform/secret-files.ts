import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OperatorError } from './errors.ts';

/**
 * Reads a generated secret from DATA_DIR, creating it with mode 0600 on first run.
 * There is never a default secret: a fresh install gets its own random one.
 */
export function loadOrCreateSecretFile(dataDir: string, name: string, bytes = 32): string {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, name);
  try {
    const mode = statSync(path).mode & 0o777;
    if (mode & 0o077) chmodSync(path, 0o600);
    const value = readFileSync(path, 'utf8').trim();
    if (value.length < 32)
      throw new OperatorError(`${path} is too short to be a secret: delete it to generate a new one.`);
    return value;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const value = randomBytes(bytes).toString('base64url');
  // wx: two processes starting at once must not overwrite each other's secret.
  try {
    writeFileSync(path, `${value}\n`, { mode: 0o600, flag: 'wx' });
    return value;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(path, 'utf8').trim();
    throw error;
  }
}
