// Raster images in public/: variant widths, <picture> sources, sizes read from headers, and the limits (a huge file
// or a decompression bomb is a content problem naming the file, found from its header in milliseconds).
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bombPng } from './fixtures/bomb-png.ts';
import {
  describeContentImages,
  imageVariants,
  MAX_IMAGE_PIXELS,
  pictureSources,
  renderImageVariant,
  svgSize,
  variantKey,
  variantWidths,
  type RasterImage,
  type StoryImage,
} from '../src/lib/site/content-image.ts';
import type { Story } from '../src/lib/model/story.ts';
import { renderBody } from '../src/lib/body/body.ts';
import { readContentDir } from '../src/lib/sources/content-files.ts';
import { pagesOf, sitePages } from '../src/lib/site/pages.ts';
import { buildSite } from '../src/lib/site/site.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'content-image-'));
const publicDir = path.join(dir, 'public');
const cacheDir = path.join(dir, 'cache');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const story = (src: string, extra: Partial<NonNullable<Story['image']>> = {}) =>
  ({
    story: { id: `story-${src}`, image: { src, alt: 'An image.', ...extra } } as unknown as Story,
    where: `content/stories/${path.basename(src)}.md`,
  }) satisfies { story: Story; where: string };

beforeAll(async () => {
  mkdirSync(path.join(publicDir, 'images'), { recursive: true });
  const photo = sharp({ create: { width: 2400, height: 1350, channels: 3, background: '#336699' } });
  await photo.jpeg().toFile(path.join(publicDir, 'images', 'photo.jpg'));
  await sharp({ create: { width: 700, height: 500, channels: 4, background: '#33669980' } })
    .png()
    .toFile(path.join(publicDir, 'images', 'small.png'));
  writeFileSync(path.join(publicDir, 'images', 'bomb.png'), bombPng(20_000, 20_000));
  writeFileSync(
    path.join(publicDir, 'images', 'drawing.svg'),
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 800 450"><rect width="800" height="450"/></svg>',
  );
  const huge = path.join(publicDir, 'images', 'huge.jpg');
  writeFileSync(huge, '');
  truncateSync(huge, 51 * 1024 * 1024);
});

describe('variants', () => {
  test('four widths below the original, or the standard ones below it and its own width', () => {
    expect(variantWidths(2400)).toEqual([320, 640, 1024, 1600]);
    expect(variantWidths(1600)).toEqual([320, 640, 1024, 1600]);
    expect(variantWidths(1024)).toEqual([320, 640, 1024]);
    expect(variantWidths(800)).toEqual([320, 640, 800]);
    expect(variantWidths(200)).toEqual([200]);
  });

  const raster: RasterImage = { file: '/images/a.png', digest: 'abc', width: 1000, height: 500, fallback: 'png' };

  test('WebP and the fallback format at each width, keeping the aspect ratio', () => {
    const variants = imageVariants(raster);
    expect(variants.map((v) => [v.path, v.width, v.height, v.format])).toEqual([
      ['/img/abc-320.webp', 320, 160, 'webp'],
      ['/img/abc-640.webp', 640, 320, 'webp'],
      ['/img/abc-1000.webp', 1000, 500, 'webp'],
      ['/img/abc-320.png', 320, 160, 'png'],
      ['/img/abc-640.png', 640, 320, 'png'],
      ['/img/abc-1000.png', 1000, 500, 'png'],
    ]);
    expect(new Set(variants.map(variantKey)).size).toBe(6);
  });

  test("a <picture>'s sources: a WebP srcset, and the fallback's srcset and src", () => {
    expect(pictureSources(raster)).toEqual({
      webp: '/img/abc-320.webp 320w, /img/abc-640.webp 640w, /img/abc-1000.webp 1000w',
      fallback: {
        type: 'image/png',
        srcset: '/img/abc-320.png 320w, /img/abc-640.png 640w, /img/abc-1000.png 1000w',
        src: '/img/abc-1000.png',
      },
    });
  });
});

