/**
 * Every page of the site as data: its path, the route that renders it, the props it renders from and a cache key
 * (a digest of those props and the layout). The Astro pages render these props and nothing else, so two page lists
 * can be compared key by key: the rebuild service renders only the pages whose key changed (see README, "Rebuild on publish").
 */
import { PAGE_SIZE, RAIL_SIZE, SITE_DESCRIPTION, SITE_TITLE } from '../../consts.ts';
import { cacheKey } from '../body/cache-key.ts';
import type { CommentView } from '../model/comment.ts';
import { FEED_SIZE, feedFullText, LISTING_FEED_SIZE, type FeedItem, type FeedMeta, type FeedText } from './feed.ts';
import { imageVariants, variantKey, type ImageVariant } from './content-image.ts';
import { archivePages, type ListingPage } from './paginate.ts';
import {
  sectionShareImagePath,
  sectionShareImageProps,
  shareImageKey,
  shareImagePath,
  shareImageProps,
  type ShareImageProps,
} from './share-image.ts';
import { ownCardStories, shareCardPolicy, storyShareImage, type ShareCardPolicy } from './share-policy.ts';
import { toCard, type Site, type StoryCard, type StoryView } from './site.ts';
import { urls } from './urls.ts';
import {
  childSitemaps,
  lastModified,
  newsEntries,
  SITEMAP_LIMIT,
  type NewsEntry,
  type SitemapEntry,
} from './sitemaps.ts';

/** What every page's layout shows: the section navigation; and the time zone its dates print in. */
export interface Layout {
  sections: { slug: string; name: string; url: string }[];
  timeZone: string;
  /** Set only in the rebuild service's draft previews: pages say "Preview: not published" and are not indexed. */
  preview?: true;
}

/** A tag as the tag index lists it. */
export interface TagLink {
  slug: string;
  name: string;
  url: string;
  count: number;
}

/** The props of each kind of page. */
export interface PageProps {
  home: {
    lead?: StoryCard;
    secondary: StoryCard[];
    latest: StoryCard[];
    rails: { slug: string; name: string; url: string; stories: StoryCard[] }[];
  };
  /** `comments`: the story's approved comments, oldest first; `shareImage`: its og:image (see share-policy.ts). */
  story: { story: StoryView; comments: CommentView[]; shareImage: string };
  /** A story's 1200×630 share image (a JPEG file, `/share/<slug>.jpg`); `id` is the story's. */
  share: { id: string; image: ShareImageProps };
  /** A variant of a raster image in public/ (`/img/<digest>-<width>.<ext>`); `id` is the first story showing it. */
  contentImage: { id: string; variant: ImageVariant };
  /** A section's card (`/share/sections/<slug>.jpg`), the share image of its older stories. */
  shareSection: { image: ShareImageProps };
  section: { section: { slug: string; name: string; description?: string | undefined }; page: ListingPage<StoryCard> };
  /** `count` is on the front page only: archive pages must not change with every new story. */
  tag: {
    tag: { slug: string; name: string; description?: string | undefined; count?: number };
    page: ListingPage<StoryCard>;
  };
  author: {
    author: { slug: string; name: string; role?: string | undefined; bio?: string | undefined };
    page: ListingPage<StoryCard>;
  };
  tags: { count: number; popular: TagLink[]; letters: { letter: string; tags: TagLink[] }[] };
  /** The site's RSS feed (`/rss.xml`) and JSON Feed (`/feed.json`). */
  rss: FeedProps;
  jsonFeed: FeedProps;
  /** A section's, tag's or author's RSS feed and JSON Feed (`/section/<slug>/rss.xml`, `…/feed.json`). */
  listingRss: FeedProps;
  listingJsonFeed: FeedProps;
  /** The sitemap index (`/sitemap.xml`), its children (`/sitemaps/<name>.xml`) and the news sitemap. */
  sitemap: { sitemaps: SitemapEntry[] };
  sitemapChild: { entries: SitemapEntry[] };
  newsSitemap: { entries: NewsEntry[] };
  robots: { sitemaps: string[] };
  notFound: { latest: StoryCard[] };
}

/** What a feed page renders: what the feed is of, and its latest stories. */
export interface FeedProps {
  feed: FeedMeta;
  items: FeedItem[];
}

