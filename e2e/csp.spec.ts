import { expect, test } from '@playwright/test';

// The site is served with a strict Content-Security-Policy (src/lib/server/static-files.ts): no script, no inline style,
// images from the site and https. Every page type must render under it with no violation.
const PAGES = [
  '/',
  '/news/us-drafted-28-point-plan-ukraine-war/',
  '/section/world/',
  '/tags/',
  '/tags/ukraine/',
  '/authors/jane-park/',
  '/no-such-page/',
  '/search/?q=government',
];

for (const url of PAGES) {
  test(`${url} renders under the CSP without a violation`, async ({ page }) => {
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    const response = await page.goto(url);
    expect(response?.headers()['content-security-policy'], 'the policy is served').toContain("default-src 'none'");
    // Lazy images load once scrolled to.
    await page.evaluate(async () => {
      for (const img of document.images) img.loading = 'eager';
      await Promise.all([...document.images].map((img) => img.decode().catch(() => undefined)));
    });
    const state = await page.evaluate(() => ({
      sheets: [...document.styleSheets].map((s) => s.cssRules.length),
      broken: [...document.images].filter((img) => img.naturalWidth === 0).map((img) => img.currentSrc || img.src),
    }));
    expect(state.sheets.length, 'the stylesheet loaded').toBeGreaterThan(0);
    expect(Math.min(...state.sheets)).toBeGreaterThan(0);
    expect(state.broken, 'every image loaded').toEqual([]);
    expect(violations).toEqual([]);
  });
}
