// Framework glue: loads, validates and builds the site once per build; pages import `getSite`.
import { AstroError } from "astro/errors";
import path from 'node:path';
import { renderBody } from './lib/body.ts';
import { formatIssue } from './lib/content-error.ts';
import { buildSite, validateSite, type Site } from './lib/site.ts';
import { loadRenderCache, RenderCache, saveRenderCache } from './lib/render-cache.ts';
import { loadSource, sourceFromEnv } from './lib/source.ts';

let site: Promise<Site> | undefined;

/** The site model, computed on first use and shared by every page of the build. */
export function getSite(): Promise<Site> {
  site ??= load();
  return site;
}

async function load(): Promise<Site> {
  const started = performance.now();
  const source = await loadSource(sourceFromEnv());
  const loaded = performance.now();
  const issues = validateSite(source);
  if (issues.length > 0) {
    const n = issues.length;
    throw new AstroError(
      `${n} content problem${n === 1 ? '' : 's'} found; nothing was built:\n${issues.map((i) => `  - ${formatIssue(i)}`).join('\n')}`,
      'Fix each entry named above, then build again. The README ("Content format") lists every field.',
    );
  }
  // Rendered bodies are cached between builds (NEWS_RENDER_CACHE=0 turns the cache off).
  const useCache = process.env['NEWS_RENDER_CACHE'] !== '0';
  const cacheFile = path.resolve(process.env['NEWS_CACHE_DIR'] ?? 'node_modules/.cache/newsdesk', 'render.json');
  const cache = useCache ? await loadRenderCache(cacheFile) : new RenderCache();
  const timings = { render: 0, similar: 0 };
  const site = buildSite(source, { now: new Date(), render: (story) => cache.get(story.body, renderBody), timings });
  if (useCache && cache.misses > 0) await saveRenderCache(cacheFile, cache);
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  console.log(
    `[site] ${site.stories.length} stories: loaded in ${s(loaded - started)}, bodies rendered in ${s(timings.render)} ` +
      `(${cache.hits} cached, ${cache.misses} new), Similar News in ${s(timings.similar)}, total ${s(performance.now() - started)}`,
  );
  return site;
}
