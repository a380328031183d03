import type { APIContext } from 'astro';
import { sitemapIndexResponse } from '../lib/site/feed-routes';
import { DEFAULT_SITE_URL } from '../lib/site/site-url';
import { getStaticPage } from '../rendered-pages';

export async function GET(context: APIContext) {
  return sitemapIndexResponse(await getStaticPage('sitemap'), context.site ?? new URL(DEFAULT_SITE_URL));
}
