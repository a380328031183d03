import { defineConfig } from '@playwright/test';
import { chromiumUse } from '../chromium.ts';

// The editors' journey in the real Sanity Studio against the lake: `npx playwright test --config e2e/studio/playwright.config.ts`.
// The spec's worker fixture starts the newsroom (lake over HTTPS/HTTP/2 seeded from content/, the Studio built once
// and cached in .sanity/dist) on free ports in a temporary data folder.
export default defineConfig({
  testDir: '.',
  outputDir: '../../test-results/studio',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  // A first run builds the Studio (~30 s) inside the worker fixture, whose own timeout covers it.
  timeout: 180_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    // The lake's certificate is self-signed (localhost and *.localhost).
    ignoreHTTPSErrors: true,
    viewport: { width: 1400, height: 1000 },
    ...chromiumUse,
  },
});
