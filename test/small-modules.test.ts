import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { renderBody } from '../src/lib/body.ts';
import { cacheKey } from '../src/lib/cache-key.ts';
import { formatDate, formatDateTime } from '../src/lib/dates.ts';
import { sitemap, storiesToRss } from '../src/lib/feed.ts';
import { paginate } from '../src/lib/paginate.ts';
import { bodyDigest, loadRenderCache, RenderCache, saveRenderCache } from '../src/lib/render-cache.ts';
import type { StoryView } from '../src/lib/site.ts';
import type { StoryBody } from '../src/lib/story.ts';
import { urls } from '../src/lib/urls.ts';

describe('paginate', () => {
  test.each([
    [0, [0]],
    [1, [1]],
    [10, [10]],
    [11, [10, 1]],
    [25, [10, 10, 5]],
  ])('%i items in pages of 10 -> %j', (n, sizes) => {
    const pages = paginate(Array.from({ length: n }, (_, i) => i), 10);
    expect(pages.map((p) => p.items.length)).toEqual(sizes);
    expect(pages.map((p) => p.number)).toEqual(sizes.map((_, i) => i + 1));
    expect(new Set(pages.map((p) => p.total))).toEqual(new Set([sizes.length]));
  });
});

test('urls: page 1 has no number', () => {
  expect([urls.story('a'), urls.section('world'), urls.section('world', 2), urls.tag('peace-plan'), urls.tag('peace-plan', 3), urls.author('jane')]).toEqual([
    '/news/a/',
    '/section/world/',
    '/section/world/2/',
    '/tags/peace-plan/',
    '/tags/peace-plan/3/',
    '/authors/jane/',
  ]);
});

test('dates print in UTC whatever the machine zone', () => {
  expect(formatDate('2025-11-19T23:30:00Z')).toBe('Nov 19, 2025');
  expect(formatDateTime('2025-11-19T21:10:00Z')).toBe('Nov 19, 2025, 9:10 PM UTC');
});

test('cacheKey changes with any part and is stable', () => {
  expect(cacheKey('a', { x: 1 })).toBe(cacheKey('a', { x: 1 }));
  expect(cacheKey('a', { x: 1 })).not.toBe(cacheKey('a', { x: 2 }));
  expect(cacheKey('a', 'b')).not.toBe(cacheKey('ab'));
});

describe('feed', () => {
  const story = { id: 's', slug: 'a-b', url: '/news/a-b/', title: 'Fish & chips <now>', dek: 'Dek "quoted"', publishedAt: '2025-11-19T21:10:00.000Z', section: { slug: 'world', name: 'World', url: '/section/world/' } } as StoryView;
  test('RSS escapes text and uses story dates, not the clock', () => {
    const xml = storiesToRss([story], { site: new URL('https://news.example'), title: 'T', description: 'D' });
    expect(xml).toContain('<title>Fish &amp; chips &lt;now&gt;</title>');
    expect(xml).toContain('<link>https://news.example/news/a-b/</link>');
    expect(xml).toContain('<lastBuildDate>Wed, 19 Nov 2025 21:10:00 GMT</lastBuildDate>');
    expect(xml).toContain('<description>Dek &quot;quoted&quot;</description>');
  });
  test('sitemap lists absolute URLs with lastmod', () => {
    expect(sitemap([{ path: '/' }, { path: '/news/a/', lastmod: '2025-11-19T00:00:00.000Z' }], new URL('https://news.example'))).toMatchInlineSnapshot(`
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
    const cache = new RenderCache();
    const first = cache.get(body, render);
    expect(cache.get(body, render)).toEqual(first);
    expect(renders).toBe(1);
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'render-cache-')), 'render.json');
    await saveRenderCache(file, cache);
    const loaded = await loadRenderCache(file);
    expect(loaded.get(body, render)).toEqual(first);
    expect(renders).toBe(1);
    expect(loaded.get({ ...body, value: 'changed' }, render).html).toBe('<p>changed</p>');
    expect(renders).toBe(2);
  });
  test('digests differ between formats and bodies; a missing file is an empty cache', async () => {
    expect(bodyDigest(body)).not.toBe(bodyDigest({ format: 'portable-text', value: [] }));
    expect((await loadRenderCache('/nonexistent/render.json')).entries()).toEqual([]);
  });
});
