/**
 * Structured data for search engines (schema.org JSON-LD): a story's `NewsArticle` and a page's `BreadcrumbList`,
 * and the one serialization that may go inside a `<script type="application/ld+json">` element.
 */
import type { StoryView } from './site.ts';

/** The publisher's raster logo (public/), as Google asks for: a PNG at most 600 wide and 60 high. */
export const PUBLISHER_LOGO = { path: '/logo.png', width: 600, height: 60 } as const;

/** A crumb: its name and its site path. */
export interface Crumb {
  name: string;
  path: string;
}

/**
 * JSON that is safe inside a `<script>` element whatever its strings hold: `<`, `>` and `&` become `\u003c`,
 * `\u003e` and `\u0026` (so no `</script>` or `<!--` can end or change the element), and U+2028 and U+2029 are
 * escaped too (older JavaScript parsers read them as line ends). The result parses to the same value.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Where the site is published and what it is called: absolute URLs are made against `site`. */
export interface SiteIdentity {
  site: URL;
  name: string;
}

/** A story's `NewsArticle`. `image` is the absolute URL of its 1200×630 share image. */
export function newsArticle(
  story: StoryView,
  { site, name }: SiteIdentity,
  image: { url: string; width: number; height: number },
): Record<string, unknown> {
  const url = new URL(story.url, site).href;
  return {
    '@context': 'https://schema.org',
    '@type': 'NewsArticle',
    headline: story.seo?.metaTitle ?? story.title,
    description: story.seo?.metaDescription ?? story.dek,
    datePublished: story.publishedAt,
    dateModified: story.updatedAt ?? story.publishedAt,
    author: story.authors.map((a) => ({ '@type': 'Person', name: a.name, url: new URL(a.url, site).href })),
    publisher: {
      '@type': 'NewsMediaOrganization',
      name,
      url: new URL('/', site).href,
      logo: {
        '@type': 'ImageObject',
        url: new URL(PUBLISHER_LOGO.path, site).href,
        width: PUBLISHER_LOGO.width,
        height: PUBLISHER_LOGO.height,
      },
    },
    image: [
      { '@type': 'ImageObject', url: image.url, width: image.width, height: image.height },
      ...(story.image ? [new URL(story.image.src, site).href] : []),
    ],
    articleSection: story.section.name,
    keywords: story.tags.map((t) => t.name),
    mainEntityOfPage: { '@type': 'WebPage', '@id': url },
    url,
  };
}

/** A page's `BreadcrumbList`: the crumbs from the home page to the page itself. */
export function breadcrumbList(crumbs: readonly Crumb[], site: URL): Record<string, unknown> {
  return {
    '@context': 'https://schema.org',
    '@type': 'BreadcrumbList',
    itemListElement: crumbs.map((c, i) => ({
      '@type': 'ListItem',
      position: i + 1,
      name: c.name,
      item: new URL(c.path, site).href,
    })),
  };
}
