import type { APIContext } from 'astro';
import { sitemap } from '../lib/feed';
import { urls } from '../lib/urls';
import { getSite } from '../site';

export async function GET(context: APIContext) {
  const { stories, sections, tags } = await getSite();
  const site = context.site ?? new URL('http://localhost:4321');
  const entries = [
    { path: urls.home() },
    ...stories.map((s) => ({ path: s.url, lastmod: s.updatedAt ?? s.publishedAt })),
    ...sections.map((s) => ({ path: s.url })),
    { path: urls.tags() },
    ...tags.map((t) => ({ path: t.url })),
  ];
  return new Response(sitemap(entries, site), { headers: { 'content-type': 'application/xml; charset=utf-8' } });
}
