import { DEFAULT_TIME_ZONE, formatDateTime } from './dates.ts';
import type { StoryCard } from './site.ts';

/**
 * A story as the feeds carry it: its card, the note of its last update, its authors and, when the feeds carry the
 * full text (see `feedFullText`), its sanitized body HTML.
 */
export interface FeedItem extends StoryCard {
  updateNote?: string;
  authors?: { name: string; url: string }[];
  html?: string;
}

/** What a feed is of: its title and description, the page it follows and its own path (all paths on the site). */
export interface FeedMeta {
  title: string;
  description: string;
  /** The page whose stories the feed carries (`/`, `/section/world/`, …). */
  page: string;
  /** The feed's own path. */
  self: string;
}

/** How many stories the site's feeds carry. */
export const FEED_SIZE = 30;
/** How many stories a section's, tag's or author's feed carries. */
export const LISTING_FEED_SIZE = 20;

/** Which feeds carry each story's full text: the site's (the default), every feed, or none. */
export type FeedText = 'site' | 'all' | 'none';

/**
 * Which feeds carry each story's full text (RSS `content:encoded`, JSON Feed `content_html`), from `NEWS_FEED_FULL`:
 * `site` (unset) the site's two feeds, `all` the sections', tags' and authors' too, `none` no feed. A static host
 * cannot answer a `?full` query, so there is one variant of each feed; full text in the hundreds of listing feeds
 * would be a third of the site's bytes (10,000 stories: 137 MB of 365 MB), so only the site's have it by default.
 */
export function feedFullText(env: NodeJS.ProcessEnv = process.env): FeedText {
  const value = env['NEWS_FEED_FULL'];
  if (value === undefined || value === '') return 'site';
  if (value === 'site' || value === 'all' || value === 'none') return value;
  throw new Error(`NEWS_FEED_FULL: expected site, all or none, received ${JSON.stringify(value)}`);
}

// XML 1.0 allows no C0 control character but tab, newline and carriage return, and no U+FFFE or U+FFFF.
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

export const escapeXml = (s: string) =>
  s
    .replace(NOT_XML, '')
    .replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c);

const RASTER_TYPES: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  avif: 'image/avif',
};

/**
 * A story image as feeds may carry it: its absolute URL and media type when it is a raster image (by the extension
 * of its path, or Sanity's `fm` parameter); feed readers do not show SVG, so an SVG (or unknown) image gives none.
 */
export function rasterImage(src: string, site: URL): { url: string; type: string } | undefined {
  if (!URL.canParse(src, site)) return undefined;
  const url = new URL(src, site);
  const format = url.searchParams.get('fm') ?? /\.([a-z0-9]+)$/i.exec(url.pathname)?.[1];
  const type = format === undefined ? undefined : RASTER_TYPES[format.toLowerCase()];
  return type === undefined ? undefined : { url: url.href, type };
}

/**
 * Body HTML with its site paths made absolute (`href`, `src`, `srcset`): feed readers show it away from the site.
 * The HTML is the body pipeline's sanitized output, whose attributes are always double-quoted.
 */
export function absoluteHtml(html: string, site: URL): string {
  const origin = site.origin;
  return html
    .replace(/(\s(?:href|src)=")\/(?![/\\])/g, `$1${origin}/`)
    .replace(/(\ssrcset=")([^"]*)"/g, (_, head: string, value: string) => {
      const absolute = value.replace(/(^|,\s*)\/(?![/\\])/g, `$1${origin}/`);
      return `${head}${absolute}"`;
    });
}

/** The text a feed gives for an item's summary: the dek, and the update note as the story page shows it. */
function summary(s: FeedItem, timeZone: string): string {
  return s.updatedAt
    ? `${s.dek}\n\nUpdated ${formatDateTime(s.updatedAt, timeZone)}${s.updateNote ? `: ${s.updateNote}` : '.'}`
    : s.dek;
}

/**
 * An RSS 2.0 feed of the latest stories; `site` is the public origin. Dates come from the stories, never the clock.
 * An updated story keeps its first publish time as `pubDate`, carries `atom:updated`, and its description ends with
 * "Updated <time in `timeZone`>: <note>", as its page shows it. With `feed`, the channel links to that page and
 * names itself (`atom:link rel="self"`); authors are `dc:creator`, a raster image `media:content`, and the full
 * text, when the items have it, `content:encoded`.
 */
