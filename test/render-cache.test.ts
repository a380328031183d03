// The render cache (src/lib/body/render-cache.ts) against a real SQLite database in a temp folder: what a get, an
// adopt, a release and a save each leave in memory and on disk, what counts as a malformed row, and the digest,
// checked against a value computed by hand (SHA-1 of `1\0markdown\0x`, base64url).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, test } from 'vitest';
import { bodyDigest, lookupBodies, RENDER_VERSION, RenderCache } from '../src/lib/body/render-cache.ts';
import type { RenderedBody } from '../src/lib/site/site.ts';
import type { StoryBody } from '../src/lib/model/story.ts';

const a: StoryBody = { format: 'markdown', value: 'a' };
const b: StoryBody = { format: 'markdown', value: 'b' };
const c: StoryBody = { format: 'markdown', value: 'c' };
const rendered = (body: StoryBody): RenderedBody => ({
  html: `<p>${String(body.value)}</p>`,
  text: String(body.value),
});

function tempDir(): string {
  return path.join(mkdtempSync(path.join(tmpdir(), 'render-cache-')), 'render');
}

/** The rows of a cache's database, key → stored value. */
function rows(dir: string): Record<string, string> {
  const db = new DatabaseSync(path.join(dir, 'bodies.sqlite'));
  try {
    const all = db.prepare('SELECT key, value FROM body ORDER BY key').all() as { key: string; value: string }[];
    return Object.fromEntries(all.map((r) => [r.key, r.value]));
  } finally {
    db.close();
  }
}

function setRow(dir: string, key: string, value: string): void {
  const db = new DatabaseSync(path.join(dir, 'bodies.sqlite'));
  db.prepare('INSERT OR REPLACE INTO body (key, value) VALUES (?, ?)').run(key, value);
  db.close();
}

/** A render function that counts its calls. */
function counting() {
  const calls: unknown[] = [];
  return {
    calls,
    render: (body: StoryBody) => {
      calls.push(body.value);
      return rendered(body);
    },
  };
}

describe('bodyDigest', () => {
  test('is the base64url SHA-1 of the pipeline version, the format and the body', () => {
    expect(RENDER_VERSION).toBe(1);
    expect(bodyDigest({ format: 'markdown', value: 'x' })).toBe('gxsIsuvFFJ3PngcXzwfatTT9rH4');
    // Portable Text is digested as its JSON.
    expect(bodyDigest({ format: 'portable-text', value: [] })).toBe('nlBOtuQ78XWO3sEpPsgw8LRE3hc');
  });
});

describe('RenderCache in memory (no folder)', () => {
  test('renders a body once and keeps it; save writes nothing and does not fail', async () => {
    const { calls, render } = counting();
    const cache = new RenderCache();
    const first = cache.get(a, render);
    expect(cache.get(a, render)).toBe(first);
    expect(cache.get(b, render)).toEqual(rendered(b));
    expect(calls).toEqual(['a', 'b']);
    expect([cache.hits, cache.misses]).toEqual([0, 2]);
    expect(cache.entries()).toEqual([
      [bodyDigest(a), rendered(a)],
      [bodyDigest(b), rendered(b)],
    ]);
    await expect(cache.save({ prune: true })).resolves.toBeUndefined();
  });

  test('a folder that cannot be created is a cache in memory', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'render-cache-')), 'file');
    writeFileSync(file, 'not a folder');
    const { calls, render } = counting();
    const cache = new RenderCache(path.join(file, 'render'));
    cache.get(a, render);
    cache.get(a, render);
    expect(calls).toEqual(['a']);
    await expect(cache.save()).resolves.toBeUndefined();
    expect(lookupBodies(path.join(file, 'render'))).toBeUndefined();
    // The folder is tried once: a cache that started in memory stays there.
    rmSync(file);
    mkdirSync(file);
    cache.get(b, render);
    await cache.save();
    expect(existsSync(path.join(file, 'render'))).toBe(false);
  });
});

