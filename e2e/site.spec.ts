import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { buildSite, htmlFiles, listFiles, serveDir } from './build-helpers.ts';

const DIST = path.resolve('dist');

test('no internal link or asset in dist/ is broken', () => {
  const pages = htmlFiles(DIST);
  expect(pages.length).toBeGreaterThan(50);
  const broken: string[] = [];
  for (const { file, html } of pages) {
    const ids = new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));
    for (const [, attr, raw] of html.matchAll(/\s(href|src)="([^"]*)"/g)) {
      const value = (raw ?? '').replace(/&amp;/g, '&');
      if (/^(https?:|mailto:)/.test(value) || value === '') continue;
      if (value.startsWith('#')) {
        if (!ids.has(decodeURIComponent(value.slice(1)))) broken.push(`${file}: ${attr}=${value} (no such id)`);
        continue;
      }
      const target = value.split('#')[0]?.split('?')[0] ?? '';
      if (!target.startsWith('/')) {
        broken.push(`${file}: ${attr}=${value} (relative links are not used on this site)`);
        continue;
      }
      const onDisk = path.join(DIST, decodeURIComponent(target), target.endsWith('/') ? 'index.html' : '');
      if (!existsSync(onDisk)) broken.push(`${file}: ${attr}=${value}`);
    }
  }
  expect(broken).toEqual([]);
});

test('pages ship no client JavaScript, but the search page its own script and Pagefind', () => {
  // JSON-LD blocks (structured data, never run) are the only script elements.
  const withScripts = htmlFiles(DIST)
    .filter(({ html }) => /<script\b(?![^>]*\btype="application\/ld\+json")/i.test(html))
    .map(({ file }) => file);
  expect(withScripts).toEqual(['search/index.html']);
  const scripts = listFiles(DIST).filter((f) => f.endsWith('.js'));
  expect(scripts.filter((f) => !f.startsWith('pagefind/'))).toEqual(['search.js']);
});

test('two builds of the same content are byte-identical', () => {
  test.setTimeout(240_000);
  const a = mkdtempSync(path.join(tmpdir(), 'news-build-a-'));
  const b = mkdtempSync(path.join(tmpdir(), 'news-build-b-'));
  try {
    for (const dir of [a, b]) {
      const { status, output } = buildSite(dir, { NEWS_RENDER_CACHE: '0' });
      expect(status, output).toBe(0);
    }
    const files = listFiles(a);
    expect(listFiles(b)).toEqual(files);
    const differing = files.filter((f) => !readFileSync(path.join(a, f)).equals(readFileSync(path.join(b, f))));
    expect(differing).toEqual([]);
  } finally {
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  }
});

test('a story with script, event-handler and javascript: payloads runs nothing', async ({ page }) => {
  test.setTimeout(180_000);
  const out = mkdtempSync(path.join(tmpdir(), 'news-hostile-'));
  const { status, output } = buildSite(out, { CONTENT_DIR: 'e2e/fixtures/hostile' });
  expect(status, output).toBe(0);
  const { url, server } = await serveDir(out);
  try {
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    const pages = ['/news/hostile/', '/tags/security/', '/authors/mallory/', '/tags/', '/'];
    for (const p of pages) {
      const response = await page.goto(url + p);
      expect(response?.status(), p).toBe(200);
      await page.locator('body').hover();
      expect(await page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned), p).toBeUndefined();
      expect(
        await page
          .locator(
            'script:not([type="application/ld+json"]), iframe, object, embed, [onerror], [onload], [onclick], [onmouseover], [style]',
          )
          .count(),
        p,
      ).toBe(0);
      // The forms a page may have are the two the site itself renders: the search box in the header, and the
      // comment form under a story.
      const forms = await page
        .locator('form')
        .evaluateAll(
          (all) =>
            all.filter(
              (f) =>
                !(f.getAttribute('action') === '/comments' && f.closest('section#comments')) &&
                !(f.getAttribute('action') === '/search/' && f.closest('header')),
            ).length,
        );
      expect(forms, p).toBe(0);
      expect(await page.locator('a[href^="javascript:" i]').count(), p).toBe(0);
    }
    await page.goto(`${url}/news/hostile/`);
    // Clicking the would-be javascript: links does nothing either.
    for (const link of await page.locator('.story-body a').all())
      await link.click({ noWaitAfter: true }).catch(() => {});
    expect(await page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned)).toBeUndefined();
    expect(dialogs).toEqual([]);
    // The payloads are shown as text where they were text (title), not dropped silently.
    await expect(page.locator('h1')).toContainText('<script>');
    // The story's JSON-LD holds the same text, escaped so that it could not end its script element.
    const [article] = await page.locator('script[type="application/ld+json"]').allTextContents();
    expect(article).not.toMatch(/[<>]/);
    expect((JSON.parse(article ?? '') as { headline?: string }).headline).toBe(await page.locator('h1').textContent());
    // Search shows the same story's fields from the index as text, and runs nothing either.
    await page.goto(`${url}/search/?q=hostile`);
    const result = page.locator('.search-result').first();
    await expect(result.locator('h2')).toContainText("<script>window.__pwned = 'title'</script>");
    await expect(result.locator('.dek')).toContainText('<img src=x onerror=');
    await page.getByRole('checkbox', { name: '<b onmouseover=alert(1)>x</b>' }).hover();
    expect(await page.locator('.search-results').locator('script, img, b, [onerror], [onmouseover]').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned)).toBeUndefined();
  } finally {
    server.close();
    rmSync(out, { recursive: true, force: true });
  }
});
