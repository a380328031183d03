// The RSS feed of a section, tag or author: /section/<slug>/rss.xml, /tags/<slug>/rss.xml, /authors/<slug>/rss.xml.
import type { APIContext } from 'astro';
import { rssResponse } from '../../../lib/site/feed-routes';
import type { FeedProps } from '../../../lib/site/pages';
import { DEFAULT_SITE_URL } from '../../../lib/site/site-url';
import { getLayout, staticPaths } from '../../../rendered-pages';

export function getStaticPaths() {
  return staticPaths('listingRss');
}

export async function GET(context: APIContext<FeedProps>) {
  const { timeZone } = await getLayout();
  return rssResponse(context.props, context.site ?? new URL(DEFAULT_SITE_URL), timeZone);
}
