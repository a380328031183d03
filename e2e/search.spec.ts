import { expect, test, type Page } from '@playwright/test';

// Search (src/pages/search/, public/search.js, the Pagefind index in /pagefind/ written by the build from the site
// model: src/lib/site/search-index.ts), on the demo site in content/.

const STORY = {
  title: 'CDC vaccine advisers vote to end universal hepatitis B shot at birth',
  url: '/news/acip-hepatitis-b-birth-dose-vote/',
  dek: 'The panel, whose members were replaced this year by Health Secretary Robert F. Kennedy Jr., recommended individual decisions for infants of mothers who test negative.',
  section: 'Health',
  publishedAt: '2025-12-05T20:30:00.000Z',
  date: 'Dec 5, 2025',
};

/** Collects console errors, uncaught exceptions and CSP reports of a page. */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

/** The number the status line gives ("12 stories found…"). */
async function found(page: Page): Promise<number> {
  const status = page.locator('#search-status');
  await expect(status).toHaveText(/found|No stories/);
  const match = /^(\d+)/.exec((await status.textContent()) ?? '');
  return match ? Number(match[1]) : 0;
}

test('the header search box leads to results with headline, dek, section and date', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/');
  await page.getByRole('searchbox', { name: 'Search stories' }).fill('hepatitis birth dose');
  await page.getByRole('search').getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/\/search\/\?q=hepatitis\+birth\+dose$/);
  await expect(page.getByRole('searchbox', { name: 'Words to find' })).toHaveValue('hepatitis birth dose');
  const result = page.locator('.search-result').first();
  await expect(result.getByRole('heading', { level: 2 })).toHaveText(STORY.title);
  await expect(result.getByRole('link', { name: STORY.title })).toHaveAttribute('href', STORY.url);
  await expect(result.locator('.dek')).toHaveText(STORY.dek);
  await expect(result.locator('.kicker')).toHaveText(STORY.section);
  await expect(result.locator('time')).toHaveAttribute('datetime', STORY.publishedAt);
  await expect(result.locator('time')).toHaveText(STORY.date);
  await expect(result.locator('.search-excerpt mark').first()).toBeVisible();
  expect(await found(page)).toBeGreaterThan(0);
  await expect(page.locator('#search-status')).toContainText('for “hepatitis birth dose”');
  await expect(page.locator('#search-nojs')).toBeHidden();
  await result.getByRole('link', { name: STORY.title }).click();
  await expect(page).toHaveURL(STORY.url);
  await expect(page.locator('h1')).toHaveText(STORY.title);
  expect(errors).toEqual([]);
});

test('section and tag filters narrow the results, and the URL keeps them', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/search/?q=government');
  const all = await found(page);
  expect(all).toBeGreaterThan(2);

  await page.getByRole('group', { name: 'Section' }).getByRole('checkbox', { name: 'US Politics' }).check();
  await expect(page).toHaveURL(/section=US\+Politics/);
  await expect(page.locator('#search-status')).not.toHaveText(`${all} stories found for “government”.`);
  const inSection = await found(page);
  expect(inSection).toBeGreaterThan(0);
  expect(inSection).toBeLessThan(all);
  await expect(page.locator('.search-result .kicker')).toHaveText(Array(Math.min(inSection, 20)).fill('US Politics'));

  // The tag filter lists the tags of these results, with their counts; one that not all of them have narrows them.
  const tags = page.getByRole('group', { name: 'Tag' });
  await expect(tags).toBeVisible();
  const counts = await tags
    .locator('label')
    .evaluateAll((labels) =>
      labels.map((l) => [l.querySelector('input')?.value, l.querySelector('.count')?.textContent]),
    );
  const choice = counts.find(([, count]) => Number(/\d+/.exec(count ?? '')?.[0]) < inSection);
  const tagName = choice?.[0] ?? '';
  const tagCount = choice?.[1];
  expect(tagName, JSON.stringify(counts)).not.toBe('');
  const tag = tags.getByRole('checkbox', { name: tagName, exact: false });
  await tag.check();
  await expect(page).toHaveURL(new RegExp(`tag=${encodeURIComponent(tagName).replace(/%20/g, '\\+')}`));
  await expect(page.locator('#search-status')).not.toHaveText(`${inSection} stories found for “government”.`);
  const inTag = await found(page);
  expect(`(${inTag})`).toBe(tagCount);
  expect(inTag).toBeLessThan(inSection);
  // For the closing note of issue 13.
  await page.screenshot({ path: test.info().outputPath('search-results.png'), fullPage: true });

  // Reloading the URL gives the same results, the filters checked.
  await page.reload();
  expect(await found(page)).toBe(inTag);
  await expect(page.getByRole('checkbox', { name: 'US Politics' })).toBeChecked();
  await expect(page.getByRole('group', { name: 'Tag' }).getByRole('checkbox', { name: tagName })).toBeChecked();
  expect(errors).toEqual([]);
});

