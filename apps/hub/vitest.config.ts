import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    // Room for a loaded machine (CI shares two cores); a hung test still fails.
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
