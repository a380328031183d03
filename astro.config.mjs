// @ts-check
import { defineConfig } from 'astro/config';
import { pruneStalePages } from './src/integrations/prune-stale-pages.ts';

// The rebuild service builds into a copy of the previous build (NEWS_KEEP_OUTDIR=1): unchanged pages are already
// in place, Astro re-renders only pages whose cache key changed, and pages that no longer exist are pruned.
const keepOutDir = process.env.NEWS_KEEP_OUTDIR === '1';

// SITE_URL is the public origin of the site (used for canonical links, feeds and the sitemap).
const site = process.env.SITE_URL ?? 'http://localhost:4321';

export default defineConfig({
  site,
  output: 'static',
  trailingSlash: 'always',
  build: { format: 'directory' },
  // No client JavaScript: pages are plain HTML and CSS.
  prefetch: false,
  devToolbar: { enabled: false },
  // The rebuild service keeps its own cache (ASTRO_CACHE_DIR) so that its builds and manual ones do not mix.
  cacheDir: process.env.ASTRO_CACHE_DIR ?? './node_modules/.astro',
  // Pages whose data did not change (same cacheKey, see src/lib/cache-key.ts) are copied from the previous build.
  experimental: { incrementalBuild: true },
  vite: { build: { emptyOutDir: !keepOutDir } },
  integrations: keepOutDir ? [pruneStalePages()] : [],
});
