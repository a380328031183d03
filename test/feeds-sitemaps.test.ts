// Feeds per section, tag and author, the sitemap index and its children, the news sitemap, robots.txt and the
// production base URL: the modules on the demo content, and `npm run build` as a real process for the base URL.
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { beforeAll, describe, expect, test } from 'vitest';
import { renderBody } from '../src/lib/body/body.ts';
import { readContentDir } from '../src/lib/sources/content-files.ts';
import {
  absoluteHtml,
  feedFullText,
  rasterImage,
  sitemap,
  storiesToJsonFeed,
  storiesToRss,
} from '../src/lib/site/feed.ts';
import { PageKeyCache, pagesOf, sitePages, type SitePage } from '../src/lib/site/pages.ts';
import { buildSite, type Site, type SiteSource, type StoryView } from '../src/lib/site/site.ts';
import { DEFAULT_SITE_URL, siteUrl, SiteUrlError } from '../src/lib/site/site-url.ts';
import {
  childSitemaps,
  NEWS_LIMIT,
  newsEntries,
  newsSitemap,
  robotsTxt,
  SITEMAP_LIMIT,
  sitemapIndex,
} from '../src/lib/site/sitemaps.ts';
import { childEnv, runScript } from './sanity/sanity-harness.ts';

const NOW = new Date('2027-01-01T00:00:00Z');
const SITE = new URL('https://news.example.test');
let source: SiteSource;
let site: Site;

const build = (s: SiteSource, now = NOW) => buildSite(s, { now, render: (story) => renderBody(story.body) });
/** Parses XML strictly: a well-formedness error throws with its line. */
function parseXml(xml: string): Record<string, unknown> {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`invalid XML: ${valid.err.msg} (line ${valid.err.line})`);
  return new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@' }).parse(xml) as Record<string, unknown>;
}
const paths = (pages: readonly SitePage[]) => pages.map((p) => p.path);
const changed = (a: SitePage[], b: SitePage[]) => {
  const before = new Map(a.map((p) => [p.path, p.key]));
  return b.filter((p) => before.get(p.path) !== p.key).map((p) => p.path);
};

beforeAll(async () => {
  source = await readContentDir(path.resolve('content'));
  site = build(source);
});

