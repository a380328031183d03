import { mkdtemp, readdir, readFile, readlink, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { SearchIndexer } from '../../rebuild/search.ts';
import type { StoryView } from '../../src/lib/site/site.ts';
import { searchKey, searchParts } from '../../src/lib/site/search-index.ts';

// The rebuild service's search index (rebuild/search.ts), with the real Pagefind: each update writes the parts
// whose stories changed, links the others from the folder served, and drops the parts left without stories.

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

function story(slug: string, publishedAt: string, body = 'words'): StoryView {
  return {
    id: `story-${slug}`,
    slug,
    url: `/news/${slug}/`,
    title: `Story ${slug}`,
    dek: `The dek of ${slug}`,
    publishedAt,
    section: { slug: 'world', name: 'World', url: '/section/world/' },
    tags: [],
    authors: [],
    html: `<p>${body}</p>`,
    similar: [],
  };
}

test('a publish writes the part of its year only; a part left without stories is gone', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'search-parts-'));
  dirs.push(root);
  const indexer = new SearchIndexer(root, () => undefined);
  await indexer.init();
  const served = async () => path.join(root, 'search', await readlink(indexer.dir), 'pagefind');
  const update = async (stories: StoryView[]) => {
    const parts = searchParts(stories, 'UTC');
    indexer.update({ parts, timeZone: 'UTC', key: searchKey(parts), triggeredAt: null });
    await indexer.idle();
    const index = await served();
    const manifest = JSON.parse(await readFile(path.join(index, 'parts.json'), 'utf8')) as unknown;
    return { status: indexer.status(), index, manifest };
  };
  const old = story('old', '2024-03-01T10:00:00.000Z');
  const first = await update([old, story('new', '2025-06-01T10:00:00.000Z')]);
  expect(first.status).toMatchObject({ state: 'ready', records: 2, parts: 2, written: 2, lastError: null });
  expect(first.manifest).toEqual({
    parts: [
      { name: '2025', stories: 1 },
      { name: '2024', stories: 1 },
    ],
  });
  const entry = path.join(first.index, '2024', 'pagefind-entry.json');

  // A story published in 2025: the 2024 part is the same files (hard links), the 2025 part is written again.
  const second = await update([
    old,
    story('new', '2025-06-01T10:00:00.000Z'),
    story('next', '2025-07-01T10:00:00.000Z'),
  ]);
  expect(second.index).not.toBe(first.index);
  expect(second.status).toMatchObject({ records: 3, parts: 2, written: 1 });
  expect((await stat(path.join(second.index, '2024', 'pagefind-entry.json'))).ino).toBe((await stat(entry)).ino);
  expect(second.manifest).toEqual({
    parts: [
      { name: '2025', stories: 2 },
      { name: '2024', stories: 1 },
    ],
  });
  // The folder before stays for pages that loaded it.
  expect((await stat(entry)).isFile()).toBe(true);

  // The one story of 2024 unpublished: its part is gone, nothing is written.
  const third = await update([story('new', '2025-06-01T10:00:00.000Z'), story('next', '2025-07-01T10:00:00.000Z')]);
  expect(third.status).toMatchObject({ records: 2, parts: 1, written: 0 });
  expect((await readdir(third.index)).sort()).toEqual(['2025', 'parts.json', 'parts.keys.json']);
  expect(third.manifest).toEqual({ parts: [{ name: '2025', stories: 2 }] });
  await indexer.stop();
}, 60_000);
