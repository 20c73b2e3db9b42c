#!/usr/bin/env node
// Runs turbo with `pnpm` guaranteed on PATH. Turbo calls `pnpm run <task>` in each
// package; when pnpm itself was started through `npx -y pnpm@...` (the README's way,
// since corepack is broken on some machines) it may not be on PATH, so we put a shim
// pointing at the running pnpm in front.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', NEXT_TELEMETRY_DISABLED: '1' };
const pnpmScript = process.env.npm_execpath;
if (pnpmScript && /pnpm/.test(pnpmScript)) {
  const shimDir = mkdtempSync(join(tmpdir(), 'made-open-pnpm-'));
  const shim = join(shimDir, 'pnpm');
  writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${pnpmScript}" "$@"\n`);
  chmodSync(shim, 0o755);
  env.PATH = `${shimDir}:${env.PATH ?? ''}`;
}
const turbo = resolve(import.meta.dirname, '../node_modules/.bin/turbo');
const result = spawnSync(turbo, process.argv.slice(2), { stdio: 'inherit', env });
process.exit(result.status ?? 1);
