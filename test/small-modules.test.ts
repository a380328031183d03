import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { renderBody } from '../src/lib/body/body.ts';
import { cacheKey } from '../src/lib/body/cache-key.ts';
import { formatDate, formatDateTime, isTimeZone, timeZoneFromEnv } from '../src/lib/site/dates.ts';
import { sitemap, storiesToRss } from '../src/lib/site/feed.ts';
import { archivePages } from '../src/lib/site/paginate.ts';
import { bodyDigest, RenderCache } from '../src/lib/body/render-cache.ts';
import { DatabaseSync } from 'node:sqlite';
import type { StoryView } from '../src/lib/site/site.ts';
import type { StoryBody } from '../src/lib/model/story.ts';
import { urls } from '../src/lib/site/urls.ts';

/** The keys in a render cache's database. */
function rows(dir: string): string[] {
  const db = new DatabaseSync(path.join(dir, 'bodies.sqlite'));
  try {
    return (db.prepare('SELECT key FROM body ORDER BY key').all() as { key: string }[]).map((r) => r.key);
  } finally {
    db.close();
  }
}

describe('archivePages', () => {
  test.each([
    [0, [0], []],
    [1, [1], []],
    [10, [10], []],
    [11, [11], []],
    [20, [20], []],
    [21, [11, 10], [1]],
    [25, [15, 10], [1]],
    [30, [20, 10], [1]],
    [31, [11, 10, 10], [2, 1]],
  ])('%i stories in pages of 10 -> front and archive sizes %j, archive numbers %j', (n, sizes, numbers) => {
    const items = Array.from({ length: n }, (_, i) => n - i); // newest first: n ... 1
    const pages = archivePages(items, 10);
    expect(pages.map((p) => p.items.length)).toEqual(sizes);
    expect(pages.slice(1).map((p) => p.number)).toEqual(numbers);
    // Every story once, newest first across the pages.
    expect(pages.flatMap((p) => p.items)).toEqual(items);
    // Archive page k always holds stories (k-1)*10+1 to k*10, counted from the oldest.
    for (const page of pages.slice(1))
      expect(page.items).toEqual(Array.from({ length: 10 }, (_, i) => (page.number ?? 0) * 10 - i));
  });

  test('a front page without archive pages has no older link at all (not older: 0)', () => {
    for (const n of [0, 5, 20])
      expect(Object.keys(archivePages(Array.from({ length: n }), 10)[0] ?? {})).toEqual(['items']);
  });

  test('links: front -> newest archive page -> ... -> page 1, and back', () => {
    const pages = archivePages(
      Array.from({ length: 45 }, (_, i) => i),
      10,
    );
    expect(pages.map(({ number, newer, older }) => ({ number, newer, older }))).toEqual([
      { number: undefined, newer: undefined, older: 3 },
      { number: 3, newer: 'front', older: 2 },
      { number: 2, newer: 3, older: 1 },
      { number: 1, newer: 2, older: undefined },
    ]);
  });

  test('a new story changes the front page only, and every 10th one archive pages n and n-1', () => {
    const at = (n: number) =>
      archivePages(
        Array.from({ length: n }, (_, i) => n - i),
        10,
      ).map((p) => JSON.stringify(p));
    const changed = (a: string[], b: string[]) => b.filter((p) => !a.includes(p)).length;
    expect(changed(at(44), at(45))).toBe(1);
    expect(changed(at(50), at(51))).toBe(3); // the front page, the new archive page 4, and page 3 whose "newer" link moved
  });
});

test('urls: the front page has no number, archive pages do (1 too)', () => {
  expect([
    urls.story('a'),
    urls.section('world'),
    urls.section('world', 2),
    urls.tag('peace-plan'),
    urls.tag('peace-plan', 3),
    urls.author('jane'),
    urls.author('jane', 1),
  ]).toEqual([
    '/news/a/',
    '/section/world/',
    '/section/world/2/',
    '/tags/peace-plan/',
    '/tags/peace-plan/3/',
    '/authors/jane/',
    '/authors/jane/1/',
  ]);
});

test('dates print in UTC whatever the machine zone', () => {
  expect(formatDate('2025-11-19T23:30:00Z')).toBe('Nov 19, 2025');
  expect(formatDateTime('2025-11-19T21:10:00Z')).toBe('Nov 19, 2025, 9:10 PM UTC');
});

test("dates print in the newsroom's zone, named after the time", () => {
  expect(formatDate('2025-11-19T23:30:00Z', 'Europe/Berlin')).toBe('Nov 20, 2025');
  expect(formatDateTime('2025-11-19T21:10:00Z', 'Europe/Berlin')).toBe('Nov 19, 2025, 10:10 PM GMT+1');
  expect(formatDateTime('2025-07-19T21:10:00Z', 'Europe/Berlin')).toBe('Jul 19, 2025, 11:10 PM GMT+2');
  expect(formatDateTime('2025-11-19T21:10:00Z', 'America/New_York')).toBe('Nov 19, 2025, 4:10 PM EST');
});

test('NEWS_TIME_ZONE: UTC when unset or blank, an IANA name as given, an unknown name refused', () => {
  expect(timeZoneFromEnv({})).toBe('UTC');
  expect(timeZoneFromEnv({ NEWS_TIME_ZONE: ' ' })).toBe('UTC');
  expect(timeZoneFromEnv({ NEWS_TIME_ZONE: 'Europe/Berlin' })).toBe('Europe/Berlin');
  expect(() => timeZoneFromEnv({ NEWS_TIME_ZONE: 'Europe/Atlantis' })).toThrow(
    'NEWS_TIME_ZONE: "Europe/Atlantis" is not a time zone',
  );
  expect(isTimeZone('UTC')).toBe(true);
  expect(isTimeZone('')).toBe(false);
});

