import { existsSync } from 'node:fs';

/** The Chromium the browser tests drive: `CHROMIUM_PATH`, else Debian's `/usr/bin/chromium`. */
export function chromiumPath(): string {
  return process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
}

/** Whether that Chromium exists; the e2e runner refuses to start (never skips) without it. */
export function hasChromium(): boolean {
  return existsSync(chromiumPath());
}
