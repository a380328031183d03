import type { APIContext } from 'astro';
import { SITE_DESCRIPTION, SITE_TITLE } from '../consts';
import { storiesToRss } from '../lib/site/feed';
import { getLayout, getStaticPage } from '../rendered-pages';

export async function GET(context: APIContext) {
  const { items } = await getStaticPage('rss');
  const { timeZone } = await getLayout();
  const site = context.site ?? new URL('http://localhost:4321');
  return new Response(storiesToRss(items, { site, title: SITE_TITLE, description: SITE_DESCRIPTION, timeZone }), {
    headers: { 'content-type': 'application/rss+xml; charset=utf-8' },
  });
}
