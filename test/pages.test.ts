import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { renderBody } from '../src/lib/body/body.ts';
import { readContentDir } from '../src/lib/sources/content-files.ts';
import { pageFile, sitePages, STATIC_KINDS, type SitePage } from '../src/lib/site/pages.ts';
import { buildSite, type SiteSource } from '../src/lib/site/site.ts';

const NOW = new Date('2027-01-01T00:00:00Z');
let source: SiteSource;
let pages: SitePage[];

const build = (s: SiteSource) => sitePages(buildSite(s, { now: NOW, render: (story) => renderBody(story.body) }));
const changed = (a: SitePage[], b: SitePage[]) => {
  const before = new Map(a.map((p) => [p.path, p.key]));
  return b.filter((p) => before.get(p.path) !== p.key).map((p) => p.path);
};

beforeAll(async () => {
  source = await readContentDir(path.resolve('content'));
  pages = build(source);
});

describe('sitePages', () => {
  test('every page once: one per story, paginated listings, authors, and the pages without parameters', () => {
    const paths = pages.map((p) => p.path);
    expect(new Set(paths).size).toBe(paths.length);
    const site = buildSite(source, { now: NOW, render: (story) => renderBody(story.body) });
    expect(pages.filter((p) => p.kind === 'story')).toHaveLength(site.stories.length);
    for (const kind of STATIC_KINDS) expect(pages.filter((p) => p.kind === kind)).toHaveLength(1);
    expect(paths).toContain('/tags/ukraine/');
    // 21 stories: the front page shows the newest 11, archive page 1 the oldest 10.
    expect(paths.filter((p) => p.startsWith('/tags/donald-trump/'))).toEqual([
      '/tags/donald-trump/',
      '/tags/donald-trump/1/',
      '/tags/donald-trump/rss.xml',
      '/tags/donald-trump/feed.json',
    ]);
    expect(pages.find((p) => p.path === '/tags/donald-trump/1/')?.params).toEqual({ slug: 'donald-trump', page: '1' });
    expect(pages.find((p) => p.path === '/tags/donald-trump/')?.params).toEqual({
      slug: 'donald-trump',
      page: undefined,
    });
  });

  test('pages map to the files Astro writes', () => {
    expect(['/', '/news/a/', '/rss.xml', '/404.html'].map(pageFile)).toEqual([
      'index.html',
      'news/a/index.html',
      'rss.xml',
      '404.html',
    ]);
  });

  test('the same content gives the same keys', () => {
    expect(changed(pages, build(source))).toEqual([]);
  });

  test("a headline edit changes the story's page and every page that shows its card, and nothing else", () => {
    const target = source.stories.find(({ story }) => story.slug === 'zelensky-weighs-us-peace-plan');
    expect(target).toBeDefined();
    const edited = {
      ...source,
      stories: source.stories.map((s) =>
        s === target ? { ...s, story: { ...s.story, title: `${s.story.title} (updated)` } } : s,
      ),
    };
    const after = build(edited);
    const diff = changed(pages, after);
    expect(diff).toContain('/news/zelensky-weighs-us-peace-plan/');
    // Every changed page shows the story, and every page showing it changed.
    // (The story's share image shows its headline too.)
    const shows = (p: SitePage) =>
      JSON.stringify(p.props).includes('/news/zelensky-weighs-us-peace-plan/') ||
      p.path === '/share/zelensky-weighs-us-peace-plan.jpg';
    const expected = after
      .filter((p) => shows(p) && p.kind !== 'sitemap' && p.kind !== 'sitemapChild')
      .map((p) => p.path);
    expect([...diff].sort()).toEqual([...expected].sort());
  });
});
