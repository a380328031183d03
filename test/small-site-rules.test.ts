// Rules of the small site modules, each against a hand-written expectation: content errors' wording, the site's
// origin from the environment, a story's JSON-LD, and the time zone check.
import { describe, expect, test } from 'vitest';
import { ContentError, contentProblems, describeValue, type ContentIssue } from '../src/lib/model/content-error.ts';
import { isTimeZone } from '../src/lib/site/dates.ts';
import type { StoryView } from '../src/lib/site/site.ts';
import { DEFAULT_SITE_URL, isProduction, siteUrl, SiteUrlError } from '../src/lib/site/site-url.ts';
import { sanityShareImageUrl, shareImageProps } from '../src/lib/site/share-image.ts';
import { newsArticle } from '../src/lib/site/structured-data.ts';

const one: ContentIssue = { where: 'content/stories/a.md', field: 'tags[2]', message: 'expected a tag' };
const two: ContentIssue = { where: 'story-b', field: '', message: 'missing title', hint: 'add one' };

describe('content errors', () => {
  test('a ContentError names itself and counts its problems, one a line', () => {
    const single = new ContentError([one]);
    expect(single.name).toBe('ContentError');
    expect(single.issues).toEqual([one]);
    expect(single.message).toBe('1 content problem found:\n  - content/stories/a.md → tags[2]: expected a tag');
    expect(new ContentError([one, two]).message).toBe(
      '2 content problems found:\n  - content/stories/a.md → tags[2]: expected a tag\n  - story-b: missing title (add one)',
    );
  });

  test('contentProblems says nothing was built, with each problem on its own line', () => {
    expect(contentProblems([one])).toBe(
      '1 content problem found; nothing was built:\n  - content/stories/a.md → tags[2]: expected a tag',
    );
    expect(contentProblems([one, two])).toBe(
      '2 content problems found; nothing was built:\n' +
        '  - content/stories/a.md → tags[2]: expected a tag\n  - story-b: missing title (add one)',
    );
  });

  test('describeValue: dates as ISO text or invalid, strings quoted and cut after 57 characters past 60', () => {
    expect(describeValue(new Date('2025-11-19T21:10:00Z'))).toBe('2025-11-19T21:10:00.000Z');
    expect(describeValue(new Date('not a date'))).toBe('an invalid date');
    const sixty = 'x'.repeat(59) + 'y';
    expect(describeValue(sixty)).toBe(`"${sixty}"`);
    const sixtyOne = 'a'.repeat(57) + 'bcde';
    expect(describeValue(sixtyOne)).toBe(`"${'a'.repeat(57)}..."`);
    expect(describeValue('')).toBe('""');
  });
});

describe('the site origin', () => {
  test('production is CI set to anything but empty, 0 or false (any case), or NODE_ENV=production', () => {
    for (const CI of ['true', '1', 'yes', 'FALSEY']) expect(isProduction({ CI })).toBe(true);
    for (const CI of ['', '0', 'false', 'FALSE', 'False']) expect(isProduction({ CI })).toBe(false);
    expect(isProduction({})).toBe(false);
    expect(isProduction({ NODE_ENV: 'production' })).toBe(true);
    expect(isProduction({ NODE_ENV: 'production', CI: '0' })).toBe(true);
    expect(isProduction({ NODE_ENV: 'development' })).toBe(false);
  });

  test('unset or empty SITE_URL is the local default outside production', () => {
    expect(siteUrl({}).href).toBe('http://localhost:4321/');
    expect(siteUrl({ SITE_URL: '' }).href).toBe('http://localhost:4321/');
    expect(siteUrl({ SITE_URL: '', CI: '0' }).href).toBe('http://localhost:4321/');
    expect(DEFAULT_SITE_URL).toBe('http://localhost:4321');
  });

  test('in production an unset SITE_URL is refused, saying why and what to set', () => {
    const message = (why: string): string =>
      `SITE_URL is not set: a production build (${why}) will not fall back to http://localhost:4321, which would put ` +
      'a local address in canonical links, feeds and sitemaps. Set SITE_URL to the public origin of the site, e.g. ' +
      'SITE_URL=https://news.example.com (or SITE_URL=http://localhost:4321 to build for a local server on purpose).';
    const refusal = (env: NodeJS.ProcessEnv): unknown => {
      try {
        siteUrl(env);
      } catch (error) {
        return error;
      }
      return undefined;
    };
    const byCi = refusal({ CI: 'yes', SITE_URL: '' });
    expect(byCi).toBeInstanceOf(SiteUrlError);
    expect((byCi as Error).name).toBe('SiteUrlError');
    expect((byCi as Error).message).toBe(message('CI=yes'));
    expect((refusal({ NODE_ENV: 'production' }) as Error).message).toBe(message('NODE_ENV=production'));
    expect((refusal({ NODE_ENV: 'production', CI: 'true' }) as Error).message).toBe(message('NODE_ENV=production'));
  });

  test('SITE_URL must be an http(s) origin', () => {
    expect(siteUrl({ SITE_URL: 'HTTPS://News.Example.com' }).href).toBe('https://news.example.com/');
    expect(siteUrl({ SITE_URL: 'http://news.example.com/base/' }).href).toBe('http://news.example.com/base/');
    for (const SITE_URL of ['ftp://news.example.com', 'xhttp://news.example.com', 'https:///path', 'https://a b.com']) {
      expect(() => siteUrl({ SITE_URL })).toThrow(SiteUrlError);
      expect(() => siteUrl({ SITE_URL })).toThrow(
        `SITE_URL must be an http(s) origin such as https://news.example.com, received ${JSON.stringify(SITE_URL)}`,
      );
    }
  });
});

