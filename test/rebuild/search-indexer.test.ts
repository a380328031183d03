import { mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { SearchIndexer } from '../../rebuild/search.ts';
import type { StoryView } from '../../src/lib/site/site.ts';
import { searchKey, searchParts } from '../../src/lib/site/search-index.ts';

// The search indexer's bookkeeping (rebuild/search.ts), with the real Pagefind: when an index is written and when
// not, what /status says, the folders it keeps, a failed write, a restart and a stop.

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

function story(slug: string, publishedAt: string): StoryView {
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
    html: `<p>Words about ${slug}</p>`,
    similar: [],
  };
}

function job(stories: StoryView[], triggeredAt: string | null = null, timeZone = 'UTC') {
  const parts = searchParts(stories, timeZone);
  return { parts, timeZone, key: searchKey(parts), triggeredAt };
}

async function setup() {
  const root = await mkdtemp(path.join(tmpdir(), 'search-indexer-'));
  dirs.push(root);
  const logs: string[] = [];
  const indexer = new SearchIndexer(root, (line) => logs.push(line));
  await indexer.init();
  const served = async () => readlink(indexer.dir).catch(() => undefined);
  const folders = async () => (await readdir(path.join(root, 'search'))).filter((e) => e !== 'current').sort();
  return { root, logs, indexer, served, folders };
}

const A = story('a', '2024-03-01T10:00:00.000Z');
const B = story('b', '2025-06-01T10:00:00.000Z');
const C = story('c', '2025-07-01T10:00:00.000Z');

test('before any index: nothing served; the folder is search/current under the root', async () => {
  const { root, indexer, served } = await setup();
  expect(indexer.root).toBe(path.join(root, 'search'));
  expect(indexer.dir).toBe(path.join(root, 'search', 'current'));
  expect(indexer.status()).toEqual({
    state: 'none',
    records: null,
    parts: null,
    written: null,
    ms: null,
    finishedAt: null,
    sincePublishMs: null,
    lastError: null,
  });
  expect(await served()).toBeUndefined();
});

test('an index: indexing while written, then ready, with its counts, its time and how long after the publish', async () => {
  const { logs, indexer, served, root } = await setup();
  const asked = new Date(Date.now() - 60_000).toISOString();
  const before = Date.now();
  const started = performance.now();
  indexer.update(job([A, B], asked));
  expect(indexer.status().state).toBe('indexing');
  await indexer.idle();
  const took = performance.now() - started;
  const after = Date.now();
  const status = indexer.status();
  expect(status).toMatchObject({ state: 'ready', records: 2, parts: 2, written: 2, lastError: null });
  const finished = Date.parse(status.finishedAt ?? '');
  expect(finished).toBeGreaterThanOrEqual(before);
  expect(finished).toBeLessThanOrEqual(after);
  expect(status.sincePublishMs).toBe(finished - Date.parse(asked));
  expect(status.ms).toBe(Math.round(status.ms ?? NaN));
  expect(status.ms).toBeGreaterThan(0);
  expect(status.ms).toBeLessThanOrEqual(Math.ceil(took));
  expect(logs).toEqual([
    `search index of 2 stories is live (2 of 2 parts written, ${status.ms} ms, ${status.sincePublishMs} ms after the publish)`,
  ]);
  const name = await served();
  expect(name).toMatch(/^\d+$/);
  const folder = path.join(root, 'search', String(name));
  expect(await readFile(path.join(folder, 'key'), 'utf8')).toBe(job([A, B]).key);
  expect(JSON.parse(await readFile(path.join(folder, 'pagefind', 'parts.keys.json'), 'utf8'))).toEqual(
    Object.fromEntries(job([A, B]).parts.map((p) => [p.name, p.key])),
  );
  // Without the publish's time, the log says nothing of it.
  indexer.update(job([A, B, C]));
  await indexer.idle();
  expect(indexer.status().sincePublishMs).toBeNull();
  expect(logs[1]).toMatch(/^search index of 3 stories is live \(1 of 2 parts written, \d+ ms\)$/);
  await indexer.stop();
});

test('the key served is not written again; requests during a write coalesce', async () => {
  const { logs, indexer, folders } = await setup();
  indexer.update(job([A]));
  await indexer.idle();
  indexer.update(job([A]));
  expect(indexer.status().state).toBe('ready');
  await indexer.idle();
  expect(logs).toHaveLength(1);
  // While [A, B] is written, of the indexes asked for meanwhile only the last is written.
  indexer.update(job([A, B]));
  indexer.update(job([A, B]));
  indexer.update(job([A, C]));
  indexer.update(job([A, B, C]));
  await indexer.idle();
  expect(logs.map((l) => /of (\d+) stories/.exec(l)?.[1])).toEqual(['1', '2', '3']);
  // The served folder and the one before stay; older ones go.
  expect(await folders()).toHaveLength(2);
  // [A] is written; [A, B] waits, then [A] is asked for again: once [A] is served, it is not written again.
  indexer.update(job([A]));
  indexer.update(job([A, B]));
  indexer.update(job([A]));
  await indexer.idle();
  expect(logs.map((l) => /of (\d+) stories/.exec(l)?.[1])).toEqual(['1', '2', '3', '1']);
  await indexer.stop();
});

