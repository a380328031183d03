import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import type { SitePage } from '../src/lib/site/pages.ts';
import type { StoryView } from '../src/lib/site/site.ts';
import { bodyText, searchKey, searchRecord, writeSearchIndex } from '../src/lib/site/search-index.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

function story(slug: string, title: string, html: string): StoryView {
  return {
    id: `story-${slug}`,
    slug,
    url: `/news/${slug}/`,
    title,
    dek: `The dek of ${slug}`,
    publishedAt: '2025-11-20T23:30:00.000Z',
    section: { slug: 'world', name: 'World', url: '/section/world/' },
    tags: [
      { slug: 'ukraine', name: 'Ukraine', url: '/tags/ukraine/' },
      { slug: 'war', name: 'War', url: '/tags/war/' },
    ],
    authors: [],
    html,
    similar: [],
  };
}

describe('bodyText', () => {
  test('tags become spaces, character references their characters, whitespace one space', () => {
    expect(bodyText('<p>Fish &amp; chips</p><p>a&lt;b &#8212; &#x2014;&nbsp;end</p>\n<ul><li>one</li></ul>')).toBe(
      'Fish & chips a<b — — end one',
    );
    expect(bodyText('<p>&unknown; &#0; &#x110000;</p>')).toBe('&unknown;');
  });
});

describe('searchRecord', () => {
  test('headline, dek and body text as content; meta, section and tag filters, the date to sort by', () => {
    const record = searchRecord(story('kyiv', 'Talks in Kyiv', '<p>Drones <b>overnight</b></p>'), 'Europe/Berlin');
    expect(record).toEqual({
      url: '/news/kyiv/',
      content: 'Talks in Kyiv. The dek of kyiv Drones overnight',
      language: 'en',
      meta: {
        title: 'Talks in Kyiv',
        dek: 'The dek of kyiv',
        section: 'World',
        date: '2025-11-20T23:30:00.000Z',
        // The site's time zone: already the 21st in Berlin.
        dateText: 'Nov 21, 2025',
      },
      filters: { section: ['World'], tag: ['Ukraine', 'War'] },
      sort: { date: '2025-11-20T23:30:00.000Z' },
    });
  });
});

describe('searchKey', () => {
  const page = (path: string, key: string, kind: SitePage['kind'] = 'story') =>
    ({ kind, path, key, params: {}, props: {} }) as unknown as SitePage;
  test('changes with a story page key or the code, not with other pages', () => {
    const base = searchKey([page('/news/a/', '1'), page('/', 'h', 'home')], 'code');
    expect(searchKey([page('/news/a/', '1'), page('/', 'other', 'home')], 'code')).toBe(base);
    expect(searchKey([page('/news/a/', '2'), page('/', 'h', 'home')], 'code')).not.toBe(base);
    expect(searchKey([page('/news/a/', '1'), page('/news/b/', '1'), page('/', 'h', 'home')], 'code')).not.toBe(base);
    expect(searchKey([page('/news/a/', '1'), page('/', 'h', 'home')], 'other code')).not.toBe(base);
  });
});

describe('writeSearchIndex', () => {
  test('writes a Pagefind index of the stories into <dir>/pagefind/, replacing the one there, without the stock UIs', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'search-index-'));
    dirs.push(dir);
    const first = await writeSearchIndex(
      [story('a', 'Alpha', '<p>first</p>'), story('b', 'Beta', '<p>second</p>')],
      'UTC',
      dir,
    );
    expect(first.records).toBe(2);
    const files = await readdir(path.join(dir, 'pagefind'));
    expect(files).toEqual(expect.arrayContaining(['pagefind.js', 'pagefind-entry.json', 'fragment', 'filter']));
    expect(files.filter((f) => /ui|highlight/.test(f))).toEqual([]);
    const entry = JSON.parse(await readFile(path.join(dir, 'pagefind', 'pagefind-entry.json'), 'utf8')) as {
      languages: Record<string, { page_count: number }>;
    };
    expect(entry.languages['en']?.page_count).toBe(2);
    await writeSearchIndex([story('c', 'Gamma', '<p>third</p>')], 'UTC', dir);
    const again = JSON.parse(await readFile(path.join(dir, 'pagefind', 'pagefind-entry.json'), 'utf8')) as {
      languages: Record<string, { page_count: number }>;
    };
    expect(again.languages['en']?.page_count).toBe(1);
    expect((await readdir(path.join(dir, 'pagefind', 'fragment'))).length).toBe(1);
  }, 60_000);
});