describe('describeContentImages', () => {
  test('a JPEG gets its size and what its variants are made from; an SVG its size; others stay as they are', async () => {
    const entries = [
      story('/images/photo.jpg', { srcset: '/images/photo.jpg 2400w' }),
      story('/images/small.png'),
      story('/images/drawing.svg'),
      story('/images/missing.jpg'),
      story('https://cdn.example.com/a.jpg'),
    ];
    expect(await describeContentImages(entries, { publicDir, cacheDir })).toEqual([]);
    const images = entries.map((e) => e.story.image as StoryImage);
    expect(images[0]).toMatchObject({
      width: 2400,
      height: 1350,
      raster: { file: '/images/photo.jpg', fallback: 'jpeg' },
    });
    expect(images[0]?.srcset).toBeUndefined();
    expect(images[0]?.raster?.digest).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(images[1]).toMatchObject({ width: 700, height: 500, raster: { fallback: 'png' } });
    expect(images[2]).toEqual({ src: '/images/drawing.svg', alt: 'An image.', width: 800, height: 450 });
    expect(images[3]).toEqual({ src: '/images/missing.jpg', alt: 'An image.' });
    expect(images[4]).toEqual({ src: 'https://cdn.example.com/a.jpg', alt: 'An image.' });
  });

  test('a decompression bomb is refused from its header, naming the story and the file', async () => {
    const started = performance.now();
    const issues = await describeContentImages([story('/images/bomb.png')], { publicDir, cacheDir });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(issues).toEqual([
      expect.objectContaining({
        where: 'content/stories/bomb.png.md',
        field: 'image.src',
        message: expect.stringMatching(
          /bomb\.png is 20000×20000 \(400\.0 megapixels\), over the limit of 40 megapixels/,
        ),
      }),
    ]);
  });

  test('a file over 50 MB is refused before it is read', async () => {
    const issues = await describeContentImages([story('/images/huge.jpg')], { publicDir, cacheDir });
    expect(issues[0]?.message).toMatch(/huge\.jpg is 51\.0 MB, over the limit of 50 MB/);
  });

  test('a path that leads out of public/ or is badly escaped is left alone', async () => {
    const entries = [
      story('/images/../../outside.jpg'),
      story('/images/%2e%2e/%2e%2e/x.jpg'),
      story('/images/%E0%A4%A.jpg'),
    ];
    expect(await describeContentImages(entries, { publicDir, cacheDir })).toEqual([]);
    for (const entry of entries) expect((entry.story.image as StoryImage).raster).toBeUndefined();
  });
});

describe('svgSize', () => {
  test('width and height, else the viewBox, else one of them and the viewBox ratio', () => {
    expect(svgSize('<svg width="1200" height="675" viewBox="0 0 10 10">')).toEqual({ width: 1200, height: 675 });
    expect(svgSize('<svg viewBox="0 0 800 450">')).toEqual({ width: 800, height: 450 });
    expect(svgSize('<svg width="400px" viewBox="0 0 800 450">')).toEqual({ width: 400, height: 225 });
    expect(svgSize('<svg width="100%">')).toBeUndefined();
  });
});

describe('renderImageVariant', () => {
  test('encodes each variant at its size and format, once', async () => {
    const [entry] = [story('/images/photo.jpg')];
    await describeContentImages([entry], { publicDir, cacheDir });
    const raster = (entry.story.image as StoryImage).raster as RasterImage;
    const variants = imageVariants(raster);
    for (const variant of [variants[1], variants[5]]) {
      if (!variant) throw new Error('missing variant');
      const bytes = await renderImageVariant(variant, { cacheDir, publicDir });
      const meta = await sharp(bytes).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual([variant.format, variant.width, variant.height]);
      // The second time it comes from the cache, even with the original gone.
      const again = await renderImageVariant(variant, { cacheDir, publicDir: path.join(dir, 'nowhere') });
      expect(again.equals(bytes)).toBe(true);
    }
  });

  test('sharp refuses to decode more than the pixel limit', async () => {
    const raster: RasterImage = {
      file: '/images/bomb.png',
      digest: 'bomb',
      width: 20_000,
      height: 20_000,
      fallback: 'png',
    };
    const [variant] = imageVariants(raster);
    if (!variant) throw new Error('missing variant');
    const started = performance.now();
    await expect(renderImageVariant(variant, { cacheDir, publicDir })).rejects.toThrow(/pixel limit/i);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(MAX_IMAGE_PIXELS).toBe(40_000_000);
  });
});

describe('sitePages', () => {
  test("a raster image's variants are pages of their own, once however many stories show it", async () => {
    const source = await readContentDir(path.resolve('content'));
    const [first, second] = source.stories.filter((s) => s.story.image?.src === '/images/hurricane-spiral.jpg');
    const other = source.stories.find((s) => s !== first && s.story.image !== undefined);
    if (!first || !other || second) throw new Error('expected one demo story with the JPEG');
    other.story = { ...other.story, image: { ...first.story.image, alt: 'The same picture.' } as Story['image'] };
    const issues = await describeContentImages(source.stories, { publicDir: path.resolve('public'), cacheDir });
    expect(issues).toEqual([]);
    const site = buildSite(source, { now: new Date('2027-01-01T00:00:00Z'), render: (s) => renderBody(s.body) });
    const pages = pagesOf(sitePages(site), 'contentImage');
    expect(pages.map((p) => p.path.replace(/^\/img\/[A-Za-z0-9]{20}-/, ''))).toEqual([
      '320.webp',
      '640.webp',
      '1024.webp',
      '1600.webp',
      '320.jpg',
      '640.jpg',
      '1024.jpg',
      '1600.jpg',
    ]);
    for (const page of pages) {
      expect(page.params).toEqual({ file: page.path.slice('/img/'.length) });
      expect(page.key).toBe(variantKey(page.props.variant));
    }
  });
});
