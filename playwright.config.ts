import { defineConfig } from '@playwright/test';
import { chromiumUse } from './e2e/chromium.ts';

const PORT = Number(process.env['E2E_PORT'] ?? 4411);

// Real Chromium (Debian's) against the built site in dist/, served by `astro preview`. `npm run test:e2e` builds first.
export default defineConfig({
  testDir: 'e2e',
  // The rebuild service and the Studio have their own configs (they start services): npm run test:rebuild / test:studio-e2e.
  testIgnore: ['rebuild/**', 'studio/**'],
  outputDir: 'test-results',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  reporter: process.env['CI'] ? [['list']] : [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    ...chromiumUse,
  },
  webServer: {
    command: `node scripts/static.ts dist --port ${PORT}`,
    url: `http://127.0.0.1:${PORT}/`,
    reuseExistingServer: false,
    timeout: 60_000,
  },
});
