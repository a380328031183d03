// Runs the browser tests: checks for a Chromium, builds the demo site into dist/, then runs Playwright.
import { spawnSync } from 'node:child_process';
import { chromiumPath, hasChromium } from '../e2e/chromium.ts';

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
const run = (cmd: string, args: string[]) =>
  spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ASTRO_TELEMETRY_DISABLED: '1' } }).status ?? 1;
let status = run(process.execPath, ['scripts/build.ts']);
if (status === 0) status = run('playwright', ['test', ...process.argv.slice(2)]);
process.exitCode = status;
