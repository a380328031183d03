/**
 * A build of the site (`npm run build`): the site is computed once, here (content, bodies, Similar News, every page
 * as data with a key); the pages whose key differs from the last build of the same folder are handed, as render
 * plans, to Astro processes that render them side by side, one per core; their output is merged into the folder,
 * and pages that are gone are removed. Nothing changed: nothing is rendered. See README, "Builds".
 *
 * With `shard`, renders one deterministic share of the pages (a CI runner's part of a build spread over several),
 * into an empty folder; `mergeShards` assembles the shares into the site a single build would give.
 */
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { buildTime, cacheDir, loadSite } from '../lib/site/load-site.ts';
import { sourceFromEnv, type SourceConfig } from '../lib/sources/load-source.ts';
import { SourceError } from '../lib/sources/source-error.ts';
import { siteLayout, sitePages, STATIC_KINDS, type SitePage } from '../lib/site/pages.ts';
import { writePlan } from '../lib/site/render-plan.ts';
import {
  PARTS_FILE,
  partKeysText,
  partsManifest,
  readPartKeys,
  SEARCH_DIR,
  searchParts,
  writeSearchPart,
  type SearchPart,
} from '../lib/site/search-index.ts';
import { writeFileAtomic } from '../lib/atomic-write.ts';
import {
  codeDigest,
  contentFingerprint,
  forgetManifest,
  manifestFile,
  readManifest,
  readManifestHeader,
  writeManifest,
  type ManifestHeader,
} from './manifest.ts';
import { BuildFailure } from './failure.ts';
import { mergeFolders, removePages } from './merge.ts';
import { Renderers, type RenderSlot } from './render.ts';
import { WorkerPool } from './workers.ts';

/** Pages per story in a typical site (story, listings, tag pages): 1.6 in the benchmark corpus. */
const PAGE_PER_STORY = 1.6;

/** Render processes for `pages` pages: one per core, fewer for a small site. */
function jobsFor(pages: number): number {
  return Math.max(1, Math.min(availableParallelism(), Math.ceil(pages / PAGES_PER_PROCESS)));
}

/** Render processes to start before the site is computed: for the pages its story files will make, or one per core. */
async function expectedJobs(source: SourceConfig): Promise<number> {
  if (source.kind !== 'files') return availableParallelism();
  const stories = (await readdir(path.join(source.dir, 'stories')).catch(() => [] as string[])).filter((f) =>
    f.endsWith('.md'),
  ).length;
  return jobsFor(stories * PAGE_PER_STORY);
}

/** Below this many pages per process, a second render process costs more (its own start and bundling) than it saves. */
const PAGES_PER_PROCESS = 2000;

export interface BuildOptions {
  outDir: string;
  /** Render processes at once; by default one per core, fewer for a small build. */
  jobs?: number | undefined;
  /** Render only share `index` (1-based) of `count`, into an emptied `outDir`. */
  shard?: { index: number; count: number } | undefined;
  log?: (line: string) => void;
}

export interface BuildReport {
  pages: number;
  rendered: number;
  removed: number;
  jobs: number;
}

export async function runBuild(options: BuildOptions): Promise<BuildReport> {
  const log = options.log ?? (() => undefined);
  const work = path.join(cacheDir(), 'work', String(process.pid));
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const renderers = new Renderers(work);
  try {
    // The site and its pages are dropped once the plans are written: the render processes hold them meanwhile.
    const plan = await planBuild(options, renderers, work, log);
    if (plan.renders.length === 0) {
      renderers.stop();
      await placeSearch(plan.search, options.outDir);
      // Nothing to render; the manifest learns the content's new fingerprint (files touched, not changed).
      if (plan.manifest) await writeManifest(plan.manifest.file, plan.manifest.header, plan.keys);
      return plan.report;
    }
    log(
      `[build] rendering ${plan.report.rendered.toLocaleString('en-US')} pages in ${plan.renders.length} process${plan.renders.length === 1 ? '' : 'es'}`,
    );
    await renderers.render(
      plan.renders.length,
      plan.renders.reduce((n, r) => n + r.pages, 0),
      log,
    );
    const outDir = path.resolve(options.outDir);
    if (plan.manifest) await forgetManifest(plan.manifest.file);
    if (plan.full) await rm(outDir, { recursive: true, force: true });
    await mkdir(outDir, { recursive: true });
    await mergeFolders(
      plan.renders.map((r) => r.outDir),
      outDir,
      'move',
    );
    await removePages(outDir, plan.gone);
    await placeSearch(plan.search, outDir);
    if (plan.manifest) await writeManifest(plan.manifest.file, plan.manifest.header, plan.keys);
    return plan.report;
  } finally {
    renderers.stop();
    await rm(work, { recursive: true, force: true });
  }
}

