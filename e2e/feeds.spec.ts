// Feeds, sitemaps and robots.txt of the built site (dist/, built by scripts/e2e.ts with SITE_URL set), read as a
// feed reader and a crawler read them: strict XML, the required elements, every named URL served.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test, type APIRequestContext } from '@playwright/test';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { E2E_SITE_URL } from './build-helpers.ts';

const ORIGIN = process.env['SITE_URL'] || E2E_SITE_URL;
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (name) => name === 'item' });

/** GETs a path of the local server: 200, and the text. */
async function get(request: APIRequestContext, pathname: string): Promise<string> {
  const response = await request.get(pathname);
  expect(response.status(), pathname).toBe(200);
  return response.text();
}

/** Parses XML strictly: a well-formedness error fails with its line. */
function parseXml(xml: string, where: string): Record<string, unknown> {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`${where}: invalid XML: ${valid.err.msg} (line ${valid.err.line})`);
  return parser.parse(xml) as Record<string, unknown>;
}

/** The path on this server of an absolute URL of the site: it must start with SITE_URL. */
function local(url: string): string {
  expect(url.startsWith(`${ORIGIN}/`), url).toBe(true);
  return url.slice(ORIGIN.length);
}

type Channel = Record<string, unknown> & { item: Record<string, unknown>[] };

/** The site's feeds carry each story's full text; the listings' feeds, the summary (NEWS_FEED_FULL unset). */
function checkRss(xml: string, self: string, full: boolean): Channel {
  const channel = (parseXml(xml, self)['rss'] as { channel: Channel }).channel;
  expect(channel['atom:link']).toMatchObject({ '@href': `${ORIGIN}${self}`, '@rel': 'self' });
  expect(channel['language']).toBe('en');
  for (const key of ['title', 'link', 'description']) expect(channel[key], `${self}: ${key}`).toBeTruthy();
  expect(channel.item.length).toBeGreaterThan(0);
  for (const item of channel.item) {
    for (const key of ['title', 'link', 'guid', 'pubDate', 'description', 'dc:creator'])
      expect(item[key], `${self}: item ${key}`).toBeTruthy();
    expect(typeof item['content:encoded'], `${self}: content:encoded`).toBe(full ? 'string' : 'undefined');
    local(String(item['link']));
    const image = item['media:content'] as Record<string, string> | undefined;
    if (image) expect(image['@type']).toMatch(/^image\/(jpeg|png|webp|gif|avif)$/);
  }
  return channel;
}

function checkJsonFeed(text: string, self: string, full: boolean): void {
  const feed = JSON.parse(text) as Record<string, unknown> & { items: Record<string, unknown>[] };
  expect(feed['version']).toBe('https://jsonfeed.org/version/1.1');
  expect(typeof feed['title']).toBe('string');
  expect(feed['feed_url']).toBe(`${ORIGIN}${self}`);
  expect(feed['language']).toBe('en');
  expect(Array.isArray(feed.items) && feed.items.length > 0).toBe(true);
  for (const item of feed.items) {
    expect(typeof item['id'], `${self}: item id`).toBe('string');
    expect(typeof item[full ? 'content_html' : 'content_text'], `${self}: content`).toBe('string');
    expect(Number.isNaN(Date.parse(String(item['date_published'])))).toBe(false);
    expect(item['authors']).toEqual(expect.arrayContaining([expect.objectContaining({ name: expect.any(String) })]));
  }
}

test('home, section, tag and author pages name their feeds, which parse and carry the required elements', async ({
  page,
  request,
}) => {
  const pages = ['/', '/section/world/', '/tags/ukraine/', '/authors/jane-park/'];
  for (const pathname of pages) {
    await page.goto(pathname);
    const links = page.locator('link[rel="alternate"]');
    const found = await links.evaluateAll((els) =>
      els.map((el) => ({ type: el.getAttribute('type'), href: el.getAttribute('href') ?? '' })),
    );
    const own = (type: string) => found.filter((l) => l.type === type).map((l) => l.href);
    const expected = pathname === '/' ? '/' : pathname;
    expect(own('application/rss+xml'), pathname).toContain(`${expected}rss.xml`);
    expect(own('application/feed+json'), pathname).toContain(`${expected}feed.json`);
    const full = pathname === '/';
    const rss = checkRss(await get(request, `${expected}rss.xml`), `${expected}rss.xml`, full);
    expect(rss['link']).toBe(`${ORIGIN}${expected}`);
    checkJsonFeed(await get(request, `${expected}feed.json`), `${expected}feed.json`, full);
  }
});

test('robots.txt names the sitemap index and the news sitemap; every sitemap parses and every URL is served', async ({
  request,
}) => {
  const robots = await get(request, '/robots.txt');
  const named = [...robots.matchAll(/^Sitemap: (\S+)$/gm)].map((m) => m[1] ?? '');
  expect(named).toEqual([`${ORIGIN}/sitemap.xml`, `${ORIGIN}/sitemap-news.xml`]);
  const index = parseXml(await get(request, '/sitemap.xml'), '/sitemap.xml')['sitemapindex'] as {
    sitemap: { loc: string }[] | { loc: string };
  };
  const children = [index.sitemap].flat().map((s) => local(s.loc));
  expect(children.length).toBeGreaterThan(0);
  const urls: string[] = [];
  for (const child of children) {
    const set = parseXml(await get(request, child), child)['urlset'] as { url: { loc: string }[] | { loc: string } };
    const locs = [set.url].flat().map((u) => local(u.loc));
    expect(locs.length).toBeLessThanOrEqual(50_000);
    urls.push(...locs);
  }
  // Every public page: stories, listings with archive pages, authors, the tag index.
  expect(urls).toEqual(expect.arrayContaining(['/', '/tags/', '/authors/jane-park/', '/tags/donald-trump/1/']));
  expect(new Set(urls).size).toBe(urls.length);
  for (const url of urls) expect((await request.get(url)).status(), url).toBe(200);
  const news = parseXml(await get(request, '/sitemap-news.xml'), '/sitemap-news.xml')['urlset'] as Record<
    string,
    unknown
  >;
  expect(news['@xmlns:news']).toBe('http://www.google.com/schemas/sitemap-news/0.9');
});

test('a production build (CI=true) with the localhost default fails and names SITE_URL', () => {
  const out = mkdtempSync(path.join(tmpdir(), 'news-build-prod-'));
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, CI: 'true', ASTRO_TELEMETRY_DISABLED: '1' };
    delete env['SITE_URL'];
    const result = spawnSync(process.execPath, ['scripts/build.ts', '--outDir', out], { env, encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('SITE_URL is not set: a production build (CI=true)');
    expect(result.stderr).toContain('Set SITE_URL to the public origin of the site');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
