// @ts-check
import { defineConfig } from 'astro/config';

// The rebuild service hands the build a render plan (NEWS_RENDER_PLAN): only the pages whose data changed, with
// that data. Such a build renders into an empty folder that the service merges into a copy of the live site.
const planned = Boolean(process.env.NEWS_RENDER_PLAN);

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
  // Full builds: pages whose data did not change (same cacheKey, see src/lib/pages.ts) are copied from the previous
  // build. A planned build has nothing to copy from.
  experimental: { incrementalBuild: !planned },
});
