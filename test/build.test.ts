// `npm run build` as a real process on a copy of content/: the coordinated build (render processes side by side,
// only changed pages, shards) must give exactly the site Astro gives when it renders everything itself.
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { childEnv, NODE, ROOT, runScript, type RunResult } from './sanity/sanity-harness.ts';
import { spawn } from 'node:child_process';

let dir: string;
let content: string;
let env: NodeJS.ProcessEnv;
/** The whole site as Astro renders it in one process (`astro build`, no plan): what every other build must equal. */
let reference: string;

const build = (outDir: string, ...args: string[]): Promise<RunResult> =>
  runScript('scripts/build.ts', ['--outDir', outDir, ...args], env);

async function tree(root: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (entry.isFile())
      files.set(
        path.relative(root, path.join(entry.parentPath, entry.name)),
        await readFile(path.join(entry.parentPath, entry.name), 'utf8'),
      );
  }
  return files;
}

/**
 * Both folders hold the same files with the same bytes (a difference names the first file), but for the search index
 * in `actual`, which Astro alone does not write: it must index every story page there is.
 */
async function expectSameSite(actual: string, expected: string): Promise<void> {
  const [a, b] = await Promise.all([tree(actual), tree(expected)]);
  const index = [...a.keys()].filter((f) => f.startsWith(`pagefind${path.sep}`));
  for (const file of index) a.delete(file);
  expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
  for (const [file, text] of b) expect(a.get(file), file).toBe(text);
  const stories = [...b.keys()].filter((f) => f.startsWith(`news${path.sep}`)).length;
  expect(await indexedPages(actual)).toBe(stories);
}

/** The number of pages the search index of a built site holds, over its parts (and nothing else is there). */
async function indexedPages(site: string): Promise<number> {
  const { parts } = JSON.parse(await readFile(path.join(site, 'pagefind', 'parts.json'), 'utf8')) as {
    parts: { name: string; stories: number }[];
  };
  expect((await readdir(path.join(site, 'pagefind'))).sort()).toEqual(
    [...parts.map((p) => p.name), 'parts.json'].sort(),
  );
  let pages = 0;
  for (const part of parts) {
    const entry = JSON.parse(await readFile(path.join(site, 'pagefind', part.name, 'pagefind-entry.json'), 'utf8')) as {
      languages: Record<string, { page_count: number }>;
    };
    expect(entry.languages['en']?.page_count).toBe(part.stories);
    pages += part.stories;
  }
  return pages;
}

