// Whether the web app's production build is older than its sources, so `pnpm start` never
// serves a stale build after the code changed.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const skipped = new Set(['node_modules', '.next', '.turbo', 'test-results', 'playwright-report']);

/** The newest modification time (ms) of any file under these paths; 0 when none exist. */
export function newestChange(paths) {
  let newest = 0;
  const visit = (path) => {
    let stat;
    try {
      stat = statSync(path);
    } catch {
      return;
    }
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path)) if (!skipped.has(entry)) visit(join(path, entry));
    } else if (stat.mtimeMs > newest) newest = stat.mtimeMs;
  };
  for (const path of paths) visit(path);
  return newest;
}

/** What the web build is made from: its own sources and config, and the shared package it bundles. */
export function webSources(root) {
  const web = join(root, 'apps/web');
  return [
    join(web, 'src'),
    join(web, 'public'),
    join(web, 'next.config.ts'),
    join(web, 'postcss.config.mjs'),
    join(web, 'tsconfig.json'),
    join(web, 'package.json'),
    join(root, 'packages/shared/src'),
    join(root, 'packages/shared/package.json'),
    join(root, 'pnpm-lock.yaml'),
  ];
}

/** null when the build is current; otherwise why it must be (re)built. */
export function buildNeeded(root) {
  const buildId = join(root, 'apps/web/.next/BUILD_ID');
  if (!existsSync(buildId)) return 'no build yet';
  const built = statSync(buildId).mtimeMs;
  const changed = newestChange(webSources(root));
  return changed > built ? 'its sources changed since the last build' : null;
}