describe('feeds', () => {
  test('the site, every section, tag and author have an RSS feed and a JSON Feed, each its own page', () => {
    const pages = sitePages(site);
    expect(paths(pagesOf(pages, 'rss'))).toEqual(['/rss.xml']);
    expect(paths(pagesOf(pages, 'jsonFeed'))).toEqual(['/feed.json']);
    const listings = [
      ...site.sections.map((s) => s.url),
      ...site.tags.map((t) => t.url),
      ...site.authors.map((a) => a.url),
    ];
    expect(paths(pagesOf(pages, 'listingRss')).sort()).toEqual(listings.map((u) => `${u}rss.xml`).sort());
    expect(paths(pagesOf(pages, 'listingJsonFeed')).sort()).toEqual(listings.map((u) => `${u}feed.json`).sort());
    const world = pagesOf(pages, 'listingRss').find((p) => p.path === '/section/world/rss.xml');
    expect(world?.params).toEqual({ dir: 'section', slug: 'world' });
    expect(world?.props.items.every((i) => i.section.slug === 'world')).toBe(true);
    expect(world?.props.items.length).toBeLessThanOrEqual(20);
    expect(pagesOf(pages, 'rss')[0]?.props.items).toHaveLength(30);
  });

  test('an RSS feed parses strictly and carries self link, language, authors, full text and the raster image only', () => {
    const pages = sitePages(site, new PageKeyCache(), undefined, { fullText: 'all' });
    const page = pagesOf(pages, 'listingRss').find((p) => p.path === '/section/business/rss.xml');
    if (!page) throw new Error('no business feed');
    const [first, second] = page.props.items;
    if (!first || !second) throw new Error('the business feed has fewer than two stories');
    const items = [
      { ...first, image: { src: '/images/photo.jpg', alt: 'A photo' } },
      { ...second, image: { src: '/images/chart.svg', alt: 'A chart' } },
    ];
    const xml = storiesToRss(items, {
      site: SITE,
      title: page.props.feed.title,
      description: page.props.feed.description,
      feed: page.props.feed,
      language: 'en',
    });
    const channel = (parseXml(xml)['rss'] as { channel: Record<string, unknown> }).channel;
    expect(channel['atom:link']).toEqual({
      '@href': 'https://news.example.test/section/business/rss.xml',
      '@rel': 'self',
      '@type': 'application/rss+xml',
    });
    expect(channel['link']).toBe('https://news.example.test/section/business/');
    expect(channel['language']).toBe('en');
    const [a, b] = channel['item'] as Record<string, unknown>[];
    expect(a?.['dc:creator']).toBeTruthy();
    expect(a?.['media:content']).toEqual({
      '@url': 'https://news.example.test/images/photo.jpg',
      '@type': 'image/jpeg',
      '@medium': 'image',
    });
    expect(b?.['media:content']).toBeUndefined();
    // The full text, with its site links made absolute.
    const full = String(a?.['content:encoded']);
    expect(full).toContain('<p>');
    expect(full).not.toMatch(/\s(?:href|src)="\/(?!\/)/);
  });

  test('a JSON Feed holds the fields JSON Feed 1.1 requires, and the summary without full text', () => {
    const pages = sitePages(site, new PageKeyCache(), undefined, { fullText: 'none' });
    const page = pagesOf(pages, 'listingJsonFeed').find((p) => p.path.startsWith('/authors/'));
    if (!page) throw new Error('no author feed');
    expect(page.props.items.every((i) => i.html === undefined)).toBe(true);
    const feed = JSON.parse(
      storiesToJsonFeed(page.props.items, {
        site: SITE,
        title: page.props.feed.title,
        description: page.props.feed.description,
        feed: page.props.feed,
        language: 'en',
      }),
    ) as { version: string; title: string; feed_url: string; home_page_url: string; items: Record<string, unknown>[] };
    expect(feed.version).toBe('https://jsonfeed.org/version/1.1');
    expect(feed.title).toMatch(/^Stories by /);
    expect(feed.feed_url).toBe(new URL(page.path, SITE).href);
    expect(feed.home_page_url).toBe(new URL(page.props.feed.page, SITE).href);
    expect(feed.items.length).toBeGreaterThan(0);
    for (const item of feed.items) {
      expect(typeof item['id']).toBe('string');
      expect(typeof item['content_text']).toBe('string');
      expect(item['content_html']).toBeUndefined();
      expect(item['date_published']).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(item['authors']).toEqual(expect.arrayContaining([expect.objectContaining({ name: expect.any(String) })]));
    }
  });

  test("full text: in the site's feeds by default, in every feed with NEWS_FEED_FULL=all, in none with none", () => {
    const full = (pages: SitePage[]) =>
      pages
        .filter((p) => /(rss\.xml|feed\.json)$/.test(p.path))
        .filter((p) => (p.props as { items: { html?: string }[] }).items.every((i) => typeof i.html === 'string'))
        .map((p) => p.path);
    const feeds = (pages: SitePage[]) => paths(pages).filter((p) => /(rss\.xml|feed\.json)$/.test(p));
    expect(full(sitePages(site, new PageKeyCache(), undefined, {}))).toEqual(['/rss.xml', '/feed.json']);
    const all = sitePages(site, new PageKeyCache(), undefined, { fullText: 'all' });
    expect(full(all)).toEqual(feeds(all));
    expect(full(sitePages(site, new PageKeyCache(), undefined, { fullText: 'none' }))).toEqual([]);
    expect(feedFullText({})).toBe('site');
    expect(feedFullText({ NEWS_FEED_FULL: 'all' })).toBe('all');
    expect(() => feedFullText({ NEWS_FEED_FULL: 'yes' })).toThrow('NEWS_FEED_FULL: expected site, all or none');
  });

  test('raster images only, absolute links in the full text', () => {
    expect(rasterImage('/images/a.svg', SITE)).toBeUndefined();
    expect(rasterImage('/images/a.PNG', SITE)).toEqual({
      url: 'https://news.example.test/images/a.PNG',
      type: 'image/png',
    });
    expect(rasterImage('https://cdn.sanity.io/images/p/d/abc-10x10.svg?fm=webp', SITE)?.type).toBe('image/webp');
    expect(
      absoluteHtml('<a href="/news/a/">a</a><img src="/i.png" srcset="/i.png 1x, /j.png 2x"><a href="//x">', SITE),
    ).toBe(
      '<a href="https://news.example.test/news/a/">a</a><img src="https://news.example.test/i.png" srcset="https://news.example.test/i.png 1x, https://news.example.test/j.png 2x"><a href="//x">',
    );
  });

  test("a story's publish changes the feeds it is in, and no other feed", () => {
    const before = sitePages(site);
    const [story] = source.stories.filter(({ story: s }) => s.section === 'business');
    if (!story) throw new Error('no business story');
    const copy = {
      ...story,
      story: {
        ...story.story,
        id: 'fresh',
        slug: 'fresh-story',
        publishedAt: '2026-12-31T00:00:00.000Z',
        title: 'Fresh',
      },
    };
    const next = build({ ...source, stories: [...source.stories, copy] });
    const view = next.stories.find((s) => s.id === 'fresh');
    if (!view) throw new Error('the fresh story is not on the site');
    const feeds = changed(before, sitePages(next)).filter((p) => /(rss\.xml|feed\.json)$/.test(p));
    const expected = ['/', view.section.url, ...view.tags.map((t) => t.url), ...view.authors.map((a) => a.url)].flatMap(
      (page) => [`${page}rss.xml`, `${page}feed.json`],
    );
    expect(feeds.sort()).toEqual(expected.sort());
  });
});

describe('sitemaps', () => {
  test('the children list every public page once, at most `limit` each, and the index names them all', () => {
    const pages = sitePages(site, new PageKeyCache(), undefined, { sitemapLimit: 7 });
    const children = pagesOf(pages, 'sitemapChild');
    const publicKinds = new Set(['home', 'story', 'section', 'tag', 'author', 'tags']);
    const listed = children.flatMap((c) => c.props.entries.map((e) => e.path));
    expect(listed.sort()).toEqual(paths(pages.filter((p) => publicKinds.has(p.kind))).sort());
    expect(children.every((c) => c.props.entries.length <= 7 && c.props.entries.length > 0)).toBe(true);
    expect(children.length).toBe(
      Math.ceil(site.stories.length / 7) + Math.ceil((listed.length - site.stories.length) / 7),
    );
    const [index] = pagesOf(pages, 'sitemap');
    expect(index?.props.sitemaps.map((s) => s.path)).toEqual(paths(children));
    const xml = sitemapIndex(index?.props.sitemaps ?? [], SITE);
    const parsed = parseXml(xml)['sitemapindex'] as { sitemap: { loc: string }[] };
    expect(parsed.sitemap.map((s) => s.loc)).toEqual(children.map((c) => new URL(c.path, SITE).href));
    const child = parseXml(sitemap(children[0]?.props.entries ?? [], SITE))['urlset'] as { url: unknown[] };
    expect(child.url).toHaveLength(7);
  });

  test('a new story changes the last stories child and the index, not the older children', () => {
    const limit = 7;
    const before = sitePages(site, new PageKeyCache(), undefined, { sitemapLimit: limit });
    const [story] = source.stories;
    if (!story) throw new Error('no story');
    const copy = {
      ...story,
      story: { ...story.story, id: 'fresh', slug: 'fresh-story', publishedAt: '2026-12-31T00:00:00.000Z' },
    };
    const after = sitePages(build({ ...source, stories: [...source.stories, copy] }), new PageKeyCache(), undefined, {
      sitemapLimit: limit,
    });
    const diff = changed(before, after).filter((p) => p.startsWith('/sitemap'));
    const last = `/sitemaps/stories-${Math.ceil((site.stories.length + 1) / limit)}.xml`;
    expect(diff).toContain('/sitemap.xml');
    expect(diff).toContain(last);
    expect(diff.filter((p) => p.startsWith('/sitemaps/stories-')).length).toBe(1);
  });

  test('at the real limit: 50,000 URLs a child, made one child at a time', () => {
    const n = 2 * SITEMAP_LIMIT + 1;
    const stories = Array.from({ length: n }, (_, i) => ({
      url: `/news/s${i}/`,
      publishedAt: '2026-01-01T00:00:00.000Z',
    }));
    const big = { ...site, stories: stories as unknown as StoryView[] };
    const sizes: number[] = [];
    for (const child of childSitemaps(big)) if (child.name.startsWith('stories-')) sizes.push(child.entries.length);
    expect(sizes).toEqual([SITEMAP_LIMIT, SITEMAP_LIMIT, 1]);
  });

  test('the news sitemap: the stories of the 48 hours before the build time, not later ones, at most 1,000', () => {
    const now = '2026-11-28T12:00:00.000Z';
    const at = (hours: number) => new Date(Date.parse(now) + hours * 3_600_000).toISOString();
    const story = (slug: string, publishedAt: string) =>
      ({ url: `/news/${slug}/`, title: slug, publishedAt }) as StoryView;
    const stories = [story('later', at(1)), story('hour', at(-1)), story('day2', at(-47.9)), story('old', at(-48.1))];
    expect(newsEntries(stories, now).map((e) => e.path)).toEqual(['/news/hour/', '/news/day2/']);
    const many = Array.from({ length: NEWS_LIMIT + 5 }, (_, i) => story(`s${i}`, at(-i / 100)));
    expect(newsEntries(many, now)).toHaveLength(NEWS_LIMIT);
    const xml = newsSitemap(newsEntries(stories, now), { site: SITE, name: 'Newsdesk & Co', language: 'en' });
    const url = (parseXml(xml)['urlset'] as { url: { loc: string; 'news:news': Record<string, unknown> }[] }).url[0];
    expect(url?.loc).toBe('https://news.example.test/news/hour/');
    expect(url?.['news:news']).toEqual({
      'news:publication': { 'news:name': 'Newsdesk & Co', 'news:language': 'en' },
      'news:publication_date': at(-1),
      'news:title': 'hour',
    });
  });

  test("the news sitemap page is relative to the site's build time", () => {
    const latest = site.stories[0];
    if (!latest) throw new Error('no story');
    const justAfter = new Date(Date.parse(latest.publishedAt) + 3_600_000);
    const [fresh] = pagesOf(sitePages(build(source, justAfter)), 'newsSitemap');
    expect(fresh?.props.entries.map((e) => e.path)).toContain(latest.url);
    const [stale] = pagesOf(sitePages(site), 'newsSitemap');
    expect(stale?.props.entries).toEqual([]);
  });

  test('robots.txt names the sitemap index and the news sitemap', () => {
    const [robots] = pagesOf(sitePages(site), 'robots');
    expect(robotsTxt(robots?.props.sitemaps ?? [], SITE)).toBe(
      'User-agent: *\nAllow: /\n\nSitemap: https://news.example.test/sitemap.xml\nSitemap: https://news.example.test/sitemap-news.xml\n',
    );
  });
});

describe('the base URL', () => {
  test('a production build refuses the localhost default and names SITE_URL; an explicit origin is used', () => {
    for (const env of [{ CI: 'true' }, { CI: '1' }, { NODE_ENV: 'production' }]) {
      expect(() => siteUrl(env)).toThrow(SiteUrlError);
      expect(() => siteUrl(env)).toThrow(/SITE_URL is not set: .*Set SITE_URL to the public origin of the site/);
    }
    expect(siteUrl({}).href).toBe(`${DEFAULT_SITE_URL}/`);
    expect(siteUrl({ CI: 'false' }).href).toBe(`${DEFAULT_SITE_URL}/`);
    expect(siteUrl({ CI: 'true', SITE_URL: 'https://news.example.com' }).href).toBe('https://news.example.com/');
    expect(siteUrl({ CI: 'true', SITE_URL: DEFAULT_SITE_URL }).href).toBe(`${DEFAULT_SITE_URL}/`);
    expect(() => siteUrl({ SITE_URL: 'news.example.com' })).toThrow(/must be an http\(s\) origin/);
  });

  test('npm run build with CI=true and no SITE_URL exits 1 with the message, building nothing', async () => {
    const env = childEnv({ CI: 'true' });
    delete env['SITE_URL'];
    const run = await runScript('scripts/build.ts', ['--outDir', path.resolve('tmp/never-built')], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('SITE_URL is not set: a production build (CI=true)');
    expect(run.stderr).toContain('Nothing was built.');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
