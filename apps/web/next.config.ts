import type { NextConfig } from 'next';

const config: NextConfig = {
  // @made-open/shared ships TypeScript source.
  transpilePackages: ['@made-open/shared'],
  poweredByHeader: false,
  reactStrictMode: true,
  typedRoutes: false,
  turbopack: { root: new URL('../..', import.meta.url).pathname },
};

export default config;
