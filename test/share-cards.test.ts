// Which stories get a share image of their own (share-policy.ts), on the demo content: the others show their
// section's card, and the pages' keys follow the policy as time passes, so incremental builds stay exact.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, test } from 'vitest';
import { imageTransformFrom, transformImage } from '../lake/image-transform.ts';
import { renderBody } from '../src/lib/body/body.ts';
import { readContentDir } from '../src/lib/sources/content-files.ts';
import { pagesOf, sitePages, type SitePage } from '../src/lib/site/pages.ts';
import {
  renderShareImage,
  sanityShareImageUrl,
  sectionShareImageProps,
  shareImageKey,
} from '../src/lib/site/share-image.ts';
import {
  nextShareCardChange,
  ownCardStories,
  shareCardPolicy,
  storyShareImage,
  type ShareCardPolicy,
} from '../src/lib/site/share-policy.ts';
import { buildSite, type SiteSource } from '../src/lib/site/site.ts';

// The two newest demo stories, both in US Politics: published 2026-11-04 and 2026-10-26.
const NEWEST = 'midterm-ballots-counting-house-control';
const SECOND = 'midterms-2026-final-stretch';
const WINDOW: ShareCardPolicy = { days: 30, stories: 0 };
let source: SiteSource;

beforeAll(async () => {
  source = await readContentDir(path.resolve('content'));
});

const pagesAt = (now: string, shareCards: ShareCardPolicy, s: SiteSource = source) =>
  sitePages(buildSite(s, { now: new Date(now), render: (story) => renderBody(story.body) }), undefined, undefined, {
    shareCards,
  });
const ogImage = (pages: SitePage[], slug: string) =>
  pagesOf(pages, 'story').find((p) => p.params['slug'] === slug)?.props.shareImage;
const shareFiles = (pages: SitePage[]) => pagesOf(pages, 'share').map((p) => p.path);

describe('share card policy', () => {
  test('a story inside the window gets its own card, one outside it its section’s, drawn once per section', () => {
    // On 2026-11-20 both newest stories are within 30 days; none of the others is.
    const pages = pagesAt('2026-11-20T00:00:00Z', WINDOW);
    expect(shareFiles(pages)).toEqual([`/share/${NEWEST}.jpg`, `/share/${SECOND}.jpg`]);
    expect(ogImage(pages, NEWEST)).toBe(`/share/${NEWEST}.jpg`);
    expect(ogImage(pages, 'zelensky-weighs-us-peace-plan')).toBe('/share/sections/world.jpg');
    const sections = pagesOf(pages, 'shareSection');
    expect(sections.map((p) => p.path)).toContain('/share/sections/world.jpg');
    expect(sections.find((p) => p.path === '/share/sections/world.jpg')?.props.image).toEqual({
      section: 'World',
      site: 'Newsdesk',
    });
    // Every og:image names a page of the site.
    const paths = new Set(pages.map((p) => p.path));
    for (const page of pagesOf(pages, 'story')) expect(paths).toContain(page.props.shareImage);
  });

  test('when the window moves past a story, its page’s key changes and its own card goes; the others stay', () => {
    const before = pagesAt('2026-11-20T00:00:00Z', WINDOW);
    // 2026-10-26 + 30 days = 2026-11-25: the second story ages out, the newest does not.
    const after = pagesAt('2026-11-30T00:00:00Z', WINDOW);
    const keys = new Map(before.map((p) => [p.path, p.key]));
    const changed = after.filter((p) => p.kind === 'story' && keys.get(p.path) !== p.key).map((p) => p.path);
    expect(changed).toEqual([`/news/${SECOND}/`]);
    expect(ogImage(after, SECOND)).toBe('/share/sections/us-politics.jpg');
    expect(shareFiles(after)).toEqual([`/share/${NEWEST}.jpg`]);
    expect(
      nextShareCardChange(
        buildSite(source, { now: new Date('2026-11-20T00:00:00Z'), render: (s) => renderBody(s.body) }).stories,
        '2026-11-20T00:00:00.000Z',
        WINDOW,
      ),
    ).toBe('2026-11-25T11:00:00.001Z');
  });

  test('the newest stories keep their own card however old (a site that publishes rarely)', () => {
    const pages = pagesAt('2030-01-01T00:00:00Z', { days: 30, stories: 3 });
    expect(shareFiles(pages)).toHaveLength(3);
    expect(shareFiles(pages)[0]).toBe(`/share/${NEWEST}.jpg`);
    // The defaults: the demo's 59 stories all have their own card.
    const all = pagesAt('2030-01-01T00:00:00Z', shareCardPolicy({}));
    expect(shareFiles(all)).toHaveLength(pagesOf(all, 'story').length);
    const stories = [
      { id: 'a', publishedAt: '2026-01-10T00:00:00Z' },
      { id: 'b', publishedAt: '2026-01-05T00:00:00Z' },
      { id: 'c', publishedAt: '2025-01-01T00:00:00Z' },
    ];
    expect([...ownCardStories(stories, '2026-01-20T00:00:00Z', { days: 16, stories: 1 })]).toEqual(['a', 'b']);
    expect([...ownCardStories(stories, '2026-01-20T00:00:00Z', { days: 5, stories: 0 })]).toEqual([]);
    expect(nextShareCardChange(stories, '2026-01-20T00:00:00Z', { days: 10, stories: 5 })).toBeUndefined();
    // As many own cards as the floor: the floor alone decides, so no change comes with time.
    expect(nextShareCardChange(stories, '2026-01-20T00:00:00Z', { days: 16, stories: 2 })).toBeUndefined();
  });

  test('a section’s card is a 1200×630 JPEG of its own, cached apart from its stories’ cards', async () => {
    const cacheDir = mkdtempSync(path.join(tmpdir(), 'section-card-'));
    const section = sectionShareImageProps({ name: 'US Politics' }, 'Newsdesk');
    const story = { ...section, title: 'A headline' };
    expect(shareImageKey(section)).not.toBe(shareImageKey(story));
    const [card, storyCard] = await Promise.all(
      [section, story].map((p) => renderShareImage(p, { cacheDir, publicDir: path.resolve('public') })),
    );
    const meta = await sharp(card).metadata();
    expect({ format: meta.format, width: meta.width, height: meta.height }).toEqual({
      format: 'jpeg',
      width: 1200,
      height: 630,
    });
    expect(card?.equals(storyCard ?? Buffer.alloc(0))).toBe(false);
  });

  test('NEWS_SHARE_CARD_DAYS and NEWS_SHARE_CARD_STORIES: whole numbers, else the build stops saying which', () => {
    expect(shareCardPolicy({ NEWS_SHARE_CARD_DAYS: '7', NEWS_SHARE_CARD_STORIES: '0' })).toEqual({
      days: 7,
      stories: 0,
    });
    expect(shareCardPolicy({})).toEqual({ days: 30, stories: 100 });
    expect(shareCardPolicy({ NEWS_SHARE_CARD_DAYS: '', NEWS_SHARE_CARD_STORIES: '' })).toEqual({
      days: 30,
      stories: 100,
    });
    expect(() => shareCardPolicy({ NEWS_SHARE_CARD_DAYS: '-1' })).toThrow(
      /NEWS_SHARE_CARD_DAYS: expected a whole number/,
    );
    expect(() => shareCardPolicy({ NEWS_SHARE_CARD_STORIES: '1e9' })).toThrow(/NEWS_SHARE_CARD_STORIES/);
  });
});