test('cacheKey changes with any part and is stable', () => {
  expect(cacheKey('a', { x: 1 })).toBe(cacheKey('a', { x: 1 }));
  expect(cacheKey('a', { x: 1 })).not.toBe(cacheKey('a', { x: 2 }));
  expect(cacheKey('a', 'b')).not.toBe(cacheKey('ab'));
});

describe('feed', () => {
  const story = {
    id: 's',
    slug: 'a-b',
    url: '/news/a-b/',
    title: 'Fish & chips <now>',
    dek: 'Dek "quoted"',
    publishedAt: '2025-11-19T21:10:00.000Z',
    section: { slug: 'world', name: 'World', url: '/section/world/' },
  } as StoryView;
  test('RSS escapes text and uses story dates, not the clock', () => {
    const xml = storiesToRss([story], { site: new URL('https://news.example'), title: 'T', description: 'D' });
    expect(xml).toContain('<title>Fish &amp; chips &lt;now&gt;</title>');
    expect(xml).toContain('<link>https://news.example/news/a-b/</link>');
    expect(xml).toContain('<lastBuildDate>Wed, 19 Nov 2025 21:10:00 GMT</lastBuildDate>');
    expect(xml).toContain('<description>Dek &quot;quoted&quot;</description>');
    expect(xml).not.toContain('<atom:updated>');
  });
  test('an updated story keeps its publish date, carries atom:updated and ends its description with the update', () => {
    const updated = {
      ...story,
      id: 'u',
      url: '/news/u/',
      publishedAt: '2025-11-10T08:00:00.000Z',
      updatedAt: '2025-11-20T09:00:00.000Z',
      updateNote: "Adds the minister's response.",
    };
    const xml = storiesToRss([story, updated], {
      site: new URL('https://news.example'),
      title: 'T',
      description: 'D',
      timeZone: 'Europe/Berlin',
    });
    expect(xml).toContain('xmlns:atom="http://www.w3.org/2005/Atom"');
    // The latest change of any item, not the first item's publish date.
    expect(xml).toContain('<lastBuildDate>Thu, 20 Nov 2025 09:00:00 GMT</lastBuildDate>');
    const item = xml.split('<item>')[2] ?? '';
    expect(item).toContain('<pubDate>Mon, 10 Nov 2025 08:00:00 GMT</pubDate>');
    expect(item).toContain('<atom:updated>2025-11-20T09:00:00.000Z</atom:updated>');
    expect(item).toContain(
      '<description>Dek &quot;quoted&quot;\n\nUpdated Nov 20, 2025, 10:00 AM GMT+1: Adds the minister&apos;s response.</description>',
    );
    const { updateNote: _, ...withoutNote } = updated;
    const silent = storiesToRss([withoutNote], {
      site: new URL('https://news.example'),
      title: 'T',
      description: 'D',
    });
    expect(silent).toContain('Updated Nov 20, 2025, 9:00 AM UTC.</description>');
  });
  test('sitemap lists absolute URLs with lastmod', () => {
    expect(
      sitemap(
        [{ path: '/' }, { path: '/news/a/', lastmod: '2025-11-19T00:00:00.000Z' }],
        new URL('https://news.example'),
      ),
    ).toMatchInlineSnapshot(`
      "<?xml version="1.0" encoding="UTF-8"?>
      <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <url><loc>https://news.example/</loc></url>
      <url><loc>https://news.example/news/a/</loc><lastmod>2025-11-19T00:00:00.000Z</lastmod></url>
      </urlset>
      "
    `);
  });
});

describe('render cache', () => {
  const body = { format: 'markdown' as const, value: '**Why it matters:** cached.' };
  test('renders a body once, then serves it from the cache, across a save and load', async () => {
    let renders = 0;
    const render = (b: StoryBody) => {
      renders += 1;
      return renderBody(b);
    };
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'render-cache-')), 'render');
    const cache = new RenderCache(dir);
    const first = cache.get(body, render);
    expect(cache.get(body, render)).toEqual(first);
    expect(renders).toBe(1);
    await cache.save();
    // One row per body, keyed by its digest.
    expect(rows(dir)).toEqual([bodyDigest(body)]);
    const loaded = new RenderCache(dir);
    expect(loaded.get(body, render)).toEqual(first);
    expect(renders).toBe(1);
    expect(loaded.get({ ...body, value: 'changed' }, render).html).toBe('<p>changed</p>');
    expect(renders).toBe(2);
    expect([loaded.hits, loaded.misses]).toEqual([1, 1]);
  });
  test('a save with prune deletes the bodies the build did not use; a malformed entry is rendered again', async () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'render-cache-')), 'render');
    const old = { format: 'markdown' as const, value: 'gone from the content' };
    const first = new RenderCache(dir);
    first.get(body, renderBody);
    first.get(old, renderBody);
    await first.save();
    const next = new RenderCache(dir);
    next.get(body, renderBody);
    await next.save({ prune: true });
    expect(rows(dir)).toEqual([bodyDigest(body)]);
    const db = new DatabaseSync(path.join(dir, 'bodies.sqlite'));
    db.prepare('UPDATE body SET value = ? WHERE key = ?').run('{"html": 1', bodyDigest(body));
    db.close();
    const again = new RenderCache(dir);
    expect(again.get(body, renderBody).html).toBe(renderBody(body).html);
    expect(again.misses).toBe(1);
  });
  test('digests differ between formats and bodies; a missing file is an empty cache', async () => {
    expect(bodyDigest(body)).not.toBe(bodyDigest({ format: 'portable-text', value: [] }));
    const missing = new RenderCache('/nonexistent/render');
    missing.get(body, renderBody);
    expect(missing.misses).toBe(1);
  });
});
