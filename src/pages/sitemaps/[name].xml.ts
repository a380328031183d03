// A child sitemap of the index at /sitemap.xml (src/lib/site/sitemaps.ts).
import type { APIContext } from 'astro';
import { sitemapResponse } from '../../lib/site/feed-routes';
import type { PageProps } from '../../lib/site/pages';
import { DEFAULT_SITE_URL } from '../../lib/site/site-url';
import { staticPaths } from '../../rendered-pages';

export function getStaticPaths() {
  return staticPaths('sitemapChild');
}

export function GET(context: APIContext<PageProps['sitemapChild']>) {
  return sitemapResponse(context.props, context.site ?? new URL(DEFAULT_SITE_URL));
}