describe('Sanity images', () => {
  const src =
    'http://127.0.0.1:3333/images/local/production/abc123-1600x900.png?rect=100,0,1400,900&w=1200&auto=format';

  test('a story with a Sanity image shares the image service’s 1200×630 JPEG crop of it, whatever its age', () => {
    const url =
      'http://127.0.0.1:3333/images/local/production/abc123-1600x900.png?rect=100%2C0%2C1400%2C900&w=1200&h=630&fit=crop&fm=jpg&q=80';
    expect(sanityShareImageUrl(src)).toBe(url);
    expect(sanityShareImageUrl('https://news.example.com/images/photo.jpg')).toBeUndefined();
    expect(sanityShareImageUrl('/images/local/production/abc123-1600x900.png')).toBeUndefined();
    const story = { slug: 's', section: { slug: 'world' }, image: { src } };
    expect(storyShareImage(story, false)).toBe(url);
    expect(storyShareImage({ ...story, image: { src: '/images/a.svg' } }, true)).toBe('/share/s.jpg');
    // No card is drawn for it.
    const withImage: SiteSource = {
      ...source,
      stories: source.stories.map((e) =>
        e.story.slug === NEWEST ? { ...e, story: { ...e.story, image: { src, alt: 'A' } } } : e,
      ),
    };
    const pages = pagesAt('2026-11-20T00:00:00Z', WINDOW, withImage);
    expect(ogImage(pages, NEWEST)).toBe(url);
    expect(shareFiles(pages)).toEqual([`/share/${SECOND}.jpg`]);
  });

  test('the lake serves that URL as a 1200×630 JPEG', async () => {
    const png = await sharp({ create: { width: 1600, height: 900, channels: 3, background: '#336699' } })
      .png()
      .toBuffer();
    const url = new URL(sanityShareImageUrl(src) ?? '');
    const out = await transformImage(sharp, png, 'png', imageTransformFrom(url.searchParams), 'image/webp');
    expect(out?.contentType).toBe('image/jpeg');
    const meta = await sharp(out?.bytes).metadata();
    expect({ format: meta.format, width: meta.width, height: meta.height }).toEqual({
      format: 'jpeg',
      width: 1200,
      height: 630,
    });
  });
});