test('parts are linked from the served index, files in folders too, unless the served part lacks its entry file', async () => {
  const { indexer, served, root } = await setup();
  indexer.update(job([A, B]));
  await indexer.idle();
  const first = path.join(root, 'search', String(await served()), 'pagefind');
  const files = async (dir: string): Promise<string[]> =>
    (await readdir(dir, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
      .sort();
  const old = await files(path.join(first, '2024'));
  expect(old.some((f) => f.includes(path.sep))).toBe(true);
  indexer.update(job([A, B, C]));
  await indexer.idle();
  const second = path.join(root, 'search', String(await served()), 'pagefind');
  expect(await files(path.join(second, '2024'))).toEqual(old);
  for (const file of old)
    expect((await stat(path.join(second, '2024', file))).ino).toBe((await stat(path.join(first, '2024', file))).ino);
  // A served part without its entry file is written again.
  await rm(path.join(second, '2024', 'pagefind-entry.json'));
  indexer.update(job([A, C]));
  await indexer.idle();
  expect(indexer.status()).toMatchObject({ records: 2, parts: 2, written: 2 });
  await indexer.stop();
});

test('a failed write keeps the index served and says why; the next one clears the error', async () => {
  const { logs, indexer, served } = await setup();
  indexer.update(job([A]));
  await indexer.idle();
  const name = await served();
  indexer.update(job([A, B], null, 'Not/A_Zone'));
  await indexer.idle();
  expect(await served()).toBe(name);
  const status = indexer.status();
  expect(status.state).toBe('ready');
  expect(status.records).toBe(1);
  expect(status.lastError).toMatch(/Not\/A_Zone/);
  expect(logs.at(-1)).toBe(`search index failed: ${status.lastError}; still serving the one before`);
  // Asked for again, it is tried again.
  indexer.update(job([A, B], null, 'Not/A_Zone'));
  await indexer.idle();
  expect(logs.filter((l) => l.startsWith('search index failed: '))).toHaveLength(2);
  indexer.update(job([A, B]));
  await indexer.idle();
  expect(indexer.status()).toMatchObject({ records: 2, lastError: null });
  await indexer.stop();
});

test('a restart serves the index it left, with its key; other folders but the served one are removed', async () => {
  const first = await setup();
  first.indexer.update(job([A]));
  await first.indexer.idle();
  first.indexer.update(job([A, B]));
  await first.indexer.idle();
  await first.indexer.stop();
  const name = await first.served();
  expect(await first.folders()).toHaveLength(2);
  await mkdir(path.join(first.root, 'search', 'stray'));
  await writeFile(path.join(first.root, 'search', 'current.123.tmp'), '');
  const logs: string[] = [];
  const again = new SearchIndexer(first.root, (line) => logs.push(line));
  await again.init();
  expect(again.status().state).toBe('ready');
  expect(await first.folders()).toEqual([name]);
  again.update(job([A, B]));
  await again.idle();
  expect(logs).toEqual([]);
  // A new folder's name is not one used before.
  again.update(job([A, B, C]));
  await again.idle();
  expect(Number(await first.served())).toBeGreaterThan(Number(name));
  await again.stop();
  // A served folder without its key: not ready, and the next index is written.
  await rm(path.join(first.root, 'search', String(await first.served()), 'key'));
  const third = new SearchIndexer(first.root, () => undefined);
  await third.init();
  expect(third.status().state).toBe('none');
});

test('a stop cuts a write short: nothing more is served, and nothing starts after', async () => {
  const { logs, indexer, served } = await setup();
  indexer.update(job([A]));
  await indexer.idle();
  const name = await served();
  indexer.update(job([A, B, C]));
  await indexer.stop();
  expect(await served()).toBe(name);
  expect(indexer.status()).toMatchObject({ state: 'ready', records: 1, lastError: null });
  indexer.update(job([B]));
  expect(indexer.status().state).toBe('ready');
  await indexer.idle();
  expect(await served()).toBe(name);
  expect(logs).toHaveLength(1);
});

test('a stop while Pagefind writes: the write is cut short, and that is no error', async () => {
  const { logs, indexer, served } = await setup();
  indexer.update(job([A]));
  await indexer.idle();
  const name = await served();
  const many = Array.from({ length: 3000 }, (_, i) =>
    story(`many-${i}`, new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString()),
  );
  indexer.update(job(many));
  await new Promise((resolve) => setTimeout(resolve, 300));
  await indexer.stop();
  expect(await served()).toBe(name);
  expect(indexer.status().lastError).toBeNull();
  expect(logs).toHaveLength(1);
}, 60_000);
