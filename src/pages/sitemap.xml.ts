import type { APIContext } from 'astro';
import { sitemap } from '../lib/site/feed';
import { getStaticPage } from '../rendered-pages';

export async function GET(context: APIContext) {
  const { entries } = await getStaticPage('sitemap');
  const site = context.site ?? new URL('http://localhost:4321');
  return new Response(sitemap(entries, site), { headers: { 'content-type': 'application/xml; charset=utf-8' } });
}
