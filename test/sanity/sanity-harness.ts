// Shared by the Sanity integration tests: a lake in this process, the project's scripts as child processes, and the
// built pages read back as hast trees.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile, mkdir, mkdtemp, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, type SanityClient } from '@sanity/client';
import type { Element, Root, RootContent } from 'hast';
import { toHtml } from 'hast-util-to-html';
import { rehype } from 'rehype';
import { startLake, type RunningLake } from '../../lake/server.ts';

/** The project root (CI runs a clone in another folder, so nothing is hard-coded). */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The Node 24 the project pins: the scripts use type stripping, which the system Node 20 lacks. */
export const NODE = path.join(ROOT, 'node_modules/.bin/node');
/** The test lake's administrator token (writes, drafts). */
export const ADMIN_TOKEN = 'sanity-test-admin-token';
/** The test lake's viewer token (reads drafts, no writes). */
export const VIEWER_TOKEN = 'sanity-test-viewer-token';

/** A lake on a free port over a fresh data file, with `ADMIN_TOKEN` and `VIEWER_TOKEN`. */
export interface TestLake {
  lake: RunningLake;
  /** A real `@sanity/client` on `dataset`, reading raw documents (drafts too) with the administrator token. */
  client(dataset: string): SanityClient;
  close(): Promise<void>;
}

/** Starts a lake in this process; call `close()` in `afterAll`. */
export async function startTestLake(): Promise<TestLake> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sanity-test-lake-'));
  const lake = await startLake({
    port: 0,
    dataFile: path.join(dir, 'data.ndjson'),
    tokens: {
      [ADMIN_TOKEN]: { role: 'administrator', name: 'Test Admin' },
      [VIEWER_TOKEN]: { role: 'viewer', name: 'Test Viewer' },
    },
  });
  return {
    lake,
    client: (dataset) =>
      createClient({
        projectId: 'local',
        dataset,
        apiVersion: '2025-02-19',
        apiHost: lake.url,
        useProjectHostname: false,
        useCdn: false,
        token: ADMIN_TOKEN,
        perspective: 'raw',
        maxRetries: 0,
      }),
    async close() {
      await lake.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The environment of a child process: this one's, without anything that picks a content source or a Sanity
 * target (a developer's shell may export them), plus `extra`.
 */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('SANITY_') || ['NEWS_RENDER_PLAN', 'CONTENT_DIR', 'SITE_URL', 'NODE_OPTIONS'].includes(key))
      continue;
    env[key] = value;
  }
  return { ...env, SITE_URL: 'http://localhost:4321', ...extra };
}

/** The environment that points the scripts and the build at `dataset` on the lake. */
export function sanityEnv(lake: RunningLake, dataset: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return childEnv({
    SANITY_PROJECT_ID: 'local',
    SANITY_DATASET: dataset,
    SANITY_API_HOST: lake.url,
    SANITY_TOKEN: ADMIN_TOKEN,
    ...extra,
  });
}

/** What a finished child process left. */
export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node <script> ...args` from the project root. Asynchronous on purpose: the lake answers from this
 * process's event loop, which a synchronous spawn would block.
 */
export function runScript(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [path.join(ROOT, script), ...args], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A port that nothing listens on: bound once by the system, then released. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('expected a TCP address');
  return address.port;
}

/**
 * Builds the site into `outDir` with `env` (which picks the source). Each build gets its own Astro cache, so no
 * page is copied from an earlier build, and builds run one at a time across test files: Astro builds of one root
 * share `.astro/` and `node_modules/.vite/`, and this machine has two cores.
 */
export async function buildSite(outDir: string, env: NodeJS.ProcessEnv): Promise<RunResult> {
  const cacheDir = await mkdtemp(path.join(tmpdir(), 'sanity-test-astro-cache-'));
  const release = await buildLock();
  try {
    return await runScript('scripts/build.ts', ['--outDir', outDir], {
      ...env,
      NEWS_RENDER_CACHE: '0',
      ASTRO_CACHE_DIR: cacheDir,
      ASTRO_TELEMETRY_DISABLED: '1',
    });
  } finally {
    await release();
    await rm(cacheDir, { recursive: true, force: true });
  }
}

const LOCK = path.join(
  tmpdir(),
  `newsdesk-test-build-${createHash('sha1').update(ROOT).digest('hex').slice(0, 8)}.lock`,
);

/** A lock folder shared by the test processes; a holder that died (its pid is gone) loses it. */
async function buildLock(): Promise<() => Promise<void>> {
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      await mkdir(LOCK);
      await writeFile(path.join(LOCK, 'pid'), String(process.pid));
      return async () => {
        await rm(path.join(LOCK, 'pid'), { force: true });
        await rmdir(LOCK).catch(() => undefined);
      };
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST') throw error;
    }
    const pid = Number(await readFile(path.join(LOCK, 'pid'), 'utf8').catch(() => ''));
    const age = Date.now() - ((await stat(LOCK).catch(() => undefined))?.mtimeMs ?? Date.now());
    // No pid yet: its holder is between mkdir and writeFile, unless that was long ago.
    if ((pid > 0 && !alive(pid)) || (!pid && age > 30_000)) await rm(LOCK, { recursive: true, force: true });
    if (Date.now() > deadline) throw new Error(`waited 10 minutes for the build lock ${LOCK}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

