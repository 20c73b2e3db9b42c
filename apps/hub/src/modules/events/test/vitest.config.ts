import { defineConfig } from 'vitest/config';

// Runs only the events and audit tests, without the hub-wide global setup (which builds every
// module's template): `CI=true npx vitest run --config src/modules/events/test/vitest.config.ts`.
export default defineConfig({
  test: {
    root: new URL('../../../..', import.meta.url).pathname,
    include: ['src/modules/events/**/*.test.ts', 'src/modules/audit/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
