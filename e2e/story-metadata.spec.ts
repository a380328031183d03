// What search engines, social platforms and printers read from the built site: JSON-LD, social cards, the share
// image, breadcrumbs, headings in order, the print stylesheet.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { htmlFiles, listFiles } from './build-helpers.ts';

const DIST = path.resolve('dist');
// A story with its own image, tags, a source, and links in its body.
const STORY = '/news/cop30-opens-belem-amazon/';
const SLUG = 'cop30-opens-belem-amazon';

/** The JSON-LD objects of the page open in the browser, parsed. */
async function jsonLd(page: Page): Promise<Record<string, unknown>[]> {
  const texts = await page.locator('script[type="application/ld+json"]').allTextContents();
  return texts.map((t) => JSON.parse(t) as Record<string, unknown>);
}

/** The width and height in a JPEG's frame header (SOF0–SOF15, but not DHT, JPG or DAC). */
function jpegSize(bytes: Buffer): { width: number; height: number } {
  expect([...bytes.subarray(0, 2)]).toEqual([0xff, 0xd8]);
  for (let i = 2; i + 9 < bytes.length;) {
    expect(bytes[i]).toBe(0xff);
    const marker = bytes[i + 1] ?? 0;
    const length = bytes.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker))
      return { height: bytes.readUInt16BE(i + 5), width: bytes.readUInt16BE(i + 7) };
    i += 2 + length;
  }
  throw new Error('no frame header in the JPEG');
}

test("a story's NewsArticle and BreadcrumbList JSON-LD parse and hold the fields", async ({ page }) => {
  await page.goto(STORY);
  const [article, crumbs, ...rest] = await jsonLd(page);
  expect(rest).toEqual([]);
  const origin = new URL(String(article?.['url'])).origin;
  const headline = await page.locator('h1').textContent();
  expect(article).toMatchObject({
    '@context': 'https://schema.org',
    '@type': 'NewsArticle',
    headline,
    description: await page.locator('.dek').textContent(),
    datePublished: await page.locator('.times time').first().getAttribute('datetime'),
    articleSection: 'Climate',
    mainEntityOfPage: { '@type': 'WebPage', '@id': `${origin}${STORY}` },
    publisher: { name: 'Newsdesk', logo: { url: `${origin}/logo.png`, width: 600, height: 60 } },
  });
  expect(String(article?.['dateModified'])).toMatch(/^\d{4}-\d\d-\d\dT/);
  const authors = article?.['author'] as { name: string; url: string }[];
  expect(authors.length).toBeGreaterThan(0);
  for (const a of authors) expect(a.url).toMatch(new RegExp(`^${origin}/authors/[a-z0-9-]+/$`));
  const keywords = article?.['keywords'] as string[];
  expect(keywords).toEqual(await page.locator('.story-tags a').allTextContents());
  const [image] = article?.['image'] as { url: string; width: number; height: number }[];
  expect(image).toEqual({ '@type': 'ImageObject', url: `${origin}/share/${SLUG}.jpg`, width: 1200, height: 630 });
  expect(crumbs).toMatchObject({
    '@type': 'BreadcrumbList',
    itemListElement: [
      { position: 1, name: 'Home', item: `${origin}/` },
      { position: 2, name: 'Climate', item: `${origin}/section/climate/` },
      { position: 3, name: headline, item: `${origin}${STORY}` },
    ],
  });
  // The logo it names is a real PNG of that size.
  const logo = readFileSync(path.join(DIST, 'logo.png'));
  expect(logo.subarray(1, 4).toString()).toBe('PNG');
  expect([logo.readUInt32BE(16), logo.readUInt32BE(20)]).toEqual([600, 60]);
});

