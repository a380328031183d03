/**
 * Which stories get a share image of their own. News is shared while it is fresh, and drawing a card for every story
 * of a 100,000-story archive costs minutes of CPU and gigabytes: so a story gets its own card (its headline drawn, or
 * its public/ image cropped) when it is one of the newest `NEWS_SHARE_CARD_STORIES` (default 100) or published within
 * `NEWS_SHARE_CARD_DAYS` (default 30) of the build time; an older story's `og:image` is its section's card
 * (`/share/sections/<slug>.jpg`, drawn once per section). A story with a Sanity image uses the image service's
 * 1200×630 crop of it, whatever its age, and nothing is drawn for it.
 */
import { sanityShareImageUrl, sectionShareImagePath, shareImagePath } from './share-image.ts';

export interface ShareCardPolicy {
  /** Stories published within this many days of the build time get their own card. */
  days: number;
  /** The newest this many stories get their own card, however old (a site that publishes rarely, the demo). */
  stories: number;
}

export const SHARE_CARD_DEFAULTS: ShareCardPolicy = { days: 30, stories: 100 };

const count = (env: NodeJS.ProcessEnv, name: string, fallback: number): number => {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  if (!/^\d{1,6}$/.test(value))
    throw new Error(`${name}: expected a whole number from 0, received ${JSON.stringify(value)}`);
  return Number(value);
};

/** The policy from `NEWS_SHARE_CARD_DAYS` and `NEWS_SHARE_CARD_STORIES`. */
export function shareCardPolicy(env: NodeJS.ProcessEnv = process.env): ShareCardPolicy {
  return {
    days: count(env, 'NEWS_SHARE_CARD_DAYS', SHARE_CARD_DEFAULTS.days),
    stories: count(env, 'NEWS_SHARE_CARD_STORIES', SHARE_CARD_DEFAULTS.stories),
  };
}

/**
 * The ids of the stories that get their own card, from the site's stories (newest first) and its build time (ISO
 * 8601). Reads only those stories and the first one after them.
 */
export function ownCardStories(
  stories: readonly { id: string; publishedAt: string }[],
  now: string,
  policy: ShareCardPolicy,
): Set<string> {
  const from = Date.parse(now) - policy.days * 86_400_000;
  const ids = new Set<string>();
  for (let i = 0; i < stories.length; i++) {
    const story = stories[i] as { id: string; publishedAt: string };
    if (i >= policy.stories && Date.parse(story.publishedAt) < from) break;
    ids.add(story.id);
  }
  return ids;
}

/**
 * A story's share image (a site path, or a Sanity image URL): the Sanity crop of its image, its own card when `own`,
 * else its section's card.
 */
export function storyShareImage(
  story: { slug: string; section: { slug: string }; image?: { src: string } | undefined },
  own: boolean,
): string {
  const sanity = story.image === undefined ? undefined : sanityShareImageUrl(story.image.src);
  return sanity ?? (own ? shareImagePath(story.slug) : sectionShareImagePath(story.section.slug));
}

/**
 * When the set of stories with their own card next changes with no edit (the oldest of them leaving the window), as
 * ISO 8601; undefined when the newest-stories floor alone decides it. A build whose files are unchanged renders
 * again from then on (see `LoadedSite.nextChange`).
 */
export function nextShareCardChange(
  stories: readonly { id: string; publishedAt: string }[],
  now: string,
  policy: ShareCardPolicy,
): string | undefined {
  const own = ownCardStories(stories, now, policy).size;
  if (own <= policy.stories) return undefined;
  const oldest = stories[own - 1] as { publishedAt: string };
  return new Date(Date.parse(oldest.publishedAt) + policy.days * 86_400_000 + 1).toISOString();
}
