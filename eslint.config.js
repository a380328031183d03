// ESLint (flat config): typescript-eslint's type-checked recommended rules for the TypeScript, eslint-plugin-astro's
// recommended rules for the templates. Formatting is Prettier's (.prettierrc.json), not ESLint's.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import astro from 'eslint-plugin-astro';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig([
  // The same files as .prettierignore: output, generated files, data, and the benchmark kit.
  globalIgnores([
    'dist/',
    '.astro/',
    '.lake/',
    '.sanity/',
    'tmp/',
    '.site/',
    'test-results/',
    'playwright-report/',
    'schemas/schema.json',
    'src/lib/sources/sanity/sanity.types.ts',
    'content/',
    'test/fixtures/',
    'e2e/fixtures/',
    'bench/',
    'public/',
  ]),
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    rules: {
      // A leading underscore marks a binding kept on purpose, mostly a property left out of a rest: `{ _rev, ...rest }`.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // Playwright fixtures that use no other fixture must still destructure their first parameter: `async ({}, use)`.
      'no-empty-pattern': ['error', { allowObjectPatternsAsParameters: true }],
      // Some async functions await nothing on purpose: they implement an interface whose other implementations do.
      '@typescript-eslint/require-await': 'off',
      // Values read from requests and documents are `unknown`, narrowed at most to `{}`; error messages quote them
      // with String() on purpose (a wrong type shows as what it is, never throws).
      '@typescript-eslint/no-base-to-string': 'off',
    },
  },
  // Tests read JSON answers (`await res.json()`) into typed variables and let the assertions check them.
  { files: ['test/**', 'e2e/**'], rules: { '@typescript-eslint/no-unsafe-assignment': 'off' } },
  astro.configs.recommended,
  // Templates: their frontmatter is type-checked by `astro check`, not by typescript-eslint's project service.
  { files: ['**/*.astro', '**/*.js', '**/*.mjs'], extends: [tseslint.configs.disableTypeChecked] },
]);