interface BuildPlan {
  report: BuildReport;
  /** The plans to render (none when nothing changed), with their page counts. */
  renders: (RenderSlot & { pages: number })[];
  /** Whether the output folder is replaced rather than updated. */
  full: boolean;
  keys: Map<string, string>;
  gone: string[];
  manifest?: { file: string; header: ManifestHeader };
  /**
   * The search index of this build: its parts (`written`: those written again, in `dir`, to move into the folder), and
   * the file that records the parts' keys.
   */
  search?: { dir: string; file: string; parts: SearchPart[]; written: string[] };
}

/**
 * Computes the site, decides which pages to render, and writes their plans. Render processes are started before the
 * site is computed, so that they bundle meanwhile: as many as a full build of this many story files needs, or one
 * when an earlier build exists (a few pages will have changed).
 */
async function planBuild(
  options: BuildOptions,
  renderers: Renderers,
  work: string,
  log: (line: string) => void,
): Promise<BuildPlan> {
  const outDir = path.resolve(options.outDir);
  const file = manifestFile(cacheDir(), outDir);
  const source = sourceFromEnv();
  const [code, content] = await Promise.all([
    codeDigest(process.cwd()),
    source.kind === 'files' ? contentFingerprint(source.dir) : undefined,
  ]);
  if (!options.shard && content !== undefined) {
    const unchanged = await unchangedSince(file, outDir, { code, content });
    if (unchanged)
      return {
        report: { pages: unchanged.size, rendered: 0, removed: 0, jobs: 0 },
        renders: [],
        full: false,
        keys: unchanged,
        gone: [],
      };
  }
  renderers.start(options.jobs ?? (existsSync(file) && !options.shard ? 1 : await expectedJobs(source)));
  const pool = new WorkerPool();
  const parallel = { readStories: pool.readStories.bind(pool), renderBodies: pool.renderBodies.bind(pool) };
  const site = await loadSite({ log, parallel })
    .catch((error: unknown) => {
      // The source failing is the build's reading stage failing, not a content problem.
      if (error instanceof SourceError) throw new BuildFailure(error.message, '', { stage: 'sync' });
      throw error;
    })
    .finally(() => pool.close());
  const pages = sitePages(site);
  const keys = new Map(pages.map((p) => [p.path, p.key]));
  const count = (n: number) => n.toLocaleString('en-US');

  let todo: SitePage[];
  let gone: string[] = [];
  let manifest: BuildPlan['manifest'];
  let full = true;
  if (options.shard) {
    const { index, count: shards } = options.shard;
    todo = pages.filter((_, i) => i % shards === index - 1);
    log(`[build] shard ${index} of ${shards}: ${count(todo.length)} of ${count(pages.length)} pages`);
  } else {
    manifest = { file, header: { code, content, nextChange: site.nextChange } };
    const before = existsSync(path.join(outDir, 'index.html')) ? await readManifest(file, code) : undefined;
    todo = before ? pages.filter((p) => before.get(p.path) !== p.key) : pages;
    gone = before ? [...before.keys()].filter((p) => !keys.has(p)) : [];
    full = before === undefined;
    log(
      before
        ? `[build] ${count(todo.length)} of ${count(pages.length)} pages changed, ${count(gone.length)} gone`
        : `[build] ${count(pages.length)} pages; no earlier build of ${outDir} by this code: rendering all`,
    );
  }
  const report: BuildReport = { pages: pages.length, rendered: todo.length, removed: gone.length, jobs: 0 };
  // The search index, while the render processes bundle: a part is written again whenever its key changed (one of
  // its stories changed, came or went; Pagefind cannot update an index), one Pagefind process at a time; by the first
  // shard only in a sharded build.
  let search: BuildPlan['search'];
  if (!options.shard || options.shard.index === 1) {
    const parts = searchParts(site.stories, site.timeZone, code);
    const file = `${manifest?.file ?? path.join(work, 'manifest')}.search`;
    const had = full ? new Map<string, string>() : await readPartKeys(file);
    const served = path.join(outDir, SEARCH_DIR);
    const written: string[] = [];
    for (const part of parts) {
      if (had.get(part.name) === part.key && existsSync(path.join(served, part.name, 'pagefind-entry.json'))) continue;
      const report = await writeSearchPart(part.stories, site.timeZone, path.join(work, 'search', part.name));
      log(`[build] search index ${part.name}: ${count(report.records)} stories in ${(report.ms / 1000).toFixed(2)} s`);
      written.push(part.name);
    }
    const same = had.size === parts.length && existsSync(path.join(served, PARTS_FILE));
    if (written.length > 0 || !same) search = { dir: path.join(work, 'search'), file, parts, written };
  }
  if (todo.length === 0 && gone.length === 0)
    return {
      report,
      renders: [],
      full: false,
      keys,
      gone,
      ...(manifest ? { manifest } : {}),
      ...(search ? { search } : {}),
    };

  // Every render process renders the routes without parameters (home, tag index, feeds, 404): its plan has them.
  const fixed = pages.filter((p) => STATIC_KINDS.includes(p.kind));
  const share = todo.filter((p) => !STATIC_KINDS.includes(p.kind));
  const jobs = Math.max(1, options.jobs !== undefined ? Math.min(options.jobs, share.length) : jobsFor(share.length));
  const layout = siteLayout(site);
  const renders: BuildPlan['renders'] = [];
  for (let j = 0; j < jobs; j += 1) {
    const mine = share.filter((_, i) => i % jobs === j);
    const slot = renderers.slot(j);
    await writePlan(slot.plan, layout, [...fixed, ...mine]);
    renders.push({ ...slot, pages: fixed.length + mine.length });
  }
  report.jobs = jobs;
  return { report, renders, full, keys, gone, ...(manifest ? { manifest } : {}), ...(search ? { search } : {}) };
}

