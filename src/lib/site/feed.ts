import { DEFAULT_TIME_ZONE, formatDateTime } from './dates.ts';
import type { StoryCard } from './site.ts';

/** A story as the feed carries it: its card, and the note of its last update. */
export interface FeedItem extends StoryCard {
  updateNote?: string;
}

/** How many stories the feed carries. */
export const FEED_SIZE = 30;

const escapeXml = (s: string) =>
  s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c);

/**
 * An RSS 2.0 feed of the latest stories; `site` is the public origin. Dates come from the stories, never the clock.
 * An updated story keeps its first publish time as `pubDate`, carries `atom:updated`, and its description ends with
 * "Updated <time in `timeZone`>: <note>", as its page shows it.
 */
export function storiesToRss(
  stories: readonly FeedItem[],
  options: { site: URL; title: string; description: string; limit?: number; timeZone?: string },
): string {
  const items = stories.slice(0, options.limit ?? FEED_SIZE);
  const timeZone = options.timeZone ?? DEFAULT_TIME_ZONE;
  // The latest change of any item: a story updated after newer ones were published counts too.
  let lastBuild: string | undefined;
  for (const s of items) {
    const changed = s.updatedAt ?? s.publishedAt;
    if (lastBuild === undefined || Date.parse(changed) > Date.parse(lastBuild)) lastBuild = changed;
  }
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>',
    `<title>${escapeXml(options.title)}</title>`,
    `<link>${escapeXml(options.site.href)}</link>`,
    `<description>${escapeXml(options.description)}</description>`,
    ...(lastBuild ? [`<lastBuildDate>${new Date(lastBuild).toUTCString()}</lastBuildDate>`] : []),
    ...items.map((s) => {
      const link = new URL(s.url, options.site).href;
      const update = s.updatedAt ? `<atom:updated>${new Date(s.updatedAt).toISOString()}</atom:updated>` : '';
      const description = s.updatedAt
        ? `${s.dek}\n\nUpdated ${formatDateTime(s.updatedAt, timeZone)}${s.updateNote ? `: ${s.updateNote}` : '.'}`
        : s.dek;
      return `<item><title>${escapeXml(s.title)}</title><link>${escapeXml(link)}</link><guid isPermaLink="true">${escapeXml(link)}</guid><pubDate>${new Date(s.publishedAt).toUTCString()}</pubDate>${update}<category>${escapeXml(s.section.name)}</category><description>${escapeXml(description)}</description></item>`;
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
