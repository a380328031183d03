// The feed and sitemap formats, rule by rule, on small hand-built inputs whose whole output is written out here: the
// environment switch, the image and link rules, every optional element of RSS and JSON Feed, the sitemap files.
import { describe, expect, test } from 'vitest';
import {
  absoluteHtml,
  escapeXml,
  FEED_SIZE,
  feedFullText,
  type FeedItem,
  rasterImage,
  sitemap,
  storiesToJsonFeed,
  storiesToRss,
} from '../src/lib/site/feed.ts';
import type { Site, StoryView } from '../src/lib/site/site.ts';
import {
  childSitemaps,
  lastModified,
  NEWS_WINDOW_MS,
  newsEntries,
  newsSitemap,
  robotsTxt,
  sitemapIndex,
} from '../src/lib/site/sitemaps.ts';

const SITE = new URL('https://news.example.test');
const world = { slug: 'world', name: 'World news', url: '/section/world/' };

/** A minimal item: no update, no authors, no image, no full text. */
const plain = (n: number, publishedAt = `2026-01-${String(n).padStart(2, '0')}T08:00:00Z`): FeedItem => ({
  id: `s${n}`,
  slug: `s${n}`,
  url: `/story/s${n}/`,
  title: `Story ${n}`,
  dek: `Dek ${n}.`,
  publishedAt,
  section: world,
});

/** An item with everything a feed can carry. */
const full: FeedItem = {
  ...plain(1, '2026-03-01T09:00:00Z'),
  title: 'Rates & "risks"',
  updatedAt: '2026-03-02T15:04:00Z',
  updateNote: 'Adds the vote',
  authors: [
    { name: 'Ana <Ruiz>', url: '/author/ana/' },
    { name: 'Bo', url: '/author/bo/' },
  ],
  image: { src: '/images/rates.jpg', alt: '' },
  html: '<p><a href="/story/s2/">more</a> <img src="/images/a.png" srcset="/images/a.png 1x,/images/b.png 2x"></p>',
};

const RSS_HEAD =
  '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/"><channel>';

describe('feedFullText', () => {
  test('unset or empty is the site feeds only; site, all and none are taken as given', () => {
    expect(feedFullText({})).toBe('site');
    expect(feedFullText({ NEWS_FEED_FULL: '' })).toBe('site');
    expect(feedFullText({ NEWS_FEED_FULL: 'site' })).toBe('site');
    expect(feedFullText({ NEWS_FEED_FULL: 'all' })).toBe('all');
    expect(feedFullText({ NEWS_FEED_FULL: 'none' })).toBe('none');
  });

  test('anything else is refused with the variable, the choices and the value', () => {
    expect(() => feedFullText({ NEWS_FEED_FULL: 'All' })).toThrow(
      'NEWS_FEED_FULL: expected site, all or none, received "All"',
    );
  });
});

describe('escapeXml', () => {
  test('escapes the five markup characters and drops characters XML 1.0 cannot hold', () => {
    expect(escapeXml(`<a href='x'>"&"</a>`)).toBe('&lt;a href=&apos;x&apos;&gt;&quot;&amp;&quot;&lt;/a&gt;');
    expect(escapeXml('a\u0000b\u0008c\u000Bd\u001Fe\uFFFEf\uFFFFg')).toBe('abcdefg');
    expect(escapeXml('tab\tnewline\ncr\r')).toBe('tab\tnewline\ncr\r');
  });
});

describe('rasterImage', () => {
  test('a raster extension gives its absolute URL and media type, whatever its case', () => {
    expect(rasterImage('/images/a.JPG', SITE)).toEqual({
      url: 'https://news.example.test/images/a.JPG',
      type: 'image/jpeg',
    });
    expect(rasterImage('https://cdn.example.test/x.webp', SITE)).toEqual({
      url: 'https://cdn.example.test/x.webp',
      type: 'image/webp',
    });
  });

  test("Sanity's fm parameter names the format, before the path's extension", () => {
    expect(rasterImage('https://cdn.sanity.io/images/p/d/abc-1x1.svg?fm=png&w=800', SITE)?.type).toBe('image/png');
  });

  test('SVG, no extension, an extension not at the end of the path, or an unparseable URL give none', () => {
    expect(rasterImage('/images/a.svg', SITE)).toBeUndefined();
    expect(rasterImage('/images/photo', SITE)).toBeUndefined();
    expect(rasterImage('/images/a.png/view', SITE)).toBeUndefined();
    expect(rasterImage('https://[broken', SITE)).toBeUndefined();
  });
});