function astroBuild(outDir: string, buildEnv: NodeJS.ProcessEnv = env): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [path.join(ROOT, 'node_modules/astro/bin/astro.mjs'), 'build', '--outDir', outDir], {
      cwd: ROOT,
      env: buildEnv,
      stdio: 'ignore',
    });
    child.on('error', reject);
    child.on('close', resolve);
  });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'newsdesk-build-'));
  content = path.join(dir, 'content');
  await cp(path.join(ROOT, 'content'), content, { recursive: true });
  env = childEnv({ CONTENT_DIR: content, NEWS_CACHE_DIR: path.join(dir, 'cache') });
  reference = path.join(dir, 'reference');
  expect(await astroBuild(reference)).toBe(0);
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('npm run build', () => {
  test('two render processes give the site one Astro build gives, byte for byte; built again, nothing is rendered', async () => {
    const out = path.join(dir, 'two');
    const first = await build(out, '--jobs', '2');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('in 2 processes');
    await expectSameSite(out, reference);
    const again = await build(out);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/Nothing changed: [\d,]+ pages up to date/);
  }, 120_000);

  test('three --shard builds merged give the same site', async () => {
    const shards = [1, 2, 3].map((i) => path.join(dir, `shard-${i}`));
    for (const [i, shard] of shards.entries()) {
      const result = await build(shard, '--shard', `${i + 1}/3`);
      expect(result.code, result.stderr).toBe(0);
    }
    const merged = path.join(dir, 'merged');
    const result = await runScript('scripts/build.ts', ['--merge', ...shards, '--outDir', merged], env);
    expect(result.code, result.stderr).toBe(0);
    await expectSameSite(merged, reference);
  }, 180_000);

  test('an edited story and a removed one: only the pages they appear on are rendered, and the site equals a fresh build', async () => {
    const out = path.join(dir, 'incremental');
    expect((await build(out)).code).toBe(0);
    const stories = path.join(content, 'stories');
    const [edited, removed] = (await readdir(stories)).filter((f) => f.endsWith('.md')).sort();
    const file = path.join(stories, edited ?? '');
    await writeFile(file, `${await readFile(file, 'utf8')}\nA sentence added by the test.\n`);
    await rm(path.join(stories, removed ?? ''));
    const changed = await build(out);
    expect(changed.code, changed.stderr).toBe(0);
    // Both stories are of 2025: the search index part of 2026 is kept.
    expect(changed.stdout).toMatch(/\[build\] search index 2025: /);
    expect(changed.stdout).not.toMatch(/\[build\] search index 2026: /);
    // The removed story's pages: its page and its share image.
    const [, rendered, total] = /\[build\] ([\d,]+) of ([\d,]+) pages changed, 2 gone/.exec(changed.stdout) ?? [];
    expect(Number(rendered)).toBeGreaterThan(0);
    expect(Number(rendered)).toBeLessThan(Number(total?.replace(/,/g, '')) / 2);
    const fresh = path.join(dir, 'fresh');
    expect(await astroBuild(fresh)).toBe(0);
    await expectSameSite(out, fresh);
  }, 180_000);

  test('files untouched: nothing is read or rendered, until a scheduled story falls due', async () => {
    const out = path.join(dir, 'scheduled');
    const story = path.join(content, 'stories', 'zz-scheduled-by-the-test.md');
    const [first] = (await readdir(path.join(content, 'stories'))).filter((f) => f.endsWith('.md')).sort();
    const text = await readFile(path.join(content, 'stories', first ?? ''), 'utf8');
    await writeFile(
      story,
      text.replace(/^publishedAt: .*$/m, 'publishedAt: 2030-01-01T12:00:00Z').replace(/^slug: .*\n/m, ''),
    );
    const before = { ...env, NEWS_BUILD_TIME: '2029-12-31T00:00:00Z' };
    const after = { ...env, NEWS_BUILD_TIME: '2030-01-02T00:00:00Z' };
    expect((await runScript('scripts/build.ts', ['--outDir', out], before)).code).toBe(0);
    const quiet = await runScript('scripts/build.ts', ['--outDir', out], before);
    expect(quiet.stdout).toMatch(/Nothing changed/);
    expect(quiet.stdout).not.toContain('[site]');
    const due = await runScript('scripts/build.ts', ['--outDir', out], after);
    expect(due.code, due.stderr).toBe(0);
    expect(due.stdout).toContain('[site]');
    expect(due.stdout).toMatch(/Built in/);
    expect(await readFile(path.join(out, 'news', 'zz-scheduled-by-the-test', 'index.html'), 'utf8')).toContain('<h1');
    await rm(story);
  }, 120_000);

  test('NEWS_TIME_ZONE: every page is rendered again and prints its dates in that zone, with the zone named', async () => {
    const out = path.join(dir, 'zoned');
    expect((await build(out)).code).toBe(0);
    const page = path.join(out, 'news', 'us-drafted-28-point-plan-ukraine-war', 'index.html');
    // The story's front matter: published 2025-11-19T21:10:00Z, updated 2025-11-20T09:00:00Z.
    expect(await readFile(page, 'utf8')).toContain('Nov 19, 2025, 9:10 PM UTC');
    const zoned = await runScript('scripts/build.ts', ['--outDir', out], { ...env, NEWS_TIME_ZONE: 'Asia/Tokyo' });
    expect(zoned.code, zoned.stderr).toBe(0);
    expect(zoned.stdout).toMatch(/Built in .*: ([\d,]+) of \1 pages rendered/);
    const html = await readFile(page, 'utf8');
    expect(html).toContain('Nov 20, 2025, 6:10 AM GMT+9');
    expect(html).toContain('Updated <time datetime="2025-11-20T09:00:00.000Z">Nov 20, 2025, 6:00 PM GMT+9</time>');
    expect(html).not.toContain(' UTC<');
    const rss = await readFile(path.join(out, 'rss.xml'), 'utf8');
    expect(rss).toContain('Updated Nov 20, 2025, 6:00 PM GMT+9: ');
    const bad = await runScript('scripts/build.ts', ['--outDir', out], { ...env, NEWS_TIME_ZONE: 'Mars/Olympus' });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('NEWS_TIME_ZONE: "Mars/Olympus" is not a time zone');
  }, 180_000);

  test('--merge refuses folders rendered from different content, and a folder that is no shard', async () => {
    const other = path.join(dir, 'other-shard');
    const merged = path.join(dir, 'refused');
    // The content changed in the test before: this shard's pages every build renders (home, feeds) differ from shard 1's.
    expect((await build(other, '--shard', '2/3')).code).toBe(0);
    const refused = await runScript(
      'scripts/build.ts',
      ['--merge', path.join(dir, 'shard-1'), other, '--outDir', merged],
      env,
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/differs between .* rendered from different content or code/);
    const notShard = await runScript('scripts/build.ts', ['--merge', content, '--outDir', merged], env);
    expect(notShard.code).toBe(1);
    expect(notShard.stderr).toContain('is not the output of a --shard build');
  }, 120_000);

  test('bad flags are usage errors', async () => {
    for (const args of [['--shard', '4/3'], ['--shard', 'two'], ['--jobs', '0'], ['--bogus']]) {
      const result = await runScript('scripts/build.ts', args, env);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toContain('Usage: npm run build');
    }
  });

  test('a story whose share card ages out: a build with no edit renders it again, as a fresh build has it', async () => {
    const out = path.join(dir, 'aging');
    const policy = { ...env, NEWS_SHARE_CARD_STORIES: '0', NEWS_SHARE_CARD_DAYS: '30' };
    // Published 2026-10-26T11:00Z: its own card on 2026-11-20, its section's from 2026-11-25T11:00Z.
    const slug = 'midterms-2026-final-stretch';
    const before = { ...policy, NEWS_BUILD_TIME: '2026-11-20T00:00:00Z' };
    const after = { ...policy, NEWS_BUILD_TIME: '2026-11-30T00:00:00Z' };
    expect((await runScript('scripts/build.ts', ['--outDir', out], before)).code).toBe(0);
    expect(existsSync(path.join(out, 'share', `${slug}.jpg`))).toBe(true);
    const aged = await runScript('scripts/build.ts', ['--outDir', out], after);
    expect(aged.code, aged.stderr).toBe(0);
    expect(aged.stdout).not.toMatch(/Nothing changed/);
    expect(existsSync(path.join(out, 'share', `${slug}.jpg`))).toBe(false);
    const html = await readFile(path.join(out, 'news', slug, 'index.html'), 'utf8');
    expect(html).toMatch(/<meta property="og:image" content="[^"]*\/share\/sections\/us-politics\.jpg"/);
    const fresh = path.join(dir, 'aging-fresh');
    expect(await astroBuild(fresh, after)).toBe(0);
    await expectSameSite(out, fresh);
  }, 240_000);
});
