import type { StoryCard } from './site.ts';

/** How many stories the feed carries. */
export const FEED_SIZE = 30;

const escapeXml = (s: string) =>
  s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c);

/** An RSS 2.0 feed of the latest stories; `site` is the public origin. Dates come from the stories, never the clock. */
export function storiesToRss(
  stories: readonly StoryCard[],
  options: { site: URL; title: string; description: string; limit?: number },
): string {
  const items = stories.slice(0, options.limit ?? FEED_SIZE);
  const lastBuild = items[0]?.updatedAt ?? items[0]?.publishedAt;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<rss version="2.0"><channel>',
    `<title>${escapeXml(options.title)}</title>`,
    `<link>${escapeXml(options.site.href)}</link>`,
    `<description>${escapeXml(options.description)}</description>`,
    ...(lastBuild ? [`<lastBuildDate>${new Date(lastBuild).toUTCString()}</lastBuildDate>`] : []),
    ...items.map((s) => {
      const link = new URL(s.url, options.site).href;
      return `<item><title>${escapeXml(s.title)}</title><link>${escapeXml(link)}</link><guid isPermaLink="true">${escapeXml(link)}</guid><pubDate>${new Date(s.publishedAt).toUTCString()}</pubDate><category>${escapeXml(s.section.name)}</category><description>${escapeXml(s.dek)}</description></item>`;
    }),
    '</channel></rss>',
  ];
  return `${lines.join('\n')}\n`;
}

/** A sitemap of every page URL given (absolute paths), with each story's last change. */
export function sitemap(entries: readonly { path: string; lastmod?: string }[], site: URL): string {
  const body = entries
    .map(
      (e) =>
        `<url><loc>${escapeXml(new URL(e.path, site).href)}</loc>${e.lastmod ? `<lastmod>${e.lastmod}</lastmod>` : ''}</url>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${body}\n</urlset>\n`;
}
