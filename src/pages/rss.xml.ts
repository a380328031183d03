import type { APIContext } from 'astro';
import { SITE_DESCRIPTION, SITE_TITLE } from '../consts';
import { storiesToRss } from '../lib/feed';
import { getSite } from '../site';

export async function GET(context: APIContext) {
  const { stories } = await getSite();
  const site = context.site ?? new URL('http://localhost:4321');
  return new Response(storiesToRss(stories, { site, title: SITE_TITLE, description: SITE_DESCRIPTION }), {
    headers: { 'content-type': 'application/rss+xml; charset=utf-8' },
  });
}