describe('absoluteHtml', () => {
  test('site paths in href, src and every srcset candidate become absolute; other URLs stay', () => {
    const html =
      '<a href="/a/">a</a><a href="//evil.test/">b</a><a href="/\\evil.test/">c</a><a href="https://x.test/">d</a>' +
      '<img src="/i.png" srcset="/i.png 1x,/j.png 2x, /k.png 3x,  https://x.test/l.png 4x">';
    expect(absoluteHtml(html, SITE)).toBe(
      '<a href="https://news.example.test/a/">a</a><a href="//evil.test/">b</a><a href="/\\evil.test/">c</a>' +
        '<a href="https://x.test/">d</a><img src="https://news.example.test/i.png" srcset="https://news.example.test/i.png 1x,' +
        'https://news.example.test/j.png 2x, https://news.example.test/k.png 3x,  https://x.test/l.png 4x">',
    );
  });
});

describe('storiesToRss', () => {
  test('an empty feed without options has the channel only: no self link, language or lastBuildDate', () => {
    expect(storiesToRss([], { site: SITE, title: 'T', description: 'D' })).toBe(
      `${RSS_HEAD}\n<title>T</title>\n<link>https://news.example.test/</link>\n<description>D</description>\n</channel></rss>\n`,
    );
  });

  test('every optional element, written out', () => {
    const rss = storiesToRss([full, plain(2)], {
      site: SITE,
      title: 'World & more',
      description: 'The <latest>',
      timeZone: 'America/New_York',
      language: 'en-GB',
      feed: { title: 'x', description: 'y', page: '/section/world/', self: '/section/world/rss.xml' },
    });
    const item1 =
      '<item><title>Rates &amp; &quot;risks&quot;</title><link>https://news.example.test/story/s1/</link>' +
      '<guid isPermaLink="true">https://news.example.test/story/s1/</guid><pubDate>Sun, 01 Mar 2026 09:00:00 GMT</pubDate>' +
      '<atom:updated>2026-03-02T15:04:00.000Z</atom:updated><dc:creator>Ana &lt;Ruiz&gt;</dc:creator><dc:creator>Bo</dc:creator>' +
      '<category>World news</category><description>Dek 1.\n\nUpdated Mar 2, 2026, 10:04 AM EST: Adds the vote</description>' +
      '<media:content url="https://news.example.test/images/rates.jpg" type="image/jpeg" medium="image"/>' +
      '<content:encoded>&lt;p&gt;&lt;a href=&quot;https://news.example.test/story/s2/&quot;&gt;more&lt;/a&gt; ' +
      '&lt;img src=&quot;https://news.example.test/images/a.png&quot; srcset=&quot;https://news.example.test/images/a.png 1x,' +
      'https://news.example.test/images/b.png 2x&quot;&gt;&lt;/p&gt;</content:encoded></item>';
    const item2 =
      '<item><title>Story 2</title><link>https://news.example.test/story/s2/</link>' +
      '<guid isPermaLink="true">https://news.example.test/story/s2/</guid><pubDate>Fri, 02 Jan 2026 08:00:00 GMT</pubDate>' +
      '<category>World news</category><description>Dek 2.</description></item>';
    expect(rss).toBe(
      [
        RSS_HEAD,
        '<title>World &amp; more</title>',
        '<link>https://news.example.test/section/world/</link>',
        '<description>The &lt;latest&gt;</description>',
        '<atom:link href="https://news.example.test/section/world/rss.xml" rel="self" type="application/rss+xml"/>',
        '<language>en-GB</language>',
        // The latest change of any item: the first story's update, later than the second's publication.
        '<lastBuildDate>Mon, 02 Mar 2026 15:04:00 GMT</lastBuildDate>',
        item1,
        item2,
        '</channel></rss>',
        '',
      ].join('\n'),
    );
  });

  test('the update note is optional; the time zone defaults to UTC', () => {
    const { updateNote: _, ...noNote } = full;
    expect(storiesToRss([noNote], { site: SITE, title: 'T', description: 'D' })).toContain(
      '<description>Dek 1.\n\nUpdated Mar 2, 2026, 3:04 PM UTC.</description>',
    );
  });

  test('lastBuildDate is the latest change of any item, whatever their order', () => {
    const last = (stories: FeedItem[]) =>
      /<lastBuildDate>(.*)<\/lastBuildDate>/.exec(
        storiesToRss(stories, { site: SITE, title: 'T', description: 'D' }),
      )?.[1];
    expect(last([plain(5), plain(3), plain(4)])).toBe('Mon, 05 Jan 2026 08:00:00 GMT');
    expect(last([plain(3), plain(5), plain(4)])).toBe('Mon, 05 Jan 2026 08:00:00 GMT');
    expect(last([plain(3), { ...plain(2), updatedAt: '2026-01-09T00:00:00Z' }])).toBe('Fri, 09 Jan 2026 00:00:00 GMT');
  });

  test(`carries the first FEED_SIZE (${FEED_SIZE}) stories by default, or the limit given`, () => {
    const stories = Array.from({ length: FEED_SIZE + 1 }, (_, i) => plain(i + 1, '2026-01-01T00:00:00Z'));
    const count = (xml: string) => xml.split('<item>').length - 1;
    expect(count(storiesToRss(stories, { site: SITE, title: 'T', description: 'D' }))).toBe(FEED_SIZE);
    const two = storiesToRss(stories, { site: SITE, title: 'T', description: 'D', limit: 2 });
    expect(count(two)).toBe(2);
    expect(two).toContain('/story/s2/');
    expect(two).not.toContain('/story/s3/');
  });

  test("the channel link is resolved against the site's URL, path and all", () => {
    const site = new URL('https://example.test/news/');
    expect(storiesToRss([], { site, title: 'T', description: 'D' })).toContain('<link>https://example.test/</link>');
  });
});