describe('RenderCache on disk', () => {
  test('a save writes the bodies rendered since the last save, once', async () => {
    const dir = tempDir();
    const cache = new RenderCache(dir);
    cache.get(a, rendered);
    await cache.save();
    expect(rows(dir)).toEqual({ [bodyDigest(a)]: JSON.stringify(rendered(a)) });
    // A second save does not write `a` again: a row changed in between stays changed.
    setRow(dir, bodyDigest(a), '{"html":"<p>edited</p>","text":"edited"}');
    cache.get(b, rendered);
    await cache.save();
    expect(rows(dir)).toEqual({
      [bodyDigest(a)]: '{"html":"<p>edited</p>","text":"edited"}',
      [bodyDigest(b)]: JSON.stringify(rendered(b)),
    });
  });

  test('a body saved by one cache is read by the next, counted as a hit', async () => {
    const dir = tempDir();
    const first = new RenderCache(dir);
    first.get(a, rendered);
    await first.save();
    const { calls, render } = counting();
    const next = new RenderCache(dir);
    expect(next.get(a, render)).toEqual(rendered(a));
    expect(next.get(c, render)).toEqual(rendered(c));
    expect(calls).toEqual(['c']);
    expect([next.hits, next.misses]).toEqual([1, 1]);
    // A body read from the cache is not written again.
    setRow(dir, bodyDigest(a), '{"html":"x","text":"y"}');
    await next.save();
    expect(rows(dir)[bodyDigest(a)]).toBe('{"html":"x","text":"y"}');
  });

  test.each([
    ['html that is not text', '{"html":1,"text":"t"}'],
    ['text that is not text', '{"html":"h"}'],
    ['no JSON', '{"html":'],
    ['JSON null', 'null'],
  ])('a row with %s is a miss, and is written again', async (_, value) => {
    const dir = tempDir();
    const first = new RenderCache(dir);
    first.get(c, rendered);
    await first.save();
    setRow(dir, bodyDigest(a), value);
    const { calls, render } = counting();
    const cache = new RenderCache(dir);
    expect(cache.get(a, render)).toEqual(rendered(a));
    expect(calls).toEqual(['a']);
    expect([cache.hits, cache.misses]).toEqual([0, 1]);
    await cache.save();
    expect(rows(dir)[bodyDigest(a)]).toBe(JSON.stringify(rendered(a)));
  });

  test.each([
    [{}, true],
    [{ prune: false }, true],
    [{ prune: true }, false],
  ])('save(%j) keeps the bodies this cache did not use: %s', async (options, kept) => {
    const dir = tempDir();
    const first = new RenderCache(dir);
    first.get(a, rendered);
    first.get(b, rendered);
    await first.save();
    const next = new RenderCache(dir);
    next.get(a, rendered);
    next.get(c, rendered);
    await next.save(options);
    expect(Object.keys(rows(dir)).sort()).toEqual((kept ? [a, b, c] : [a, c]).map((body) => bodyDigest(body)).sort());
  });

  test('a prune that finds nothing to delete keeps every row', async () => {
    const dir = tempDir();
    const cache = new RenderCache(dir);
    cache.get(a, rendered);
    await cache.save({ prune: true });
    await cache.save({ prune: true });
    expect(Object.keys(rows(dir))).toEqual([bodyDigest(a)]);
  });

  test('adopt records a body rendered elsewhere (written by the next save) or found elsewhere (not written)', async () => {
    const dir = tempDir();
    const cache = new RenderCache(dir);
    cache.adopt(a, rendered(a), true);
    cache.adopt(b, rendered(b), false);
    expect([cache.hits, cache.misses]).toEqual([1, 1]);
    const { calls, render } = counting();
    expect(cache.get(a, render)).toEqual(rendered(a));
    expect(cache.get(b, render)).toEqual(rendered(b));
    expect(calls).toEqual([]);
    expect(cache.entries().map(([key]) => key)).toEqual([bodyDigest(a), bodyDigest(b)]);
    await cache.save({ prune: true });
    expect(Object.keys(rows(dir))).toEqual([bodyDigest(a)]);
  });

  test('release lets go of saved bodies, keeps unsaved ones, and a body asked for again is read from disk', async () => {
    const dir = tempDir();
    const cache = new RenderCache(dir);
    cache.get(a, rendered);
    await cache.save();
    cache.get(b, rendered);
    cache.release();
    expect(cache.entries()).toEqual([[bodyDigest(b), rendered(b)]]);
    const { calls, render } = counting();
    expect(cache.get(a, render)).toEqual(rendered(a));
    expect(calls).toEqual([]);
    expect([cache.hits, cache.misses]).toEqual([1, 2]);
    await cache.save();
    expect(Object.keys(rows(dir)).sort()).toEqual([bodyDigest(a), bodyDigest(b)].sort());
  });

  test('a save that fails writes nothing of its batch and leaves the database usable', async () => {
    const dir = tempDir();
    const cache = new RenderCache(dir);
    cache.get(a, rendered);
    // JSON.stringify throws on a BigInt: the second insert of the transaction fails.
    cache.adopt(b, { html: 'h', text: 't', size: 1n } as unknown as RenderedBody, true);
    await expect(cache.save()).rejects.toThrow(/BigInt/);
    expect(rows(dir)).toEqual({});
    cache.get(c, rendered);
    await cache.save();
    expect(Object.keys(rows(dir))).toEqual([bodyDigest(c)]);
  });
});

describe('RenderCache and other writers', () => {
  test('a save waits for another process that holds the write lock', async () => {
    const dir = tempDir();
    const first = new RenderCache(dir);
    first.get(a, rendered);
    await first.save();
    // Another process takes the write lock and lets go of it after 300 ms.
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `const { DatabaseSync } = require('node:sqlite');
        const db = new DatabaseSync(process.argv[1]);
        db.exec('BEGIN IMMEDIATE');
        console.log('locked');
        setTimeout(() => { db.exec('COMMIT'); db.close(); }, 300);`,
        path.join(dir, 'bodies.sqlite'),
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    await once(holder.stdout, 'data');
    const cache = new RenderCache(dir);
    cache.get(b, rendered);
    await cache.save();
    await once(holder, 'exit');
    expect(Object.keys(rows(dir)).sort()).toEqual([bodyDigest(a), bodyDigest(b)].sort());
  });
});

describe('lookupBodies', () => {
  test('reads what a cache saved, without a folder nothing', async () => {
    expect(lookupBodies(undefined)).toBeUndefined();
    const dir = tempDir();
    const cache = new RenderCache(dir);
    cache.get(a, rendered);
    await cache.save();
    const lookup = lookupBodies(dir);
    expect(lookup?.(a)).toEqual(rendered(a));
    expect(lookup?.(b)).toBeUndefined();
  });
});