export function storiesToRss(
  stories: readonly FeedItem[],
  options: {
    site: URL;
    title: string;
    description: string;
    limit?: number;
    timeZone?: string;
    feed?: FeedMeta;
    language?: string;
  },
): string {
  const { site } = options;
  const items = stories.slice(0, options.limit ?? FEED_SIZE);
  const timeZone = options.timeZone ?? DEFAULT_TIME_ZONE;
  // The latest change of any item: a story updated after newer ones were published counts too.
  let lastBuild: string | undefined;
  for (const s of items) {
    const changed = s.updatedAt ?? s.publishedAt;
    // Stryker disable next-line EqualityOperator: two times that parse equal print the same lastBuildDate
    if (lastBuild === undefined || Date.parse(changed) > Date.parse(lastBuild)) lastBuild = changed;
  }
  const page = new URL(options.feed?.page ?? '/', site).href;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/"><channel>',
    `<title>${escapeXml(options.title)}</title>`,
    `<link>${escapeXml(page)}</link>`,
    `<description>${escapeXml(options.description)}</description>`,
    ...(options.feed
      ? [
          `<atom:link href="${escapeXml(new URL(options.feed.self, site).href)}" rel="self" type="application/rss+xml"/>`,
        ]
      : []),
    ...(options.language ? [`<language>${escapeXml(options.language)}</language>`] : []),
    ...(lastBuild ? [`<lastBuildDate>${new Date(lastBuild).toUTCString()}</lastBuildDate>`] : []),
    ...items.map((s) => {
      const link = escapeXml(new URL(s.url, site).href);
      const update = s.updatedAt ? `<atom:updated>${new Date(s.updatedAt).toISOString()}</atom:updated>` : '';
      const authors = (s.authors ?? []).map((a) => `<dc:creator>${escapeXml(a.name)}</dc:creator>`).join('');
      const image = s.image ? rasterImage(s.image.src, site) : undefined;
      const media = image ? `<media:content url="${escapeXml(image.url)}" type="${image.type}" medium="image"/>` : '';
      const full =
        s.html === undefined ? '' : `<content:encoded>${escapeXml(absoluteHtml(s.html, site))}</content:encoded>`;
      return `<item><title>${escapeXml(s.title)}</title><link>${link}</link><guid isPermaLink="true">${link}</guid><pubDate>${new Date(s.publishedAt).toUTCString()}</pubDate>${update}${authors}<category>${escapeXml(s.section.name)}</category><description>${escapeXml(summary(s, timeZone))}</description>${media}${full}</item>`;
    }),
    '</channel></rss>',
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * A JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/) of the latest stories, beside the RSS feed of the same
 * page: `content_html` is the full text when the items have it, else `content_text` is the summary.
 */
export function storiesToJsonFeed(
  stories: readonly FeedItem[],
  options: { site: URL; title: string; description: string; feed: FeedMeta; language: string; timeZone?: string },
): string {
  const { site } = options;
  const timeZone = options.timeZone ?? DEFAULT_TIME_ZONE;
  const feed = {
    version: 'https://jsonfeed.org/version/1.1',
    title: options.title,
    home_page_url: new URL(options.feed.page, site).href,
    feed_url: new URL(options.feed.self, site).href,
    description: options.description,
    language: options.language,
    items: stories.map((s) => {
      const url = new URL(s.url, site).href;
      const text = summary(s, timeZone);
      const image = s.image ? rasterImage(s.image.src, site) : undefined;
      const authors = (s.authors ?? []).map((a) => ({ name: a.name, url: new URL(a.url, site).href }));
      return {
        id: url,
        url,
        title: s.title,
        ...(s.html === undefined ? { content_text: text } : { content_html: absoluteHtml(s.html, site) }),
        summary: text,
        ...(image ? { image: image.url } : {}),
        date_published: new Date(s.publishedAt).toISOString(),
        ...(s.updatedAt ? { date_modified: new Date(s.updatedAt).toISOString() } : {}),
        ...(authors.length > 0 ? { authors } : {}),
        tags: [s.section.name],
      };
    }),
  };
  return `${JSON.stringify(feed)}\n`;
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
