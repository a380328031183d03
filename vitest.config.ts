import { configDefaults, defineConfig } from 'vitest/config';

// Unit and integration tests live in test/; the Playwright specs in e2e/ run through `npm run test:e2e`.
// The security suite (test/security/, attacks on real processes) runs on its own: `npm run test:security`.
export default defineConfig({
  test: {
    // Builds in the tests are for local servers: SITE_URL says so, as a production build (CI=true) requires.
    env: { SITE_URL: process.env['SITE_URL'] || 'http://localhost:4321' },
    include: ['test/**/*.test.ts'],
    exclude: [...configDefaults.exclude, 'test/security/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // `npx vitest run --coverage`: line and branch coverage of the library and the rebuild service (tmp/coverage).
    coverage: {
      provider: 'v8',
      include: ['src/lib/**/*.ts', 'rebuild/**/*.ts'],
      exclude: ['src/lib/sources/sanity/sanity.types.ts', 'e2e/**'],
      reporter: ['text-summary', 'json-summary', 'html'],
      reportsDirectory: 'tmp/coverage',
    },
  },
});