/** The folder of a listing's feeds in the URL scheme (the `dir` parameter of the listing feed routes). */
export const LISTING_DIRS = { section: 'section', tag: 'tags', author: 'authors' } as const;

/** A kind of page, named after its route. */
export type PageKind = keyof PageProps;

/** One page: `path` is its URL path, `params` the route's parameters, `key` changes whenever its HTML would. */
export interface SitePage<K extends PageKind = PageKind> {
  kind: K;
  path: string;
  params: Record<string, string | undefined>;
  props: PageProps[K];
  key: string;
}

/** What a build renders: the layout and the pages (all of them, or the rebuild service's plan). */
export interface RenderPlan {
  layout: Layout;
  pages: SitePage[];
}

/** Pages that Astro renders in every build (routes without parameters). */
export const STATIC_KINDS: readonly PageKind[] = [
  'home',
  'tags',
  'rss',
  'jsonFeed',
  'sitemap',
  'newsSitemap',
  'robots',
  'notFound',
];

/** The layout data of a site. */
export function siteLayout(site: Site): Layout {
  return { sections: site.sections.map(({ slug, name, url }) => ({ slug, name, url })), timeZone: site.timeZone };
}

/**
 * Every page of the site, in a fixed order. Keys are digests of what each page shows; `cache` keeps body digests
 * from one computation to the next (the rebuild service passes its own). With `only`, the pages of those stories
 * (by id) and listings (`section:<slug>`, `tag:<slug>`, `author:<slug>`) and the routes without parameters: the
 * rebuild service recomputes just the pages a change can touch.
 */
