// What the feed, sitemap and robots.txt routes (src/pages/) answer: the text of a page's props, with its content type.
import { SITE_LANGUAGE, SITE_TITLE } from '../../consts.ts';
import { storiesToJsonFeed, storiesToRss, sitemap } from './feed.ts';
import type { FeedProps, PageProps } from './pages.ts';
import { newsSitemap, robotsTxt, sitemapIndex } from './sitemaps.ts';

const respond = (body: string, type: string) => new Response(body, { headers: { 'content-type': type } });

/** An RSS 2.0 feed. */
export const rssResponse = ({ feed, items }: FeedProps, site: URL, timeZone: string) =>
  respond(
    storiesToRss(items, {
      site,
      title: feed.title,
      description: feed.description,
      feed,
      language: SITE_LANGUAGE,
      timeZone,
      limit: items.length,
    }),
    'application/rss+xml; charset=utf-8',
  );

/** A JSON Feed 1.1. */
export const jsonFeedResponse = ({ feed, items }: FeedProps, site: URL, timeZone: string) =>
  respond(
    storiesToJsonFeed(items, {
      site,
      title: feed.title,
      description: feed.description,
      feed,
      language: SITE_LANGUAGE,
      timeZone,
    }),
    'application/feed+json; charset=utf-8',
  );

export const sitemapIndexResponse = ({ sitemaps }: PageProps['sitemap'], site: URL) =>
  respond(sitemapIndex(sitemaps, site), 'application/xml; charset=utf-8');

export const sitemapResponse = ({ entries }: PageProps['sitemapChild'], site: URL) =>
  respond(sitemap(entries, site), 'application/xml; charset=utf-8');

export const newsSitemapResponse = ({ entries }: PageProps['newsSitemap'], site: URL) =>
  respond(newsSitemap(entries, { site, name: SITE_TITLE, language: SITE_LANGUAGE }), 'application/xml; charset=utf-8');

export const robotsResponse = ({ sitemaps }: PageProps['robots'], site: URL) =>
  respond(robotsTxt(sitemaps, site), 'text/plain; charset=utf-8');