test('every story has a 1200×630 JPEG share image, and its og:image and twitter:image point to it', async ({
  page,
  request,
}) => {
  const stories = htmlFiles(DIST).filter(({ file }) => file.startsWith('news/'));
  expect(stories.length).toBeGreaterThan(50);
  for (const { file, html } of stories) {
    const slug = file.split('/')[1] ?? '';
    const og = /<meta property="og:image" content="([^"]+)"/.exec(html)?.[1];
    expect(og, file).toMatch(new RegExp(`/share/${slug}\\.jpg$`));
    expect(jpegSize(readFileSync(path.join(DIST, 'share', `${slug}.jpg`))), file).toEqual({ width: 1200, height: 630 });
  }
  // The demo's stories are fewer than the newest NEWS_SHARE_CARD_STORIES: each has its own card (share-policy.ts).
  const files = listFiles(path.join(DIST, 'share'));
  expect(files.filter((f) => !f.startsWith('sections/')).length).toBe(stories.length);
  // And each section with stories has its card, the share image of its stories once they are older.
  const sections = files.filter((f) => f.startsWith('sections/'));
  expect(sections).toContain('sections/climate.jpg');
  for (const file of sections)
    expect(jpegSize(readFileSync(path.join(DIST, 'share', file))), file).toEqual({ width: 1200, height: 630 });

  await page.goto(STORY);
  const meta = async (attr: 'property' | 'name', key: string) =>
    page.locator(`meta[${attr}="${key}"]`).getAttribute('content');
  const og = new URL((await meta('property', 'og:image')) ?? '');
  expect(og.pathname).toBe(`/share/${SLUG}.jpg`);
  expect(await meta('name', 'twitter:image')).toBe(og.href);
  expect(await meta('name', 'twitter:card')).toBe('summary_large_image');
  expect(await meta('property', 'og:image:width')).toBe('1200');
  expect(await meta('property', 'og:image:height')).toBe('630');
  expect(await meta('property', 'og:type')).toBe('article');
  expect(await meta('property', 'og:locale')).toBe('en_US');
  expect(await meta('property', 'og:site_name')).toBe('Newsdesk');
  expect(await meta('property', 'og:url')).toMatch(new RegExp(`${STORY}$`));
  expect(await meta('property', 'article:published_time')).toMatch(/^\d{4}-\d\d-\d\dT/);
  expect(await meta('property', 'article:modified_time')).toMatch(/^\d{4}-\d\d-\d\dT/);
  expect(await meta('property', 'article:section')).toBe('Climate');
  expect(await page.locator('meta[property="article:tag"]').count()).toBeGreaterThan(0);
  // Served as a JPEG.
  const response = await request.get(og.pathname);
  expect(response.headers()['content-type']).toBe('image/jpeg');
  expect(jpegSize(await response.body())).toEqual({ width: 1200, height: 630 });
});

test('section, tag and author pages carry visible breadcrumbs and a matching BreadcrumbList', async ({ page }) => {
  for (const [url, names] of [
    ['/section/world/', ['Home', 'World']],
    ['/tags/ukraine/', ['Home', 'Tags', 'Ukraine']],
    ['/authors/jane-park/', ['Home', 'Jane Park']],
  ] as const) {
    await page.goto(url);
    const visible = await page.locator('nav.breadcrumbs li').allTextContents();
    expect(
      visible.map((t) => t.trim()),
      url,
    ).toEqual(names);
    await expect(page.locator('nav.breadcrumbs [aria-current="page"]')).toHaveAttribute('href', url);
    const [crumbs] = await jsonLd(page);
    expect(
      (crumbs?.['itemListElement'] as { name: string }[]).map((c) => c.name),
      url,
    ).toEqual(names);
  }
});

test('headings never skip a level on any page', () => {
  const skips: string[] = [];
  for (const { file, html } of htmlFiles(DIST)) {
    const levels = [...html.matchAll(/<h([1-6])\b/g)].map((m) => Number(m[1]));
    if (levels[0] !== 1) skips.push(`${file}: starts at h${levels[0]}`);
    levels.forEach((level, i) => {
      if (i > 0 && level > (levels[i - 1] ?? 0) + 1) skips.push(`${file}: h${levels[i - 1]} then h${level}`);
    });
  }
  expect(skips).toEqual([]);
});

test('a story shows its reading time and plain share links, and prints without navigation', async ({ page }, info) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(STORY);
  await expect(page.locator('.reading-time')).toHaveText(/· \d+ min read/);
  const share = page.getByRole('navigation', { name: 'Share this story' });
  const hrefs = await share.getByRole('link').evaluateAll((links) => links.map((l) => l.getAttribute('href') ?? ''));
  expect(hrefs.map((h) => h.split(/[?:]/)[0])).toEqual(['https', 'https', 'https', 'mailto']);
  expect(hrefs.every((h) => h.includes(encodeURIComponent('/news/cop30-opens-belem-amazon/')))).toBe(true);
  await page.screenshot({ path: info.outputPath('story-light.png'), fullPage: true });

  await page.emulateMedia({ media: 'print' });
  for (const hidden of ['.site-header', '.site-footer', '.similar', '.share-links', '.breadcrumbs'])
    await expect(page.locator(hidden).first(), hidden).toBeHidden();
  await expect(page.locator('h1')).toBeVisible();
  // A link in the body prints the address it leads to.
  const after = await page
    .locator('.story-body a[href^="http"]')
    .first()
    .evaluate((a) => getComputedStyle(a, '::after').content);
  expect(after).toContain('http');
  await page.screenshot({ path: info.outputPath('story-print.png'), fullPage: true });
});
