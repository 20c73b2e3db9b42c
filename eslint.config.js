// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/.next/**',
      '**/dist/**',
      '**/coverage/**',
      '**/test-results/**',
      '**/playwright-report/**',
      '**/.made-open/**',
      '**/next-env.d.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'Read configuration through Config (platform/config.ts), passed in from the composition root.',
        },
      ],
    },
  },
  {
    // Entry points (the server and its CLI commands), tests, benchmarks and scripts may read the environment.
    files: [
      '**/main.ts',
      '**/reindex.ts',
      '**/rotate-key.ts',
      '**/*.test.ts',
      '**/test/**',
      '**/bench/**',
      'scripts/**',
      '**/*.config.*',
      'apps/web/**',
      'packages/plugin-sdk/bin/**',
    ],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    // Tests poke at hostile and untyped values on purpose.
    files: ['**/*.test.ts', '**/test/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', fetch: 'readonly', setTimeout: 'readonly', URL: 'readonly' },
    },
  },
);
