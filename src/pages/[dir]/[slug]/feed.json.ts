// The JSON Feed of a section, tag or author: /section/<slug>/feed.json, /tags/<slug>/feed.json, /authors/<slug>/feed.json.
import type { APIContext } from 'astro';
import { jsonFeedResponse } from '../../../lib/site/feed-routes';
import type { FeedProps } from '../../../lib/site/pages';
import { DEFAULT_SITE_URL } from '../../../lib/site/site-url';
import { getLayout, staticPaths } from '../../../rendered-pages';

export function getStaticPaths() {
  return staticPaths('listingJsonFeed');
}

export async function GET(context: APIContext<FeedProps>) {
  const { timeZone } = await getLayout();
  return jsonFeedResponse(context.props, context.site ?? new URL(DEFAULT_SITE_URL), timeZone);
}
