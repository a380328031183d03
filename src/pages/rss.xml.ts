import type { APIContext } from 'astro';
import { rssResponse } from '../lib/site/feed-routes';
import { DEFAULT_SITE_URL } from '../lib/site/site-url';
import { getLayout, getStaticPage } from '../rendered-pages';

export async function GET(context: APIContext) {
  const { timeZone } = await getLayout();
  return rssResponse(await getStaticPage('rss'), context.site ?? new URL(DEFAULT_SITE_URL), timeZone);
}
