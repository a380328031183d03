/**
 * Rules of the small parts between the site model and the pages, each against a value written out by hand: reading
 * time, cache keys, which body format goes which way, the feed and sitemap routes, render plan files, and which
 * content source the environment picks.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { renderBody } from '../src/lib/body/body.ts';
import { cacheKey } from '../src/lib/body/cache-key.ts';
import { readingMinutes } from '../src/lib/site/reading-time.ts';
import {
  jsonFeedResponse,
  newsSitemapResponse,
  robotsResponse,
  rssResponse,
  sitemapIndexResponse,
  sitemapResponse,
} from '../src/lib/site/feed-routes.ts';
import { readPlan, writePlan } from '../src/lib/site/render-plan.ts';
import type { Layout, SitePage } from '../src/lib/site/pages.ts';
import { loadSource, sourceFromEnv } from '../src/lib/sources/load-source.ts';
import { SourceError } from '../src/lib/sources/source-error.ts';

describe('readingMinutes', () => {
  // Four words, with the tags, an entity and the joins the word count must read right: "don’t" and "well-known" are
  // one word each; a tag or an entity between two words separates them.
  const unit = '<p>don’t</p><p>well-known</p>2025&amp;café ';

  test('344 words read in 1 minute and 345 in 2 (230 words a minute, rounded)', () => {
    expect(readingMinutes(unit.repeat(86))).toBe(1);
    expect(readingMinutes(`${unit.repeat(86)}one`)).toBe(2);
  });

  test('numeric entities separate words too', () => {
    expect(readingMinutes('a&#160;'.repeat(344))).toBe(1);
    expect(readingMinutes('a&#160;'.repeat(345))).toBe(2);
  });

  test('a body without words reads in 1 minute', () => {
    expect(readingMinutes('')).toBe(1);
    expect(readingMinutes('<p></p><hr>&nbsp;')).toBe(1);
  });
});

describe('cacheKey', () => {
  test('a base64url SHA-1 digest', () => {
    expect(cacheKey('a')).toMatch(/^[\w-]{27}$/);
  });

  test('parts are kept apart: no two different lists of parts give the same text to digest', () => {
    expect(cacheKey(1, 2)).not.toBe(cacheKey(12));
    expect(cacheKey(undefined)).not.toBe(cacheKey());
    expect(cacheKey(undefined)).not.toBe(cacheKey(null));
  });
});

describe('renderBody', () => {
  test('a Portable Text body is read as blocks, a markdown body as markdown', () => {
    const blocks = [
      {
        _type: 'block',
        _key: 'b',
        style: 'normal',
        markDefs: [],
        children: [{ _type: 'span', _key: 's', text: '*not emphasis*', marks: [] }],
      },
    ];
    expect(renderBody({ format: 'portable-text', value: blocks }).html).toBe('<p>*not emphasis*</p>');
    expect(renderBody({ format: 'markdown', value: '*emphasis*' }).html).toBe('<p><em>emphasis</em></p>');
  });
});

describe('feed and sitemap routes', () => {
  const site = new URL('https://news.example/');
  const feed = {
    title: 'World news',
    description: 'The latest.',
    page: '/section/world/',
    self: '/section/world/rss.xml',
  };
  const item = {
    title: 'A headline',
    url: '/news/a/',
    dek: 'A dek.',
    publishedAt: '2025-11-20T14:30:00.000Z',
    section: { name: 'World', url: '/section/world/' },
  } as unknown as Parameters<typeof rssResponse>[0]['items'][number];

  const read = async (response: Response): Promise<[string | null, string]> => [
    response.headers.get('content-type'),
    await response.text(),
  ];

  test('RSS carries every item it is given, under the feed title', async () => {
    const [type, body] = await read(rssResponse({ feed, items: [item, { ...item, url: '/news/b/' }] }, site, 'UTC'));
    expect(type).toBe('application/rss+xml; charset=utf-8');
    expect(body).toContain('<title>World news</title>');
    expect(body.match(/<item>/g)).toHaveLength(2);
    expect(body).toContain('<language>en</language>');
  });

  test('a JSON Feed', async () => {
    const [type, body] = await read(jsonFeedResponse({ feed, items: [item] }, site, 'UTC'));
    expect(type).toBe('application/feed+json; charset=utf-8');
    const json = JSON.parse(body) as { title: string; language: string; items: unknown[] };
    expect([json.title, json.language, json.items.length]).toEqual(['World news', 'en', 1]);
  });

  test('sitemaps as XML, robots.txt as text, with absolute URLs', async () => {
    const [indexType, index] = await read(sitemapIndexResponse({ sitemaps: [{ path: '/sitemaps/a.xml' }] }, site));
    expect(indexType).toBe('application/xml; charset=utf-8');
    expect(index).toContain('<loc>https://news.example/sitemaps/a.xml</loc>');
    const [childType, child] = await read(sitemapResponse({ entries: [{ path: '/news/a/' }] }, site));
    expect(childType).toBe('application/xml; charset=utf-8');
    expect(child).toContain('<loc>https://news.example/news/a/</loc>');
    const entries = [{ path: '/news/a/', title: 'A headline', publishedAt: '2025-11-20T14:30:00.000Z' }];
    const [newsType, news] = await read(newsSitemapResponse({ entries }, site));
    expect(newsType).toBe('application/xml; charset=utf-8');
    expect(news).toContain('<news:name>Newsdesk</news:name><news:language>en</news:language>');
    const [robotsType, robots] = await read(robotsResponse({ sitemaps: ['/sitemap.xml'] }, site));
    expect(robotsType).toBe('text/plain; charset=utf-8');
    expect(robots).toBe('User-agent: *\nAllow: /\n\nSitemap: https://news.example/sitemap.xml\n');
  });
});

describe('render plan files', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'plan-'));
  const layout = { sections: [{ name: 'World' }] } as unknown as Layout;
  const page = (n: number) =>
    ({
      kind: 'story',
      path: `/news/s${n}/`,
      params: { slug: `s${n}` },
      props: { n },
      key: `k${n}`,
    }) as unknown as SitePage;

  test('a plan reads back as written: the layout, then the pages in order, one JSON line each', async () => {
    const file = path.join(dir, 'plan.ndjson');
    // Text that is not ASCII, split across the stream's chunks, reads back whole.
    const wide = { sections: [{ name: 'Ünïcödé '.repeat(20_000) }] } as unknown as Layout;
    await writePlan(file, wide, [page(1), page(2), page(3)]);
    expect(readFileSync(file, 'utf8').split('\n')).toHaveLength(5);
    expect(await readPlan(file)).toEqual({ layout: wide, pages: [page(1), page(2), page(3)] });
  });

  test('a plan without pages has its layout', async () => {
    const file = path.join(dir, 'empty-pages.ndjson');
    await writePlan(file, layout, []);
    expect(await readPlan(file)).toEqual({ layout, pages: [] });
  });

  test('a line that is not JSON is an error naming the file and the line', async () => {
    const file = path.join(dir, 'broken.ndjson');
    writeFileSync(file, `${JSON.stringify({ layout })}\n${JSON.stringify(page(1))}\n{oops\n`);
    await expect(readPlan(file)).rejects.toHaveProperty('cause', expect.any(SyntaxError));
    await expect(readPlan(file)).rejects.toThrow(
      new RegExp(
        `^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3 is not a render plan line \\(.*\\); plans are written`,
      ),
    );
  });

  test('an empty file, or one without a layout, is an error', async () => {
    const file = path.join(dir, 'empty.ndjson');
    writeFileSync(file, '');
    await expect(readPlan(file)).rejects.toThrow(`${file} is an empty render plan`);
    writeFileSync(file, `${JSON.stringify({ pages: [] })}\n`);
    await expect(readPlan(file)).rejects.toThrow(`${file} is an empty render plan`);
  });
});

describe('sourceFromEnv', () => {
  test('Sanity when SANITY_PROJECT_ID is set, with the environment it reads the rest from', () => {
    const env = { SANITY_PROJECT_ID: 'p1', CONTENT_DIR: '/ignored' };
    expect(sourceFromEnv(env)).toStrictEqual({ kind: 'sanity', env });
  });

  test('else the content folder: CONTENT_DIR, resolved, or content/', () => {
    expect(sourceFromEnv({ CONTENT_DIR: 'stories/here' })).toStrictEqual({
      kind: 'files',
      dir: path.resolve('stories/here'),
    });
    expect(sourceFromEnv({ SANITY_PROJECT_ID: '' })).toStrictEqual({ kind: 'files', dir: path.resolve('content') });
  });

  test('a Sanity source reads its settings from its environment, not from a folder', async () => {
    await expect(loadSource({ kind: 'sanity', env: {} })).rejects.toThrow(/SANITY_PROJECT_ID: expected a project id/);
  });
});

test('a SourceError says the source failed, names the source, and keeps the cause', () => {
  const cause = new Error('ECONNREFUSED');
  const error = new SourceError('http://127.0.0.1:3333', 'the API did not answer', { cause });
  expect([error.name, error.message, error.source, error.cause]).toEqual([
    'SourceError',
    'the content source failed: the API did not answer',
    'http://127.0.0.1:3333',
    cause,
  ]);
  expect(error).toBeInstanceOf(Error);
});