describe('storiesToJsonFeed', () => {
  const feed = { title: 'x', description: 'y', page: '/section/world/', self: '/section/world/feed.json' };

  test('every field of JSON Feed 1.1, written out', () => {
    const json = storiesToJsonFeed([full, plain(2)], {
      site: SITE,
      title: 'World',
      description: 'Latest',
      feed,
      language: 'en-GB',
      timeZone: 'America/New_York',
    });
    expect(json.endsWith('}\n')).toBe(true);
    expect(JSON.parse(json)).toEqual({
      version: 'https://jsonfeed.org/version/1.1',
      title: 'World',
      home_page_url: 'https://news.example.test/section/world/',
      feed_url: 'https://news.example.test/section/world/feed.json',
      description: 'Latest',
      language: 'en-GB',
      items: [
        {
          id: 'https://news.example.test/story/s1/',
          url: 'https://news.example.test/story/s1/',
          title: 'Rates & "risks"',
          content_html:
            '<p><a href="https://news.example.test/story/s2/">more</a> <img src="https://news.example.test/images/a.png" ' +
            'srcset="https://news.example.test/images/a.png 1x,https://news.example.test/images/b.png 2x"></p>',
          summary: 'Dek 1.\n\nUpdated Mar 2, 2026, 10:04 AM EST: Adds the vote',
          image: 'https://news.example.test/images/rates.jpg',
          date_published: '2026-03-01T09:00:00.000Z',
          date_modified: '2026-03-02T15:04:00.000Z',
          authors: [
            { name: 'Ana <Ruiz>', url: 'https://news.example.test/author/ana/' },
            { name: 'Bo', url: 'https://news.example.test/author/bo/' },
          ],
          tags: ['World news'],
        },
        {
          id: 'https://news.example.test/story/s2/',
          url: 'https://news.example.test/story/s2/',
          title: 'Story 2',
          content_text: 'Dek 2.',
          summary: 'Dek 2.',
          date_published: '2026-01-02T08:00:00.000Z',
          tags: ['World news'],
        },
      ],
    });
  });

  test('an update is told in UTC by default; an SVG image is left out', () => {
    const { html: _, ...noHtml } = { ...full, image: { src: '/images/chart.svg', alt: '' } };
    const [item] = (
      JSON.parse(storiesToJsonFeed([noHtml], { site: SITE, title: 'T', description: 'D', feed, language: 'en' })) as {
        items: Record<string, unknown>[];
      }
    ).items;
    expect(item?.['content_text']).toBe('Dek 1.\n\nUpdated Mar 2, 2026, 3:04 PM UTC: Adds the vote');
    expect(item).not.toHaveProperty('image');
    expect(item).not.toHaveProperty('content_html');
  });
});

