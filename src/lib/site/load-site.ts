import path from 'node:path';
import { renderBody } from '../body/body.ts';
import { ContentError } from '../model/content-error.ts';
import { RenderCache } from '../body/render-cache.ts';
import { describeContentImages } from './content-image.ts';
import { timeZoneFromEnv } from './dates.ts';
import { buildSite, nextScheduled, validateSite, type RenderedBody, type Site } from './site.ts';
import { nextShareCardChange, shareCardPolicy } from './share-policy.ts';
import { loadSource, sourceFromEnv } from '../sources/load-source.ts';
import type { StoryFilesReader } from '../sources/content-files.ts';
import type { StoryBody } from '../model/story.ts';

/**
 * Work that a build spreads over threads (src/build/workers.ts): reading story files, and rendering the bodies
 * that the render cache in `cacheDir` (none: no cache) does not hold, `fresh` (this thread writes them to it). A body
 * the renderer fails on comes back as nothing.
 */
export interface ParallelWork {
  readStories: StoryFilesReader;
  renderBodies: (
    bodies: StoryBody[],
    cacheDir: string | undefined,
  ) => Promise<({ body: RenderedBody; fresh: boolean } | undefined)[]>;
}

/** The site, and when it next changes with no edit (a scheduled story goes live, a story's share card ages out). */
export type LoadedSite = Site & { nextChange?: string };

/** Where the build keeps its caches (rendered bodies, page manifests): `NEWS_CACHE_DIR`, by default under node_modules. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env['NEWS_CACHE_DIR'] ?? 'node_modules/.cache/newsdesk');
}

/**
 * Loads, validates and computes the whole site from the configured source (see `sourceFromEnv`), rendering bodies
 * through the render cache (`NEWS_RENDER_CACHE=0` turns it off). Invalid content throws a `ContentError` that lists
 * every problem; `log` receives one line of timings.
 */
export async function loadSite(
  options: { now?: Date; log?: (line: string) => void; parallel?: ParallelWork } = {},
): Promise<LoadedSite> {
  const started = performance.now();
  const source = await loadSource(sourceFromEnv(), { readStories: options.parallel?.readStories });
  const loaded = performance.now();
  const issues = validateSite(source);
  if (issues.length > 0) throw new ContentError(issues);
  // Sizes of images in public/, and what raster images' variants are made from (content-image.ts).
  const imageIssues = await describeContentImages(source.stories, {
    publicDir: path.resolve('public'),
    cacheDir: cacheDir(),
  });
  if (imageIssues.length > 0) throw new ContentError(imageIssues);
  const useCache = process.env['NEWS_RENDER_CACHE'] !== '0';
  const dir = useCache ? path.join(cacheDir(), 'render') : undefined;
  const cache = new RenderCache(dir);
  // Stryker disable next-line ObjectLiteral: buildSite sets both
  const timings = { render: 0, similar: 0 };
  let parallelMs = 0;
  if (options.parallel) {
    const bodies = source.stories.map((s) => s.story.body);
    const rendered = await options.parallel.renderBodies(bodies, dir);
    rendered.forEach((r, i) => {
      const body = bodies[i];
      if (r && body) cache.adopt(body, r.body, r.fresh);
    });
    parallelMs = performance.now() - loaded;
  }
  const now = options.now ?? buildTime();
  const site: LoadedSite = buildSite(source, {
    now,
    render: (story) => cache.get(story.body, renderBody),
    timings,
    timeZone: timeZoneFromEnv(),
  });
  timings.render += parallelMs;
  // The site changes with no edit when a scheduled story goes live, or a story's share card gives way to its section's.
  // Sorting puts undefined last: the earliest time, or undefined when neither comes.
  const next = [nextScheduled(source, now), nextShareCardChange(site.stories, site.now, shareCardPolicy())].sort()[0];
  if (next !== undefined) site.nextChange = next;
  // A full build used every body there is: what it did not use is gone from the content.
  if (cache.misses > 0) await cache.save({ prune: true });
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  options.log?.(
    `[site] ${site.stories.length} stories: loaded in ${s(loaded - started)}, bodies rendered in ${s(timings.render)} ` +
      `(${cache.hits} cached, ${cache.misses} new), Similar News in ${s(timings.similar)}, total ${s(performance.now() - started)}`,
  );
  return site;
}

/**
 * The moment the site is built as of: now, or `NEWS_BUILD_TIME` (ISO 8601), which the shards of one CI build share so
 * that they agree on which scheduled stories are out.
 */
export function buildTime(env: NodeJS.ProcessEnv = process.env): Date {
  const value = env['NEWS_BUILD_TIME'];
  if (value === undefined || value === '') return new Date();
  const time = new Date(value);
  if (!/^\d{4}-\d\d-\d\dT/.test(value) || Number.isNaN(time.getTime())) {
    throw new ContentError([
      {
        where: 'NEWS_BUILD_TIME',
        field: '',
        message: `expected a date and time in ISO 8601 (e.g. 2026-11-27T16:00:00Z), received ${JSON.stringify(value)}`,
      },
    ]);
  }
  return time;
}
