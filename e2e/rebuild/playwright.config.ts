import { defineConfig } from '@playwright/test';
import { chromiumUse } from '../chromium.ts';

// The rebuild service end to end: each worker starts a lake, imports content/ and runs `node scripts/serve.ts`
// (see fixtures.ts), so no webServer here. One worker: the specs share that service and its build queue.
// The builds and the service are for local servers: SITE_URL says so, as a production build (CI=true) requires.
process.env['SITE_URL'] ||= 'http://localhost:4321';

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  outputDir: '../../test-results/rebuild',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 120_000,
  reporter: [['list']],
  use: chromiumUse,
});
