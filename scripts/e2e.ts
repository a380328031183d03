// Runs the browser tests: checks for a Chromium, builds the demo site into dist/, then runs Playwright.
import { spawnSync } from 'node:child_process';
import { chromiumPath, hasChromium } from '../e2e/chromium.ts';
import { E2E_SITE_URL } from '../e2e/build-helpers.ts';

if (process.argv.includes('--help')) {
  console.log(
    'Usage: npm run test:e2e [-- <playwright args>]\nBuilds dist/ from content/ and runs the Playwright specs in e2e/ with Chromium at $CHROMIUM_PATH (default /usr/bin/chromium).',
  );
  process.exit(0);
}
if (!hasChromium()) {
  console.error(
    `No Chromium at ${chromiumPath()}: the browser tests need one and will not be skipped.\n` +
      "Install Debian's: sudo apt-get update && sudo apt-get install -y chromium\n" +
      "or point CHROMIUM_PATH at another Chromium binary. (Playwright's own browser download cannot work on these machines.)",
  );
  process.exit(1);
}
// The site's origin in its canonical links, feeds and sitemaps: set, as a production build (CI) requires, to a
// name that is not this machine's, so that the specs can tell absolute links from the server's own.
const env = { ...process.env, ASTRO_TELEMETRY_DISABLED: '1', SITE_URL: process.env['SITE_URL'] || E2E_SITE_URL };
const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: 'inherit', env }).status ?? 1;
let status = run(process.execPath, ['scripts/build.ts']);
if (status === 0) status = run('playwright', ['test', ...process.argv.slice(2)]);
process.exitCode = status;
