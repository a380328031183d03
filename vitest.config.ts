import { defineConfig } from 'vitest/config';

// Unit and integration tests live in test/; the Playwright specs in e2e/ run through `npm run test:e2e`.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
