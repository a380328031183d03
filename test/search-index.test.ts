import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test, vi } from 'vitest';
import type { StoryView } from '../src/lib/site/site.ts';
import {
  BODY_WORDS,
  bodyText,
  firstWords,
  partKeysText,
  partsManifest,
  readPartKeys,
  searchKey,
  searchParts,
  searchRecord,
  stopSearchIndex,
  writeSearchPart,
} from '../src/lib/site/search-index.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

function story(slug: string, title: string, html: string, publishedAt = '2025-11-20T23:30:00.000Z'): StoryView {
  return {
    id: `story-${slug}`,
    slug,
    url: `/news/${slug}/`,
    title,
    dek: `The dek of ${slug}`,
    publishedAt,
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
    // Hexadecimal with either x, up to the last code point; one past it is a space.
    expect(bodyText('a&#X41;b&#x10FFFF;c&#x110000;d')).toBe('aAb\u{10FFFF}c d');
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

describe('firstWords', () => {
  test('keeps the first words of a text; a record holds the first BODY_WORDS words of the body', () => {
    expect(firstWords('one two three four', 2)).toBe('one two');
    expect(firstWords('one two', 5)).toBe('one two');
    const body = Array.from({ length: BODY_WORDS + 50 }, (_, i) => `w${i}`);
    const record = searchRecord(story('long', 'Long', `<p>${body.join(' ')}</p>`), 'UTC');
    expect(record.content).toBe(`Long. The dek of long ${body.slice(0, BODY_WORDS).join(' ')}`);
  });
});

describe('searchParts', () => {
  const storyPage = (slug: string, publishedAt: string, body = 'x') => story(slug, slug, `<p>${body}</p>`, publishedAt);
  const summary = (parts: ReturnType<typeof searchParts>) => parts.map((p) => [p.name, p.stories.map((s) => s.slug)]);
  const site = [
    storyPage('a', '2024-03-01T10:00:00.000Z'),
    storyPage('b', '2025-06-01T10:00:00.000Z'),
    storyPage('c', '2024-12-31T23:00:00.000Z'),
    storyPage('d', '2025-01-01T00:30:00.000Z'),
  ];

  test('one part per publish year (UTC), newest first', () => {
    expect(summary(searchParts(site, 'UTC', 'code'))).toEqual([
      ['2025', ['b', 'd']],
      ['2024', ['c', 'a']],
    ]);
  });

  test('a year over the limit is split into quarters, a quarter over it into months, a month into runs', () => {
    const pages = [
      storyPage('q1a', '2025-01-05T00:00:00.000Z'),
      storyPage('q1b', '2025-02-05T00:00:00.000Z'),
      storyPage('q1c', '2025-03-05T00:00:00.000Z'),
      storyPage('q2', '2025-05-05T00:00:00.000Z'),
      storyPage('m1', '2025-11-02T00:00:00.000Z'),
      storyPage('m2', '2025-11-01T00:00:00.000Z'),
      storyPage('m3', '2025-11-03T00:00:00.000Z'),
      storyPage('old', '2024-05-05T00:00:00.000Z'),
    ];
    expect(summary(searchParts(pages, 'UTC', 'code', 2))).toEqual([
      ['2025-11-2', ['m3']],
      ['2025-11-1', ['m1', 'm2']],
      ['2025-q2', ['q2']],
      ['2025-03', ['q1c']],
      ['2025-02', ['q1b']],
      ['2025-01', ['q1a']],
      ['2024', ['old']],
    ]);
    // The same stories in another order make the same parts.
    expect(summary(searchParts([...pages].reverse(), 'UTC', 'code', 2)).map(([name]) => name)).toEqual(
      summary(searchParts(pages, 'UTC', 'code', 2)).map(([name]) => name),
    );
  });

  test('a change of a story changes the key of its part only; a removal removes an emptied part', () => {
    const before = searchParts(site, 'UTC', 'code');
    const keys = (parts: ReturnType<typeof searchParts>) => Object.fromEntries(parts.map((p) => [p.name, p.key]));
    // Deterministic, whatever the order of the stories.
    expect(keys(searchParts([...site].reverse(), 'UTC', 'code'))).toEqual(keys(before));
    expect(summary(searchParts([...site].reverse(), 'UTC', 'code'))).toEqual(summary(before));
    const changed = searchParts(
      site.map((s) => (s.slug === 'c' ? storyPage('c', '2024-12-31T23:00:00.000Z', 'an edited body') : s)),
      'UTC',
      'code',
    );
    expect(keys(changed)['2025']).toBe(keys(before)['2025']);
    expect(keys(changed)['2024']).not.toBe(keys(before)['2024']);
    const added = searchParts([...site, storyPage('e', '2025-07-01T00:00:00.000Z')], 'UTC', 'code');
    expect(keys(added)['2025']).not.toBe(keys(before)['2025']);
    expect(keys(added)['2024']).toBe(keys(before)['2024']);
    const removed = searchParts(
      site.filter((s) => s.slug !== 'a' && s.slug !== 'c'),
      'UTC',
      'code',
    );
    expect(Object.keys(keys(removed))).toEqual(['2025']);
    expect(keys(removed)['2025']).toBe(keys(before)['2025']);
    // Other code or another time zone (the dates printed), other keys.
    expect(keys(searchParts(site, 'UTC', 'other code'))['2024']).not.toBe(keys(before)['2024']);
    expect(keys(searchParts(site, 'Europe/Berlin', 'code'))['2024']).not.toBe(keys(before)['2024']);
    expect(searchKey(changed)).not.toBe(searchKey(before));
    expect(searchKey(searchParts(site, 'UTC', 'code'))).toBe(searchKey(before));
  });

  test('a month is cut into runs of exactly the limit, oldest first, ties by id; no empty run', () => {
    const at = '2025-11-02T00:00:00.000Z';
    const parts = searchParts(
      [storyPage('d', at), storyPage('b', at), storyPage('c', at), storyPage('a', at)],
      'UTC',
      'code',
      2,
    );
    // Runs of equal times: ordered by name, as their stories are.
    expect(summary(parts)).toEqual([
      ['2025-11-1', ['b', 'a']],
      ['2025-11-2', ['d', 'c']],
    ]);
    // A year of exactly the limit stays one part.
    expect(
      summary(searchParts([storyPage('x', at), storyPage('y', '2025-01-01T00:00:00.000Z')], 'UTC', 'code', 2)),
    ).toEqual([['2025', ['x', 'y']]]);
  });

  test("a story's tags are part of its part's key", () => {
    const one = storyPage('t', '2025-01-01T00:00:00.000Z');
    const retagged = { ...one, tags: [{ slug: 'peace', name: 'Peace', url: '/tags/peace/' }] };
    expect(searchParts([retagged], 'UTC', 'code')[0]?.key).not.toBe(searchParts([one], 'UTC', 'code')[0]?.key);
  });

  test('the part keys beside an index: written as name to key, read back; anything else reads as none', async () => {
    const parts = searchParts(site, 'UTC', 'code');
    const dir = await mkdtemp(path.join(tmpdir(), 'part-keys-'));
    dirs.push(dir);
    const file = path.join(dir, 'keys.json');
    await writeFile(file, partKeysText(parts));
    expect(await readPartKeys(file)).toEqual(new Map(parts.map((p) => [p.name, p.key])));
    await writeFile(file, JSON.stringify({ '2025': 'k', '2024': 7 }));
    expect(await readPartKeys(file)).toEqual(new Map([['2025', 'k']]));
    for (const text of ['["2025", "k"]', 'null', '"2025"', '{ not json'] as const) {
      await writeFile(file, text);
      expect(await readPartKeys(file), text).toEqual(new Map());
    }
    expect(await readPartKeys(path.join(dir, 'missing.json'))).toEqual(new Map());
  });

  test('the manifest lists the parts newest first with their story counts', () => {
    expect(JSON.parse(partsManifest(searchParts(site, 'UTC', 'code')))).toEqual({
      parts: [
        { name: '2025', stories: 2 },
        { name: '2024', stories: 2 },
      ],
    });
  });
});

describe('writeSearchPart', () => {
  test('writes a Pagefind bundle of the stories into <dir>, replacing the one there, without the stock UIs', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'search-index-'));
    dirs.push(dir);
    const first = await writeSearchPart(
      [story('a', 'Alpha', '<p>first</p>'), story('b', 'Beta', '<p>second</p>')],
      'UTC',
      dir,
    );
    expect(first.records).toBe(2);
    const files = await readdir(dir);
    expect(files).toEqual(expect.arrayContaining(['pagefind.js', 'pagefind-entry.json', 'fragment', 'filter']));
    expect(files.filter((f) => /ui|highlight/.test(f))).toEqual([]);
    const entry = JSON.parse(await readFile(path.join(dir, 'pagefind-entry.json'), 'utf8')) as {
      languages: Record<string, { page_count: number }>;
    };
    expect(entry.languages['en']?.page_count).toBe(2);
    await writeSearchPart([story('c', 'Gamma', '<p>third</p>')], 'UTC', dir);
    const again = JSON.parse(await readFile(path.join(dir, 'pagefind-entry.json'), 'utf8')) as {
      languages: Record<string, { page_count: number }>;
    };
    expect(again.languages['en']?.page_count).toBe(1);
    expect((await readdir(path.join(dir, 'fragment'))).length).toBe(1);
  }, 60_000);

  /** The command lines of this process's child processes (Linux). */
  const children = () =>
    readdirSync('/proc/self/task').flatMap((task) =>
      readFileSync(`/proc/self/task/${task}/children`, 'utf8')
        .split(' ')
        .filter(Boolean)
        .map((pid) => (existsSync(`/proc/${pid}/cmdline`) ? readFileSync(`/proc/${pid}/cmdline`, 'utf8') : '')),
    );

  test.skipIf(!existsSync('/proc/self/task'))(
    'Pagefind runs only for the time of a write; its report counts the records and a time within the call',
    async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'search-index-'));
      dirs.push(dir);
      const before = performance.now();
      const report = await writeSearchPart([story('a', 'Alpha', '<p>first</p>')], 'UTC', dir);
      expect(report.records).toBe(1);
      expect(report.ms).toBeGreaterThan(0);
      expect(report.ms).toBeLessThanOrEqual(performance.now() - before);
      // Pagefind is told to stop; it may take a moment to exit on a busy machine.
      await vi.waitFor(() => expect(children().filter((cmd) => cmd.includes('pagefind'))).toEqual([]), {
        timeout: 10_000,
        interval: 100,
      });
    },
    60_000,
  );

  test('writes into a folder that does not exist yet', async () => {
    const parent = await mkdtemp(path.join(tmpdir(), 'search-index-'));
    dirs.push(parent);
    const dir = path.join(parent, 'part');
    expect((await writeSearchPart([story('a', 'Alpha', '<p>first</p>')], 'UTC', dir)).records).toBe(1);
    expect(await readdir(dir)).toContain('pagefind-entry.json');
  }, 60_000);

  test('stopSearchIndex ends a write under way', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'search-index-'));
    dirs.push(dir);
    let stopped: Promise<void> | undefined;
    function* stories() {
      yield story('a', 'Alpha', '<p>first</p>');
      stopped = stopSearchIndex();
      yield story('b', 'Beta', '<p>second</p>');
    }
    await expect(writeSearchPart(stories(), 'UTC', dir)).rejects.toThrow();
    await stopped;
  }, 60_000);
});
