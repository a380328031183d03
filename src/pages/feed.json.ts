import type { APIContext } from 'astro';
import { jsonFeedResponse } from '../lib/site/feed-routes';
import { DEFAULT_SITE_URL } from '../lib/site/site-url';
import { getLayout, getStaticPage } from '../rendered-pages';

export async function GET(context: APIContext) {
  const { timeZone } = await getLayout();
  return jsonFeedResponse(await getStaticPage('jsonFeed'), context.site ?? new URL(DEFAULT_SITE_URL), timeZone);
}
