// The demo content built from files and built from Sanity (imported into the lake, read back over HTTP by the
// real @sanity/client) must give the same site: the same pages, story bodies, Similar News and listings. Only
// image URLs differ (Sanity serves assets from its own URLs); they are masked, everything else is compared.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  buildSite,
  childEnv,
  findAll,
  hasClass,
  hrefs,
  htmlPages,
  innerHtml,
  readPage,
  ROOT,
  runScript,
  sanityEnv,
  startTestLake,
  withoutImageUrls,
  type Page,
  type TestLake,
} from './sanity-harness.ts';

const DATASET = 'files-vs-sanity';

let lake: TestLake;
let dir: string;
let filesOut: string;
let sanityOut: string;
let pages: string[];
const cache = new Map<string, Page>();

/** A page of one build, parsed once. */
async function page(out: string, file: string): Promise<Page> {
  const key = `${out}\0${file}`;
  let p = cache.get(key);
  if (!p) cache.set(key, (p = await readPage(out, file)));
  return p;
}

beforeAll(async () => {
  lake = await startTestLake();
  dir = await mkdtemp(path.join(tmpdir(), 'files-vs-sanity-'));
  filesOut = path.join(dir, 'files');
  sanityOut = path.join(dir, 'sanity');
  const env = sanityEnv(lake.lake, DATASET);
  const imported = await runScript(
    'scripts/import.ts',
    ['--content', path.join(ROOT, 'content'), '--public', path.join(ROOT, 'public')],
    env,
  );
  expect(imported.stderr).toBe('');
  expect(imported.code).toBe(0);

  const fromFiles = await buildSite(filesOut, childEnv({ CONTENT_DIR: path.join(ROOT, 'content') }));
  expect(fromFiles.code, fromFiles.stderr).toBe(0);
  const fromSanity = await buildSite(sanityOut, env);
  expect(fromSanity.code, fromSanity.stderr).toBe(0);
  pages = await htmlPages(filesOut);
}, 300_000);

afterAll(async () => {
  await lake?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the site built from Sanity equals the site built from files', () => {
  test('the same HTML pages', async () => {
    expect(await htmlPages(sanityOut)).toEqual(pages);
    // The demo content has a story page per live story, section and tag pages: not an empty build.
    expect(pages.filter((p) => p.startsWith('news/')).length).toBeGreaterThan(50);
  });

  test('every story body is the same HTML', async () => {
    const differences: string[] = [];
    for (const file of pages.filter((p) => p.startsWith('news/'))) {
      const [a, b] = [await page(filesOut, file), await page(sanityOut, file)];
      const [bodyA] = findAll(a.tree, hasClass('story-body'));
      const [bodyB] = findAll(b.tree, hasClass('story-body'));
      if (!bodyA || !bodyB)
        differences.push(`${file}: .story-body missing (files: ${Boolean(bodyA)}, sanity: ${Boolean(bodyB)})`);
      else if (innerHtml(a, bodyA) !== innerHtml(b, bodyB))
        differences.push(
          `${file}: .story-body differs\n  files:  ${innerHtml(a, bodyA)}\n  sanity: ${innerHtml(b, bodyB)}`,
        );
      else if (innerHtml(a, bodyA).length === 0) differences.push(`${file}: .story-body is empty`);
    }
    expect(differences).toEqual([]);
  });

  test('Similar News links the same stories, in the same order', async () => {
    const differences: string[] = [];
    let links = 0;
    for (const file of pages.filter((p) => p.startsWith('news/'))) {
      const a = hrefs(findAll((await page(filesOut, file)).tree, hasClass('similar')));
      const b = hrefs(findAll((await page(sanityOut, file)).tree, hasClass('similar')));
      links += a.length;
      if (JSON.stringify(a) !== JSON.stringify(b))
        differences.push(`${file}:\n  files:  ${a.join(' ')}\n  sanity: ${b.join(' ')}`);
    }
    expect(differences).toEqual([]);
    expect(links).toBeGreaterThan(0);
  });

  test('tag and section pages list the same stories', async () => {
    const differences: string[] = [];
    const listings = pages.filter((p) => /^(tags|section)\/[^/]+\//.test(p));
    expect(listings.some((p) => p.startsWith('tags/'))).toBe(true);
    expect(listings.some((p) => p.startsWith('section/'))).toBe(true);
    for (const file of listings) {
      const a = hrefs(findAll((await page(filesOut, file)).tree, hasClass('card-title')));
      const b = hrefs(findAll((await page(sanityOut, file)).tree, hasClass('card-title')));
      if (a.length === 0) differences.push(`${file}: lists no story`);
      if (JSON.stringify(a) !== JSON.stringify(b))
        differences.push(`${file}:\n  files:  ${a.join(' ')}\n  sanity: ${b.join(' ')}`);
    }
    expect(differences).toEqual([]);
  });

  test('every page is the same apart from image URLs', async () => {
    const differences: string[] = [];
    for (const file of pages) {
      const a = withoutImageUrls(await page(filesOut, file));
      const b = withoutImageUrls(await page(sanityOut, file));
      if (a !== b) differences.push(`${file}: ${firstDifference(a, b)}`);
    }
    expect(differences).toEqual([]);
  });
});

/** Where two texts part, with some context, for a failure message that shows the difference itself. */
function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i += 1;
  return `at ${i}:\n  files:  …${a.slice(Math.max(0, i - 80), i + 120)}\n  sanity: …${b.slice(Math.max(0, i - 80), i + 120)}`;
}