test('a section filter alone lists that section newest first', async ({ page }) => {
  await page.goto('/search/?section=Health');
  const n = await found(page);
  expect(n).toBeGreaterThan(1);
  await expect(page.locator('.search-result')).toHaveCount(Math.min(n, 20));
  const dates = await page
    .locator('.search-result time')
    .evaluateAll((els) => els.map((e) => e.getAttribute('datetime')));
  expect(dates).toEqual([...dates].sort().reverse());
  await expect(page.locator('.search-result .kicker').first()).toHaveText('Health');
});

test('one search goes through every part of the index (a year each): newest first, counted and ranked over both', async ({
  page,
}) => {
  const errors = watchErrors(page);
  const parts = new Set<string>();
  page.on('request', (request) => {
    const part = /^\/pagefind\/([^/]+)\//.exec(new URL(request.url()).pathname)?.[1];
    if (part) parts.add(part);
  });
  // A tag alone: its stories of 2026 and of 2025, newest first, and the tag's count over both parts.
  await page.goto('/search/?tag=Vaccines');
  expect(await found(page)).toBe(4);
  await expect(page.locator('.search-result')).toHaveCount(4);
  const dates = await page
    .locator('.search-result time')
    .evaluateAll((els) => els.map((e) => e.getAttribute('datetime') ?? ''));
  expect(dates).toEqual([...dates].sort().reverse());
  expect(dates.map((d) => d.slice(0, 4))).toEqual(['2026', '2025', '2025', '2025']);
  await expect(page.locator('#search-tag-list label:has(input[value="Vaccines"]) .count')).toHaveText('(4)');
  expect([...parts].sort()).toEqual(['2025', '2026']);
  // A text search finds the stories of both years, ranked together.
  await page.goto('/search/?q=vaccines');
  const hits = await found(page);
  expect(hits).toBeGreaterThanOrEqual(4);
  await expect(page.locator('.search-result')).toHaveCount(Math.min(hits, 20));
  const years = await page
    .locator('.search-result time')
    .evaluateAll((els) => els.map((e) => e.getAttribute('datetime')?.slice(0, 4)));
  expect(new Set(years)).toEqual(new Set(['2025', '2026']));
  expect(errors).toEqual([]);
});

test('a search that finds nothing says so', async ({ page }) => {
  await page.goto('/search/?q=zzzqqqxxyy');
  await expect(page.locator('#search-status')).toHaveText('No stories found for “zzzqqqxxyy”.');
  await expect(page.locator('.search-result')).toHaveCount(0);
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });
  test('the search page says search needs JavaScript and offers the sections and the tag index', async ({ page }) => {
    await page.goto('/');
    await page.getByRole('searchbox', { name: 'Search stories' }).fill('hepatitis');
    await page.getByRole('search').getByRole('button', { name: 'Search' }).click();
    await expect(page).toHaveURL(/\/search\/\?q=hepatitis$/);
    await expect(page.locator('#search-nojs')).toContainText('Search needs JavaScript');
    await expect(page.locator('#search-nojs').getByRole('link', { name: 'Every tag, A to Z' })).toHaveAttribute(
      'href',
      '/tags/',
    );
    await expect(page.locator('#search-nojs').getByRole('link', { name: 'Health' })).toHaveAttribute(
      'href',
      '/section/health/',
    );
  });
});

test('the search page alone may run scripts: its own and WebAssembly, fetching only from the site', async ({
  page,
  request,
}) => {
  const search = (await request.get('/search/')).headers()['content-security-policy'] ?? '';
  expect(search).toContain("script-src 'self' 'wasm-unsafe-eval'");
  expect(search).toContain("connect-src 'self'");
  expect(search).not.toContain('unsafe-inline');
  for (const path of ['/', STORY.url, '/tags/', '/no-such-page/'])
    expect((await request.get(path)).headers()['content-security-policy'], path).not.toContain('script-src');
  const html = await (await request.get('/search/')).text();
  expect(html.match(/<script\b[^>]*>/g)).toEqual(['<script type="module" src="/search.js">']);
  await page.goto('/');
  expect(await page.locator('script').count()).toBe(0);
});