/** Every `.html` file under `dir`, as sorted paths relative to it. */
export async function htmlPages(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries
    .filter((f) => f.endsWith('.html'))
    .map((f) => f.split(path.sep).join('/'))
    .sort();
}

/** A built page, parsed, with the text it was parsed from (for exact inner HTML). */
export interface Page {
  html: string;
  tree: Root;
}

/** Reads and parses one built page. */
export async function readPage(dir: string, file: string): Promise<Page> {
  const html = await readFile(path.join(dir, file), 'utf8');
  return { html, tree: rehype().parse(html) };
}

/** Elements matching `test`, in document order. */
export function findAll(node: Root | Element, test: (el: Element) => boolean): Element[] {
  const out: Element[] = [];
  const walk = (children: RootContent[]) => {
    for (const child of children) {
      if (child.type !== 'element') continue;
      if (test(child)) out.push(child);
      walk(child.children);
      if (child.content) walk(child.content.children);
    }
  };
  walk(node.children);
  return out;
}

/** A test for `findAll`: an element of `tag` (any when empty) with `className`. */
export const hasClass =
  (className: string, tag = '') =>
  (el: Element) =>
    (!tag || el.tagName === tag) &&
    Array.isArray(el.properties['className']) &&
    el.properties['className'].includes(className);

/** The exact source text of an element's children, as the build wrote it. */
export function innerHtml(page: Page, el: Element): string {
  const first = el.children[0]?.position?.start.offset;
  const last = el.children.at(-1)?.position?.end.offset;
  return first === undefined || last === undefined ? '' : page.html.slice(first, last);
}

/** `href`s of the links inside `el` (or every element matched), in order. */
export function hrefs(elements: Element[]): string[] {
  return elements.flatMap((el) => findAll(el, (a) => a.tagName === 'a').map((a) => String(a.properties['href'])));
}

/**
 * The page with image URLs masked: `src` of images (their `srcset` and size dropped, a `<picture>` read as its
 * `<img>`), the `og:image` and `twitter:image` metas and the JSON-LD's images (assets have their own URLs in Sanity,
 * files under /images/ in the content folder; a story with a Sanity image shares the image service's crop of it, one
 * with a file its own card). Everything else is compared as the build wrote it.
 */
export function withoutImageUrls(page: Page): string {
  const tree = structuredClone(page.tree);
  // A raster file in public/ is a <picture> of variants; a Sanity image is an <img> whose URLs pick the format.
  const unwrap = (parent: Root | Element) => {
    parent.children.forEach((child, i) => {
      if (child.type !== 'element') return;
      const img = child.tagName === 'picture' ? findAll(child, (e) => e.tagName === 'img')[0] : undefined;
      if (img) parent.children[i] = img;
      else unwrap(child);
    });
  };
  unwrap(tree);
  for (const el of findAll(tree, (e) => e.tagName === 'img')) {
    // Sanity images have a srcset of resized variants and the asset's own size; files have one URL and 1200x675.
    el.properties['src'] = '(image)';
    for (const key of ['srcSet', 'sizes', 'width', 'height']) delete el.properties[key];
  }
  for (const el of findAll(
    tree,
    (e) =>
      e.tagName === 'meta' && (e.properties['property'] === 'og:image' || e.properties['name'] === 'twitter:image'),
  ))
    el.properties['content'] = '(image)';
  // A story's JSON-LD names its share image (its size the same in both) and its own image's URL.
  for (const el of findAll(tree, (e) => e.tagName === 'script' && e.properties['type'] === 'application/ld+json')) {
    const text = el.children[0];
    if (text?.type !== 'text') continue;
    const data = JSON.parse(text.value) as { image?: unknown[] };
    if (Array.isArray(data.image))
      data.image = data.image.map((i) => (typeof i === 'string' ? '(image)' : { ...(i as object), url: '(image)' }));
    text.value = JSON.stringify(data);
  }
  return toHtml(tree);
}
