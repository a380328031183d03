import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';

// Accessibility: axe finds no violation, of any impact, on each page type, in light and dark mode.
for (const colorScheme of ['light', 'dark'] as const) {
  test(`pages have no accessibility violations (${colorScheme})`, async ({ page }) => {
    await page.emulateMedia({ colorScheme });
    for (const path of [
      '/',
      '/news/us-drafted-28-point-plan-ukraine-war/',
      // A story with a raster image (a <picture>), and one with its comment notice shown (the URL's target).
      '/news/hurricane-melissa-jamaica-landfall/',
      '/news/us-china-trade-truce-busan/#comment-received',
      '/tags/',
      '/tags/ukraine/',
      '/section/world/',
      '/authors/jane-park/',
      '/404.html',
      '/search/?q=government&section=US+Politics',
    ]) {
      await page.goto(path);
      // The search page's results and tag filter come from its script.
      if (path.startsWith('/search/')) await page.locator('.search-result').first().waitFor();
      const { violations } = await new AxeBuilder({ page }).analyze();
      expect(violations.map((v) => `${path}: ${v.id} (${v.impact ?? '?'}, ${v.nodes.length}) ${v.help}`)).toEqual([]);
    }
  });
}
