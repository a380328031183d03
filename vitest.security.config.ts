import { defineConfig } from 'vitest/config';

// The security suite: each test attacks a real process (the lake, the rebuild service, a build) the way an outsider
// would, and asserts the fixed behaviour: the status code, the time bound, the file that must not exist.
export default defineConfig({
  test: {
    // Builds in the tests are for local servers: SITE_URL says so, as a production build (CI=true) requires.
    env: { SITE_URL: process.env['SITE_URL'] || 'http://localhost:4321' },
    include: ['test/security/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Timing assertions (a trivial request answers while a hostile one runs) need the machine's cores to themselves.
    fileParallelism: false,
  },
});
