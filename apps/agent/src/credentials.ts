import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/** What pairing leaves on disk: the only copy of the device token outside the hub (which keeps a hash). */
export const credentialsSchema = z.object({
  hubUrl: z.string().url(),
  deviceId: z.string().uuid(),
  token: z.string().min(16),
  pairedAt: z.string(),
});
export type Credentials = z.infer<typeof credentialsSchema>;

export const credentialsPath = (dir: string) => join(dir, 'credentials.json');

/** The agent's folder is private to its user (0700). */
export function ensurePrivateDir(dir: string) {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/** Written to a 0600 temporary file, synced, then renamed over the old one: never world-readable, never half-written. */
export function saveCredentials(dir: string, credentials: Credentials) {
  ensurePrivateDir(dir);
  const target = credentialsPath(dir);
  const temporary = `${target}.${process.pid}.tmp`;
  const fd = openSync(temporary, 'w', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(credentials, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, target);
}

export class CredentialsError extends Error {}

/** Refuses a file others can read, as ssh does with a private key. */
export function loadCredentials(dir: string): Credentials {
  const path = credentialsPath(dir);
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch {
    throw new CredentialsError(`Not paired yet (no ${path}): run \`made-open-agent pair <code> --hub <url>\` first.`);
  }
  if ((mode & 0o077) !== 0) {
    throw new CredentialsError(
      `${path} can be read by other users (mode ${(mode & 0o777).toString(8)}): run \`chmod 600 ${path}\`, or pair again.`,
    );
  }
  const parsed = credentialsSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new CredentialsError(`${path} is damaged: pair again.`);
  return parsed.data;
}