describe('a story as NewsArticle', () => {
  const site = new URL('https://news.example.com');
  const story: StoryView = {
    id: 'x',
    slug: 'plain',
    url: '/news/plain/',
    title: 'The title',
    dek: 'The dek',
    publishedAt: '2026-01-02T03:04:05.000Z',
    section: { slug: 'world', name: 'World', url: '/section/world/' },
    tags: [
      { slug: 't', name: 'Tee', url: '/tags/t/' },
      { slug: 'u', name: 'You', url: '/tags/u/' },
    ],
    authors: [{ slug: 'a', name: 'Ann', url: '/authors/a/' }],
    html: '<p>x</p>',
    similar: [],
  };
  const share = { url: 'https://news.example.com/share/plain.png', width: 1200, height: 630 };

  test('every field of schema.org NewsArticle, a story without image, SEO text or update', () => {
    expect(newsArticle(story, { site, name: 'Newsdesk' }, share)).toStrictEqual({
      '@context': 'https://schema.org',
      '@type': 'NewsArticle',
      headline: 'The title',
      description: 'The dek',
      datePublished: '2026-01-02T03:04:05.000Z',
      dateModified: '2026-01-02T03:04:05.000Z',
      author: [{ '@type': 'Person', name: 'Ann', url: 'https://news.example.com/authors/a/' }],
      publisher: {
        '@type': 'NewsMediaOrganization',
        name: 'Newsdesk',
        url: 'https://news.example.com/',
        logo: { '@type': 'ImageObject', url: 'https://news.example.com/logo.png', width: 600, height: 60 },
      },
      image: [{ '@type': 'ImageObject', url: share.url, width: 1200, height: 630 }],
      articleSection: 'World',
      keywords: ['Tee', 'You'],
      mainEntityOfPage: { '@type': 'WebPage', '@id': 'https://news.example.com/news/plain/' },
      url: 'https://news.example.com/news/plain/',
    });
  });

  test('the SEO title and description win over the title and dek', () => {
    const seo = { metaTitle: 'SEO title', metaDescription: 'SEO description' };
    const data = newsArticle({ ...story, seo }, { site, name: 'Newsdesk' }, share);
    expect(data['headline']).toBe('SEO title');
    expect(data['description']).toBe('SEO description');
    const onlyTitle = newsArticle({ ...story, seo: { metaTitle: 'SEO title' } }, { site, name: 'Newsdesk' }, share);
    expect(onlyTitle['description']).toBe('The dek');
  });

  test('a site with a path: paths starting with / resolve against its origin, the publisher is its root', () => {
    const edition = new URL('https://news.example.com/edition/');
    const data = newsArticle(story, { site: edition, name: 'Newsdesk' }, share);
    expect(data['publisher']).toMatchObject({
      url: 'https://news.example.com/',
      logo: { url: 'https://news.example.com/logo.png' },
    });
    expect(data['url']).toBe('https://news.example.com/news/plain/');
  });
});

test('isTimeZone: a name the runtime does not know is not a time zone', () => {
  expect(isTimeZone('Europe/Atlantis')).toBe(false);
  expect(isTimeZone('Europe/Berlin')).toBe(true);
  expect(isTimeZone('')).toBe(false);
});

describe('share images', () => {
  const asset = 'https://cdn.sanity.io/images/p1/production/abc123-1600x900.png';

  test("a Sanity image's share crop: 1200×630 JPEG, the editor's crop kept when there is one, the hash dropped", () => {
    expect(sanityShareImageUrl(`${asset}#top`)).toBe(`${asset}?w=1200&h=630&fit=crop&fm=jpg&q=80`);
    expect(sanityShareImageUrl(`${asset}?rect=1,2,3,4&w=50`)).toBe(
      `${asset}?rect=1%2C2%2C3%2C4&w=1200&h=630&fit=crop&fm=jpg&q=80`,
    );
  });

  test('any other URL has none: another scheme, an unparseable URL, a path not exactly an image asset', () => {
    for (const src of [
      'x-https://cdn.sanity.io/images/p1/production/abc123-1600x900.png',
      'https://[cdn.sanity.io/images/p1/production/abc123-1600x900.png',
      'https://cdn.sanity.io/proxy/images/p1/production/abc123-1600x900.png',
      'https://cdn.sanity.io/images/p1/production/abc123-1600x900.png/more',
      'https://cdn.sanity.io/images/p1/production/abc123.png',
    ])
      expect(sanityShareImageUrl(src), src).toBeUndefined();
  });

  test("a story's card props: title, section and site, and its site image without query or hash", () => {
    const story = { title: 'Rates rise', section: { name: 'Business' } };
    expect(shareImageProps(story, 'Newsdesk')).toEqual({ title: 'Rates rise', section: 'Business', site: 'Newsdesk' });
    expect(shareImageProps({ ...story, image: { src: '/images/rates.jpg?v=2#x' } }, 'Newsdesk')).toEqual({
      title: 'Rates rise',
      section: 'Business',
      site: 'Newsdesk',
      image: '/images/rates.jpg',
    });
    expect(shareImageProps({ ...story, image: { src: asset } }, 'Newsdesk')).not.toHaveProperty('image');
  });
});
