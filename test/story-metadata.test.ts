// The story page's metadata: JSON-LD that no field can break out of, the share image, the reading time.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, test } from 'vitest';
import { readingMinutes } from '../src/lib/site/reading-time.ts';
import { markup, renderShareImage, shareImageKey, shareImageProps, wrapLines } from '../src/lib/site/share-image.ts';
import type { StoryView } from '../src/lib/site/site.ts';
import { breadcrumbList, jsonForScript, newsArticle } from '../src/lib/site/structured-data.ts';

const HOSTILE = 'Bad </script><script>alert(1)</script> <!-- x --> \u2028line\u2029para & "quotes" <b>';
const site = new URL('https://news.example.com');

function hostileStory(): StoryView {
  return {
    id: 'x',
    slug: 'hostile',
    url: '/news/hostile/',
    title: HOSTILE,
    dek: HOSTILE,
    publishedAt: '2026-01-02T03:04:05.000Z',
    updatedAt: '2026-01-03T03:04:05.000Z',
    section: { slug: 'world', name: HOSTILE, url: '/section/world/' },
    tags: [{ slug: 't', name: HOSTILE, url: '/tags/t/' }],
    authors: [{ slug: 'a', name: HOSTILE, url: '/authors/a/' }],
    image: { src: '/images/photo.jpg', alt: HOSTILE },
    html: '<p>x</p>',
    similar: [],
  };
}

/** What an HTML parser would see: the script element's text runs to the first `</script`. */
function scriptText(json: string): string {
  const html = `<script type="application/ld+json">${json}</script>`;
  return html.slice(html.indexOf('>') + 1, html.toLowerCase().indexOf('</script'));
}

describe('JSON-LD', () => {
  test('hostile fields cannot end the script element, open a comment or break a line, and parse back intact', () => {
    const share = { url: 'https://news.example.com/share/hostile.jpg', width: 1200, height: 630 };
    const data = newsArticle(hostileStory(), { site, name: 'Newsdesk' }, share);
    const json = jsonForScript(data);
    expect(json).not.toMatch(/[<>&\u2028\u2029]/);
    expect(scriptText(json)).toBe(json);
    expect(JSON.parse(json)).toEqual(data);
    const parsed = JSON.parse(json) as Record<string, unknown>;
    expect(parsed['headline']).toBe(HOSTILE);
    expect(parsed).toMatchObject({
      '@type': 'NewsArticle',
      datePublished: '2026-01-02T03:04:05.000Z',
      dateModified: '2026-01-03T03:04:05.000Z',
      articleSection: HOSTILE,
      keywords: [HOSTILE],
      author: [{ '@type': 'Person', name: HOSTILE, url: 'https://news.example.com/authors/a/' }],
      publisher: { name: 'Newsdesk', logo: { url: 'https://news.example.com/logo.png', width: 600, height: 60 } },
      image: [{ url: share.url, width: 1200, height: 630 }, 'https://news.example.com/images/photo.jpg'],
      mainEntityOfPage: { '@id': 'https://news.example.com/news/hostile/' },
    });
  });

  test('a breadcrumb list names each crumb with its absolute URL, in order', () => {
    const list = breadcrumbList(
      [
        { name: 'Home', path: '/' },
        { name: HOSTILE, path: '/section/world/' },
      ],
      site,
    );
    expect(JSON.parse(jsonForScript(list))).toEqual({
      '@context': 'https://schema.org',
      '@type': 'BreadcrumbList',
      itemListElement: [
        { '@type': 'ListItem', position: 1, name: 'Home', item: 'https://news.example.com/' },
        { '@type': 'ListItem', position: 2, name: HOSTILE, item: 'https://news.example.com/section/world/' },
      ],
    });
  });
});

describe('share image', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'share-image-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  test('a story without an image gets a 1200×630 JPEG card, cached by what it shows', async () => {
    const cacheDir = tempDir();
    const props = shareImageProps({ title: HOSTILE + '\u0000\ud800', section: { name: 'World' } }, 'Newsdesk');
    const image = await renderShareImage(props, { cacheDir, publicDir: path.resolve('public') });
    // The JPEG's own header: SOI marker, then the frame's size.
    expect([...image.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    expect(await sharp(image).metadata()).toMatchObject({ format: 'jpeg', width: 1200, height: 630 });
    const cached = readdirSync(path.join(cacheDir, 'share-images'), { recursive: true }).map(String);
    expect(cached).toContain(path.join(shareImageKey(props).slice(0, 2), `${shareImageKey(props)}.jpg`));
    expect((await renderShareImage(props, { cacheDir, publicDir: path.resolve('public') })).equals(image)).toBe(true);
    // The headline reaches Pango as text: escaped, without the characters markup does not allow.
    expect(markup(`</script> & ${String.fromCharCode(0, 0xd800)}`)).toBe('&lt;/script&gt; &amp;   ');
  });

  test('a story with an image in public/ gets that image cropped to 1200×630; a path out of public/ is not read', async () => {
    const cacheDir = tempDir();
    const own = shareImageProps(
      { title: 'T', section: { name: 'S' }, image: { src: '/images/amazon-canopy.svg' } },
      'Newsdesk',
    );
    expect(own.image).toBe('/images/amazon-canopy.svg');
    const image = await renderShareImage(own, { cacheDir, publicDir: path.resolve('public') });
    expect(await sharp(image).metadata()).toMatchObject({ format: 'jpeg', width: 1200, height: 630 });
    // The card is dark blue at its corner; the canopy illustration is a pale sky.
    const { data } = await sharp(image)
      .extract({ left: 0, top: 0, width: 1, height: 1 })
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(data[0]).toBeGreaterThan(150);
    expect(
      shareImageProps({ title: 'T', section: { name: 'S' }, image: { src: 'https://cdn.example/a.jpg' } }, 'N').image,
    ).toBeUndefined();
    const escaping = await renderShareImage(
      { title: 'T', section: 'S', site: 'N', image: '/../../../etc/passwd' },
      { cacheDir, publicDir: path.resolve('public') },
    );
    expect(await sharp(escaping).metadata()).toMatchObject({ width: 1200, height: 630 });
  });

  test('headlines wrap at spaces into at most the given lines, ending in an ellipsis when cut', () => {
    expect(wrapLines('one two three four', 9, 3)).toEqual(['one two', 'three', 'four']);
    expect(wrapLines('one two three four five six', 9, 2)).toEqual(['one two', 'three…']);
    expect(wrapLines('abcdefghijkl', 5, 3)).toEqual(['abcde', 'fghij', 'kl']);
  });
});

test('reading time: words at 230 a minute, at least one minute, tags not counted', () => {
  expect(readingMinutes('<p>Hello</p>')).toBe(1);
  const words = Array.from({ length: 920 }, () => 'word').join(' ');
  expect(readingMinutes(`<p>${words}</p><p class="${'x '.repeat(500)}">&amp;</p>`)).toBe(4);
});
