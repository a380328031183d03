// @ts-check
import { defineConfig } from 'astro/config';

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
});
