import path from 'node:path';
import { renderBody } from './body.ts';
import { ContentError } from './content-error.ts';
import { RenderCache } from './render-cache.ts';
import { buildSite, validateSite, type Site } from './site.ts';
import { loadSource, sourceFromEnv } from './source.ts';

/** Where the build keeps its caches (rendered bodies, page manifests): `NEWS_CACHE_DIR`, by default under node_modules. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env['NEWS_CACHE_DIR'] ?? 'node_modules/.cache/newsdesk');
}

/**
 * Loads, validates and computes the whole site from the configured source (see `sourceFromEnv`), rendering bodies
 * through the render cache (`NEWS_RENDER_CACHE=0` turns it off). Invalid content throws a `ContentError` that lists
 * every problem; `log` receives one line of timings.
 */
export async function loadSite(options: { now?: Date; log?: (line: string) => void } = {}): Promise<Site> {
  const started = performance.now();
  const source = await loadSource(sourceFromEnv());
  const loaded = performance.now();
  const issues = validateSite(source);
  if (issues.length > 0) throw new ContentError(issues);
  const useCache = process.env['NEWS_RENDER_CACHE'] !== '0';
  const cache = new RenderCache(useCache ? path.join(cacheDir(), 'render') : undefined);
  const timings = { render: 0, similar: 0 };
  const site = buildSite(source, { now: options.now ?? new Date(), render: (story) => cache.get(story.body, renderBody), timings });
  // A full build used every body there is: what it did not use is gone from the content.
  if (cache.misses > 0) await cache.save({ prune: true });
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  options.log?.(
    `[site] ${site.stories.length} stories: loaded in ${s(loaded - started)}, bodies rendered in ${s(timings.render)} ` +
      `(${cache.hits} cached, ${cache.misses} new), Similar News in ${s(timings.similar)}, total ${s(performance.now() - started)}`,
  );
  return site;
}
