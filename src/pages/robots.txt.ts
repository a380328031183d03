import type { APIContext } from 'astro';
import { robotsResponse } from '../lib/site/feed-routes';
import { DEFAULT_SITE_URL } from '../lib/site/site-url';
import { getStaticPage } from '../rendered-pages';

export async function GET(context: APIContext) {
  return robotsResponse(await getStaticPage('robots'), context.site ?? new URL(DEFAULT_SITE_URL));
}
