import base from '../playwright.config';
import { defineConfig } from '@playwright/test';

// `pnpm bench`: the Lighthouse benchmark, run by e2e/run.mjs against the same hub + production
// build the end-to-end suite uses. Not a test: it prints figures and fails only if Lighthouse does.
export default defineConfig({
  ...base,
  testDir: '.',
  testMatch: 'lighthouse.bench.ts',
  timeout: 30 * 60_000,
  outputDir: '../test-results/bench',
});
