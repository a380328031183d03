/**
 * The sitemaps: `/sitemap.xml` is always a sitemap index, naming child sitemaps of at most `SITEMAP_LIMIT` URLs each
 * (the sitemaps.org limit): the stories, oldest first, so that a new story lands in the last child and leaves the
 * others as they were, then the listing pages (home, tag index, sections, tags and authors with their archive pages).
 * Each child is its own page with its own key, so a publish rewrites the children it changes, not one giant file.
 * `/sitemap-news.xml` is the Google News sitemap: the stories of the 48 hours before the build time.
 */
import { PAGE_SIZE } from '../../consts.ts';
import { escapeXml } from './feed.ts';
import type { Site, StoryView } from './site.ts';
import { urls } from './urls.ts';

/** The most URLs one sitemap may list (sitemaps.org). */
export const SITEMAP_LIMIT = 50_000;
/** How far back the news sitemap reaches from the build time, and the most URLs it may list (Google News). */
export const NEWS_WINDOW_MS = 48 * 60 * 60 * 1000;
export const NEWS_LIMIT = 1000;

/** One URL of a sitemap: a path on the site, and when its page last changed (stories only). */
export interface SitemapEntry {
  path: string;
  lastmod?: string;
}

/** A child sitemap: its name (`stories-1`, `pages-1`, …), its path and its entries. */
export interface ChildSitemap {
  name: string;
  path: string;
  entries: SitemapEntry[];
}

/** A story of the news sitemap. */
export interface NewsEntry {
  path: string;
  title: string;
  publishedAt: string;
}

/** The path of a child sitemap. */
export const sitemapPath = (name: string) => `/sitemaps/${name}.xml`;

/** Every story's entry, oldest first. */
function* storyEntries(stories: readonly StoryView[]): Generator<SitemapEntry> {
  for (let i = stories.length - 1; i >= 0; i -= 1) {
    const s = stories[i] as StoryView;
    yield { path: s.url, lastmod: s.updatedAt ?? s.publishedAt };
  }
}

/** The number of archive pages of a listing of `n` stories (see paginate.ts: the front page holds two chunks). */
const archived = (n: number) => Math.max(0, Math.ceil(n / PAGE_SIZE) - 2);

/** Every listing page's entry: home, tag index, then each section, tag and author with its archive pages. */
function* pageEntries(site: Site): Generator<SitemapEntry> {
  yield { path: urls.home() };
  yield { path: urls.tags() };
  const lists = [
    ['section', site.sections],
    ['tag', site.tags],
    ['author', site.authors],
  ] as const;
  for (const [kind, list] of lists) {
    for (const { slug, stories } of list) {
      yield { path: urls[kind](slug) };
      for (let k = 1; k <= archived(stories.length); k += 1) yield { path: urls[kind](slug, k) };
    }
  }
}

/** The entries in children of at most `limit`, named `<prefix>-1`, `<prefix>-2`, … (none when there are none). */
function* chunked(prefix: string, entries: Iterable<SitemapEntry>, limit: number): Generator<ChildSitemap> {
  let part: SitemapEntry[] = [];
  let n = 0;
  for (const entry of entries) {
    part.push(entry);
    if (part.length === limit) {
      n += 1;
      yield { name: `${prefix}-${n}`, path: sitemapPath(`${prefix}-${n}`), entries: part };
      part = [];
    }
  }
  if (part.length > 0) yield { name: `${prefix}-${n + 1}`, path: sitemapPath(`${prefix}-${n + 1}`), entries: part };
}

/** The child sitemaps of a site, made one at a time; `limit` is the most URLs per child. */
export function* childSitemaps(site: Site, limit = SITEMAP_LIMIT): Generator<ChildSitemap> {
  yield* chunked('stories', storyEntries(site.stories), limit);
  yield* chunked('pages', pageEntries(site), limit);
}

/** The latest `lastmod` of a child's entries, if any has one. */
export function lastModified(entries: readonly SitemapEntry[]): string | undefined {
  let latest: string | undefined;
  for (const { lastmod } of entries) {
    // Stryker disable next-line ConditionalExpression: without the skip, an undefined lastmod only replaces an undefined latest
    if (lastmod === undefined) continue;
    // Stryker disable next-line EqualityOperator: replacing a lastmod with an equal one changes nothing
    if (latest === undefined || lastmod > latest) latest = lastmod;
  }
  return latest;
}

/** The stories published in the `NEWS_WINDOW_MS` before `now` (ISO 8601), newest first, at most `NEWS_LIMIT`. */
export function newsEntries(stories: readonly StoryView[], now: string): NewsEntry[] {
  const from = new Date(Date.parse(now) - NEWS_WINDOW_MS).toISOString();
  const entries: NewsEntry[] = [];
  // Stories are newest first: skip any after `now`, stop at the first before the window.
  for (const s of stories) {
    if (s.publishedAt > now) continue;
    if (s.publishedAt < from || entries.length === NEWS_LIMIT) break;
    entries.push({ path: s.url, title: s.title, publishedAt: s.publishedAt });
  }
  return entries;
}

/** A sitemap index naming the child sitemaps (paths on the site) with their last change. */
export function sitemapIndex(children: readonly SitemapEntry[], site: URL): string {
  const body = children
    .map(
      (c) =>
        `<sitemap><loc>${escapeXml(new URL(c.path, site).href)}</loc>${c.lastmod ? `<lastmod>${c.lastmod}</lastmod>` : ''}</sitemap>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${body}\n</sitemapindex>\n`;
}

/** A Google News sitemap (https://developers.google.com/search/docs/crawling-indexing/sitemaps/news-sitemap). */
export function newsSitemap(
  entries: readonly NewsEntry[],
  options: { site: URL; name: string; language: string },
): string {
  const publication = `<news:publication><news:name>${escapeXml(options.name)}</news:name><news:language>${escapeXml(options.language)}</news:language></news:publication>`;
  const body = entries
    .map(
      (e) =>
        `<url><loc>${escapeXml(new URL(e.path, options.site).href)}</loc><news:news>${publication}<news:publication_date>${e.publishedAt}</news:publication_date><news:title>${escapeXml(e.title)}</news:title></news:news></url>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n${body}\n</urlset>\n`;
}

/** robots.txt: everything may be crawled; the sitemap index and the news sitemap, as absolute URLs. */
export function robotsTxt(sitemaps: readonly string[], site: URL): string {
  return ['User-agent: *', 'Allow: /', '', ...sitemaps.map((p) => `Sitemap: ${new URL(p, site).href}`), ''].join('\n');
}
