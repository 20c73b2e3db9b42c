import type { NextConfig } from 'next';

const config: NextConfig = {
  // @made-open/shared ships TypeScript source.
  transpilePackages: ['@made-open/shared'],
  poweredByHeader: false,
  reactStrictMode: true,
  // `pnpm typecheck` (tsc --noEmit) checks types; skipping it here saves ~30 s per build on 2 cores.
  typescript: { ignoreBuildErrors: true },
  turbopack: { root: new URL('../..', import.meta.url).pathname },
};

export default config;