export function sitePages(
  site: Site,
  cache: PageKeyCache = new PageKeyCache(),
  only?: { stories: ReadonlySet<string>; listings: ReadonlySet<string> },
  options: { sitemapLimit?: number; fullText?: FeedText; shareCards?: ShareCardPolicy } = {},
): SitePage[] {
  const layoutKey = site.layoutKey;
  const pages: SitePage[] = [];
  const add = <K extends PageKind>(
    kind: K,
    path: string,
    params: Record<string, string | undefined>,
    props: PageProps[K],
    key?: string,
  ): void => {
    pages.push({ kind, path, params, props, key: key ?? cacheKey(layoutKey, kind, props) });
  };
  // Keys hash each story's card once, not once per page that shows it (within a site, a story has one card).
  const cards = new Map<string, string>();
  const cardKey = (card: StoryCard): string => {
    let key = cards.get(card.id);
    if (key === undefined) cards.set(card.id, (key = cache.card(card)));
    return key;
  };
  // Feeds carry the latest stories' cards, authors and (see `feedFullText`) bodies; keys take the bodies' digests,
  // and the layout's (its time zone prints the update times).
  const fullText = options.fullText ?? feedFullText();
  const feedItems = (stories: readonly StoryView[], limit: number, full: boolean): FeedItem[] =>
    stories.slice(0, limit).map((s) => ({
      ...toCard(s),
      ...(s.updateNote ? { updateNote: s.updateNote } : {}),
      authors: s.authors.map(({ name, url }) => ({ name, url })),
      ...(full ? { html: s.html } : {}),
    }));
  const feeds = (
    kinds: readonly ['rss' | 'listingRss', 'jsonFeed' | 'listingJsonFeed'],
    page: string,
    params: Record<string, string>,
    head: Omit<FeedMeta, 'page' | 'self'>,
    stories: readonly StoryView[],
    limit: number,
  ) => {
    const [rss, json] = kinds;
    const full = fullText === 'all' || (fullText === 'site' && rss === 'rss');
    const items = feedItems(stories, limit, full);
    const shown = stories
      .slice(0, limit)
      .map((s) => [
        cardKey(s),
        s.updateNote ?? '',
        s.authors.map((a) => [a.name, a.url]),
        full ? cache.html(s.html) : '',
      ]);
    const rssFeed = { ...head, page, self: `${page}rss.xml` };
    add(rss, rssFeed.self, params, { feed: rssFeed, items }, cacheKey(layoutKey, rss, rssFeed, shown));
    const jsonFeed = { ...head, page, self: `${page}feed.json` };
    add(json, jsonFeed.self, params, { feed: jsonFeed, items }, cacheKey(layoutKey, json, jsonFeed, shown));
  };
  const listingFeeds = (
    kind: 'section' | 'tag' | 'author',
    slug: string,
    stories: readonly StoryView[],
    head: Omit<FeedMeta, 'page' | 'self'>,
  ) => {
    feeds(
      ['listingRss', 'listingJsonFeed'],
      urls[kind](slug),
      { dir: LISTING_DIRS[kind], slug },
      head,
      stories,
      LISTING_FEED_SIZE,
    );
  };
  const listing = <K extends 'section' | 'tag' | 'author'>(
    kind: K,
    slug: string,
    stories: StoryView[],
    meta: (page: ListingPage<StoryView>) => Omit<PageProps[K], 'page'>,
  ) => {
    if (only && !only.listings.has(`${kind}:${slug}`)) return;
    for (const page of archivePages(stories, PAGE_SIZE)) {
      const { items, ...position } = page;
      const head = meta(page);
      const props = { ...head, page: { ...position, items: items.map(toCard) } } as PageProps[K];
      const key = cacheKey(layoutKey, kind, head, position, items.map(cardKey));
      add(
        kind,
        urls[kind](slug, page.number),
        { slug, page: page.number === undefined ? undefined : String(page.number) },
        props,
        key,
      );
    }
  };

  // Variants of raster images in public/, once per image however many stories show it.
  const variants = new Set<string>();
  const contentImages = (story: StoryView) => {
    const raster = story.image?.raster;
    if (raster === undefined || variants.has(raster.digest)) return;
    variants.add(raster.digest);
    for (const variant of imageVariants(raster))
      add(
        'contentImage',
        variant.path,
        { file: variant.path.slice('/img/'.length) },
        { id: story.id, variant },
        variantKey(variant),
      );
  };

  // The stories that get a share image of their own; the others show their section's card.
  const ownCards = ownCardStories(site.stories, site.now, options.shareCards ?? shareCardPolicy());
  const [lead, ...rest] = site.stories;
  add(
    'home',
    urls.home(),
    {},
    {
      ...(lead ? { lead: toCard(lead) } : {}),
      secondary: rest.slice(0, 4).map(toCard),
      latest: rest.slice(4, 14).map(toCard),
      rails: site.sections
        .filter((s) => s.stories.length > 0)
        .map((s) => ({ slug: s.slug, name: s.name, url: s.url, stories: s.stories.slice(0, RAIL_SIZE).map(toCard) })),
    },
  );
  for (const story of site.stories) {
    if (only && !only.stories.has(story.id)) continue;
    const shareImage = storyShareImage(story, ownCards.has(story.id));
    pages.push(storyPage(story, site.comments.get(story.id) ?? [], layoutKey, cache, cardKey, shareImage));
    contentImages(story);
    if (shareImage !== shareImagePath(story.slug)) continue;
    const image = shareImageProps(story, SITE_TITLE);
    add('share', shareImage, { slug: story.slug }, { id: story.id, image }, shareImageKey(image));
  }
  const about = (description: string | undefined, fallback: string) => description ?? fallback;
  for (const { slug, name, description, stories } of site.sections) {
    listing('section', slug, stories, () => ({ section: { slug, name, description } }));
    if (stories.length > 0 && (!only || only.listings.has(`section:${slug}`))) {
      const image = sectionShareImageProps({ name }, SITE_TITLE);
      add('shareSection', sectionShareImagePath(slug), { slug }, { image }, shareImageKey(image));
    }
    if (!only || only.listings.has(`section:${slug}`))
      listingFeeds('section', slug, stories, {
        title: `${name} news | ${SITE_TITLE}`,
        description: about(description, `The latest ${name} news from ${SITE_TITLE}.`),
      });
  }
  for (const { slug, name, description, count, stories } of site.tags) {
    listing('tag', slug, stories, (page) => ({
      tag: { slug, name, description, ...(page.number === undefined ? { count } : {}) },
    }));
    if (!only || only.listings.has(`tag:${slug}`))
      listingFeeds('tag', slug, stories, {
        title: `${name} | ${SITE_TITLE}`,
        description: about(description, `The latest stories tagged ${name} on ${SITE_TITLE}.`),
      });
  }
  for (const { slug, name, role, bio, stories } of site.authors) {
    listing('author', slug, stories, () => ({ author: { slug, name, role, bio } }));
    if (!only || only.listings.has(`author:${slug}`))
      listingFeeds('author', slug, stories, {
        title: `Stories by ${name} | ${SITE_TITLE}`,
        description: `The latest stories by ${name} on ${SITE_TITLE}.`,
      });
  }
  const link = ({ slug, name, url, count }: TagLink): TagLink => ({ slug, name, url, count });
  add(
    'tags',
    urls.tags(),
    {},
    {
      count: site.tags.length,
      popular: site.tagIndex.popular.map(link),
      letters: site.tagIndex.letters.map((g) => ({ letter: g.letter, tags: g.tags.map(link) })),
    },
  );
  feeds(
    ['rss', 'jsonFeed'],
    urls.home(),
    {},
    { title: SITE_TITLE, description: SITE_DESCRIPTION },
    site.stories,
    FEED_SIZE,
  );
  // The sitemaps: children of at most `sitemapLimit` URLs, each its own page, made one at a time; the index names them.
  const children: SitemapEntry[] = [];
  for (const child of childSitemaps(site, options.sitemapLimit ?? SITEMAP_LIMIT)) {
    const lastmod = lastModified(child.entries);
    children.push({ path: child.path, ...(lastmod ? { lastmod } : {}) });
    add('sitemapChild', child.path, { name: child.name }, { entries: child.entries });
  }
  add('sitemap', '/sitemap.xml', {}, { sitemaps: children });
  add('newsSitemap', '/sitemap-news.xml', {}, { entries: newsEntries(site.stories, site.now) });
  add('robots', '/robots.txt', {}, { sitemaps: ['/sitemap.xml', '/sitemap-news.xml'] });
  add('notFound', '/404.html', {}, { latest: site.stories.slice(0, 5).map(toCard) });
  return pages;
}

