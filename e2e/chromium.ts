import type { PlaywrightTestConfig } from '@playwright/test';
import { existsSync } from 'node:fs';

/** The Chromium the browser tests drive: `CHROMIUM_PATH`, else Debian's `/usr/bin/chromium`. */
export function chromiumPath(): string {
  return process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
}

/** Whether that Chromium exists; the e2e runner refuses to start (never skips) without it. */
export function hasChromium(): boolean {
  return existsSync(chromiumPath());
}

/** What every browser test's config uses: that Chromium, headless and quiet (no network of its own), traces kept. */
export const chromiumUse: NonNullable<PlaywrightTestConfig['use']> = {
  launchOptions: {
    executablePath: chromiumPath(),
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  },
  trace: 'retain-on-failure',
  screenshot: 'only-on-failure',
};