/**
 * Moves the search index parts written by `planBuild` into the output folder, writes the list of parts, removes
 * what is no longer a part (and an index of the single-bundle layout before parts), and records the parts' keys.
 */
async function placeSearch(search: BuildPlan['search'], outDir: string): Promise<void> {
  if (!search) return;
  const target = path.join(path.resolve(outDir), SEARCH_DIR);
  await mkdir(target, { recursive: true });
  for (const name of search.written) {
    await rm(path.join(target, name), { recursive: true, force: true });
    await rename(path.join(search.dir, name), path.join(target, name));
  }
  await writeFileAtomic(path.join(target, PARTS_FILE), partsManifest(search.parts));
  const names = new Set([PARTS_FILE, ...search.parts.map((p) => p.name)]);
  for (const entry of await readdir(target))
    if (!names.has(entry)) await rm(path.join(target, entry), { recursive: true, force: true });
  await mkdir(path.dirname(search.file), { recursive: true });
  await writeFileAtomic(search.file, partKeysText(search.parts));
}

/**
 * The page keys of the last build of `outDir`, when it was built by the same code from the same content files and
 * no scheduled story has fallen due since: then nothing changed, and the content need not even be read.
 */
async function unchangedSince(
  file: string,
  outDir: string,
  now: { code: string; content: string },
): Promise<Map<string, string> | undefined> {
  const header = await readManifestHeader(file);
  if (
    !header ||
    header.code !== now.code ||
    header.content !== now.content ||
    !existsSync(path.join(outDir, 'index.html'))
  )
    return undefined;
  if (header.nextChange !== undefined && header.nextChange <= buildTime().toISOString()) return undefined;
  return readManifest(file, now.code);
}

/** Assembles the folders of `--shard` builds into `outDir` (copies; the shard folders stay as they are). */
export async function mergeShards(shards: readonly string[], outDir: string): Promise<number> {
  for (const dir of shards)
    if (!existsSync(path.join(dir, 'index.html')))
      throw new Error(`${dir} is not the output of a --shard build (it has no index.html)`);
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await mergeFolders(
    shards.map((d) => path.resolve(d)),
    outDir,
    'copy',
  );
  return (await readdir(outDir, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile()).length;
}