describe('sitemap files', () => {
  test('a sitemap lists each URL, with lastmod only when given', () => {
    expect(sitemap([{ path: '/a?b&c' }, { path: '/story/x/', lastmod: '2026-01-02T00:00:00Z' }], SITE)).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' +
        '<url><loc>https://news.example.test/a?b&amp;c</loc></url>\n' +
        '<url><loc>https://news.example.test/story/x/</loc><lastmod>2026-01-02T00:00:00Z</lastmod></url>\n</urlset>\n',
    );
  });

  test('the index names each child, with lastmod only when given', () => {
    expect(
      sitemapIndex(
        [{ path: '/sitemaps/stories-1.xml', lastmod: '2026-01-02T00:00:00Z' }, { path: '/sitemaps/pages-1.xml' }],
        SITE,
      ),
    ).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' +
        '<sitemap><loc>https://news.example.test/sitemaps/stories-1.xml</loc><lastmod>2026-01-02T00:00:00Z</lastmod></sitemap>\n' +
        '<sitemap><loc>https://news.example.test/sitemaps/pages-1.xml</loc></sitemap>\n</sitemapindex>\n',
    );
  });

  test('the news sitemap names the publication in every entry', () => {
    const publication =
      '<news:publication><news:name>A &amp; B</news:name><news:language>en</news:language></news:publication>';
    expect(
      newsSitemap(
        [
          { path: '/story/a/', title: 'A <1>', publishedAt: '2026-01-02T00:00:00Z' },
          { path: '/story/b/', title: 'B', publishedAt: '2026-01-01T00:00:00Z' },
        ],
        { site: SITE, name: 'A & B', language: 'en' },
      ),
    ).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n' +
        `<url><loc>https://news.example.test/story/a/</loc><news:news>${publication}<news:publication_date>2026-01-02T00:00:00Z</news:publication_date><news:title>A &lt;1&gt;</news:title></news:news></url>\n` +
        `<url><loc>https://news.example.test/story/b/</loc><news:news>${publication}<news:publication_date>2026-01-01T00:00:00Z</news:publication_date><news:title>B</news:title></news:news></url>\n` +
        '</urlset>\n',
    );
  });

  test("lastModified is the latest entry's lastmod, if any has one", () => {
    expect(lastModified([])).toBeUndefined();
    expect(lastModified([{ path: '/a' }])).toBeUndefined();
    expect(
      lastModified([{ path: '/a', lastmod: '2026-01-01' }, { path: '/b' }, { path: '/c', lastmod: '2026-02-01' }]),
    ).toBe('2026-02-01');
    expect(
      lastModified([
        { path: '/c', lastmod: '2026-02-01' },
        { path: '/a', lastmod: '2026-01-01' },
      ]),
    ).toBe('2026-02-01');
  });

  test('robots.txt allows everything and names each sitemap absolutely', () => {
    expect(robotsTxt(['/sitemap.xml', '/sitemaps/news.xml'], SITE)).toBe(
      'User-agent: *\nAllow: /\n\nSitemap: https://news.example.test/sitemap.xml\nSitemap: https://news.example.test/sitemaps/news.xml\n',
    );
  });

  test('children are named in order, each at most the limit, with no empty child', () => {
    const card = (n: number, updatedAt?: string) =>
      ({
        url: `/news/s${n}/`,
        publishedAt: `2026-01-0${n}T00:00:00Z`,
        ...(updatedAt ? { updatedAt } : {}),
      }) as StoryView;
    const listing = (slug: string, count: number) => ({
      slug,
      stories: Array.from({ length: count }, (_, i) => card(i)),
    });
    // Stories newest first, as the site holds them; 25 stories make one archive page (the front page holds 20).
    const site = {
      stories: [card(4, '2026-02-01T00:00:00Z'), card(3), card(2), card(1)],
      sections: [listing('world', 25)],
      tags: [listing('trade', 1)],
      authors: [],
    } as unknown as Site;
    const children = [...childSitemaps(site, 2)];
    expect(children.map((c) => [c.name, c.path])).toEqual([
      ['stories-1', '/sitemaps/stories-1.xml'],
      ['stories-2', '/sitemaps/stories-2.xml'],
      ['pages-1', '/sitemaps/pages-1.xml'],
      ['pages-2', '/sitemaps/pages-2.xml'],
      ['pages-3', '/sitemaps/pages-3.xml'],
    ]);
    expect(children.flatMap((c) => c.entries)).toEqual([
      { path: '/news/s1/', lastmod: '2026-01-01T00:00:00Z' },
      { path: '/news/s2/', lastmod: '2026-01-02T00:00:00Z' },
      { path: '/news/s3/', lastmod: '2026-01-03T00:00:00Z' },
      { path: '/news/s4/', lastmod: '2026-02-01T00:00:00Z' },
      { path: '/' },
      { path: '/tags/' },
      { path: '/section/world/' },
      { path: '/section/world/1/' },
      { path: '/tags/trade/' },
    ]);
    expect([...childSitemaps({ ...site, stories: [card(1)] }, 1)].map((c) => c.name)).toEqual([
      'stories-1',
      'pages-1',
      'pages-2',
      'pages-3',
      'pages-4',
      'pages-5',
    ]);
  });

  test('the news sitemap takes a story published exactly at the build time, or exactly at the window start', () => {
    const now = '2026-11-28T12:00:00.000Z';
    const from = new Date(Date.parse(now) - NEWS_WINDOW_MS).toISOString();
    const story = (slug: string, publishedAt: string) =>
      ({ url: `/news/${slug}/`, title: slug, publishedAt }) as StoryView;
    expect(newsEntries([story('now', now), story('edge', from)], now).map((e) => e.path)).toEqual([
      '/news/now/',
      '/news/edge/',
    ]);
  });
});