/**
 * A story's page with its approved comments; `cardKey` digests the cards of its Similar News (`cache.card` unless the
 * caller keeps its own); `shareImage` is its og:image (its own, unless the caller applies the share-card policy).
 */
export function storyPage(
  story: StoryView,
  comments: CommentView[],
  layoutKey: string,
  cache: PageKeyCache,
  cardKey: (card: StoryCard) => string = (card) => cache.card(card),
  shareImage: string = storyShareImage(story, true),
): SitePage<'story'> {
  const { html, similar, ...fields } = story;
  const key = cacheKey(
    layoutKey,
    'story',
    fields,
    cache.html(html),
    similar.map((s) => s.reason),
    similar.map(cardKey),
    comments,
    shareImage,
  );
  return { kind: 'story', path: story.url, params: { slug: story.slug }, props: { story, comments, shareImage }, key };
}

/**
 * Digests of story bodies by their HTML, kept between computations by the rebuild service so that an unchanged
 * body is not hashed again; entries not used by the last computation are dropped.
 */
export class PageKeyCache {
  #previous = new Map<string, string>();
  #current = new Map<string, string>();
  /** Card digests by card object: the rebuild service keeps the objects of unchanged stories between computations. */
  #cards = new WeakMap<StoryCard, string>();

  /** The digest of a story's card (its card fields never change once made). */
  card(card: StoryCard): string {
    let key = this.#cards.get(card);
    if (key === undefined) this.#cards.set(card, (key = cacheKey(toCard(card))));
    return key;
  }

  /** The digest of a body's HTML. */
  html(html: string): string {
    let key = this.#current.get(html) ?? this.#previous.get(html);
    if (key === undefined) key = cacheKey(html);
    this.#current.set(html, key);
    return key;
  }

  /** Starts a new computation: digests not used since the last call are forgotten. */
  rotate(): void {
    this.#previous = this.#current;
    this.#current = new Map();
  }
}

/** The file a page is written to in the build folder (Astro's `build.format: 'directory'`). */
export function pageFile(path: string): string {
  return path.endsWith('/') ? `${path.slice(1)}index.html` : path.slice(1);
}

/** The pages of one kind, typed. */
export function pagesOf<K extends PageKind>(pages: readonly SitePage[], kind: K): SitePage<K>[] {
  return pages.filter((p): p is SitePage<K> => p.kind === kind);
}
