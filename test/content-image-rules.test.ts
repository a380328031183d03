// The rules of images in public/, one by one on real files made here: which files are probed and what each problem
// says, the edges of the limits, EXIF rotation, the probe cache (by path, size and modification time), SVG sizes, and
// how variants are encoded and cached.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bombPng } from './fixtures/bomb-png.ts';
import {
  describeContentImages,
  imageVariants,
  MAX_IMAGE_BYTES,
  pictureSources,
  renderImageVariant,
  svgSize,
  variantKey,
  type RasterImage,
  type StoryImage,
} from '../src/lib/site/content-image.ts';
import type { Story } from '../src/lib/model/story.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'content-image-rules-'));
const publicDir = path.join(dir, 'public');
const images = path.join(publicDir, 'images');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const entry = (src: string) => ({
  story: { id: `story-${src}`, image: { src, alt: 'An image.' } } as unknown as Story,
  where: `content/stories/${path.basename(src)}.md`,
});
const describe1 = async (src: string, cacheDir?: string) => {
  const e = entry(src);
  const issues = await describeContentImages([e], { publicDir, cacheDir });
  return { issues, image: e.story.image as StoryImage };
};
const shown = (name: string) => path.relative(process.cwd(), path.join(images, name));

beforeAll(async () => {
  mkdirSync(images, { recursive: true });
  const solid = (width: number, height: number, background = '#336699') =>
    sharp({ create: { width, height, channels: 3, background } });
  await solid(300, 200).jpeg().toFile(path.join(images, 'a.jpg'));
  await solid(300, 200, '#993366').jpeg().toFile(path.join(images, 'b.jpg'));
  await solid(300, 200).webp().toFile(path.join(images, 'c.webp'));
  await solid(300, 200).jpeg().withMetadata({ orientation: 6 }).toFile(path.join(images, 'turned6.jpg'));
  await solid(300, 200).jpeg().withMetadata({ orientation: 5 }).toFile(path.join(images, 'turned5.jpg'));
  await solid(300, 200).jpeg().withMetadata({ orientation: 4 }).toFile(path.join(images, 'flipped4.jpg'));
  await sharp({ create: { width: 40, height: 20, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
    .webp({ lossless: true })
    .toFile(path.join(images, 'clear.webp'));
  writeFileSync(path.join(images, 'wide0.png'), bombPng(0, 10));
  writeFileSync(path.join(images, 'high0.png'), bombPng(10, 0));
  writeFileSync(path.join(images, 'limit.png'), bombPng(8000, 5000));
  writeFileSync(path.join(images, 'over.png'), bombPng(8000, 6000));
  writeFileSync(path.join(images, 'broken.jpg'), 'not an image at all');
  await solid(30, 20).gif().toFile(path.join(images, 'gif.jpg'));
  writeFileSync(path.join(images, 'notes.txt'), 'not an image');
  writeFileSync(path.join(images, 'nosize.svg'), '<svg xmlns="http://www.w3.org/2000/svg"></svg>');
  writeFileSync(path.join(images, 'exact.jpg'), '');
  truncateSync(path.join(images, 'exact.jpg'), MAX_IMAGE_BYTES);
});

describe('pictureSources', () => {
  test('the src is the first fallback variant at least 1024 wide', () => {
    const raster: RasterImage = { file: '/images/a.jpg', digest: 'd', width: 2400, height: 1200, fallback: 'jpeg' };
    expect(pictureSources(raster).fallback.src).toBe('/img/d-1024.jpg');
    expect(pictureSources({ ...raster, width: 1024, height: 512 }).fallback.src).toBe('/img/d-1024.jpg');
    expect(pictureSources({ ...raster, width: 1023, height: 512 }).fallback.src).toBe('/img/d-1023.jpg');
  });
});

describe('describeContentImages', () => {
  test('a JPEG, a PNG and a WebP are rasters (a PNG falls back to PNG, the others to JPEG); a query is ignored', async () => {
    expect((await describe1('/images/a.jpg?v=2#top')).image.raster).toMatchObject({
      file: '/images/a.jpg',
      width: 300,
      height: 200,
      fallback: 'jpeg',
    });
    expect((await describe1('/images/c.webp')).image.raster).toMatchObject({ width: 300, fallback: 'jpeg' });
    expect((await describe1('/images/limit.png')).image.raster).toMatchObject({ width: 8000, fallback: 'png' });
  });

  test('EXIF orientations 5 to 8 turn the picture: its width is the stored height', async () => {
    expect((await describe1('/images/turned6.jpg')).image).toMatchObject({ width: 200, height: 300 });
    expect((await describe1('/images/turned5.jpg')).image).toMatchObject({ width: 200, height: 300 });
    expect((await describe1('/images/flipped4.jpg')).image).toMatchObject({ width: 300, height: 200 });
  });

  test('different files have different digests', async () => {
    const a = (await describe1('/images/a.jpg')).image.raster?.digest;
    const b = (await describe1('/images/b.jpg')).image.raster?.digest;
    expect(a).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(b).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(a).not.toBe(b);
  });

  test('files that are not images, or an SVG without a size, are left as they are', async () => {
    for (const src of ['/images/notes.txt', '/images/nosize.svg', '/images/missing.png', '/images']) {
      const { issues, image } = await describe1(src);
      expect(issues, src).toEqual([]);
      expect(image, src).toEqual({ src, alt: 'An image.' });
    }
  });

  test('each problem names the story, the field and the file, and says how to fix it', async () => {
    const problem = (name: string, message: string, hint: string) => [
      { where: `content/stories/${name}.md`, field: 'image.src', message: `${shown(name)} ${message}`, hint },
    ];
    const unreadable = (name: string) =>
      problem(name, 'is not a JPEG, PNG or WebP image whose size can be read', 'export it again as a JPEG or PNG');
    expect((await describe1('/images/broken.jpg')).issues).toEqual(unreadable('broken.jpg'));
    // A GIF, whatever its name says.
    expect((await describe1('/images/gif.jpg')).issues).toEqual(unreadable('gif.jpg'));
    expect((await describe1('/images/wide0.png')).issues).toEqual(unreadable('wide0.png'));
    expect((await describe1('/images/high0.png')).issues).toEqual(unreadable('high0.png'));
    // Exactly at the size limit the file is read (and found to be no image).
    expect((await describe1('/images/exact.jpg')).issues).toEqual(unreadable('exact.jpg'));
    expect((await describe1('/images/over.png')).issues).toEqual(
      problem(
        'over.png',
        'is 8000×6000 (48.0 megapixels), over the limit of 40 megapixels',
        'save it at most 4000 pixels wide',
      ),
    );
    truncateSync(path.join(images, 'exact.jpg'), MAX_IMAGE_BYTES + 1);
    try {
      expect((await describe1('/images/exact.jpg')).issues).toEqual(
        problem(
          'exact.jpg',
          'is 50.0 MB, over the limit of 50 MB',
          'save it at most 4000 pixels wide as a JPEG of quality 85',
        ),
      );
    } finally {
      truncateSync(path.join(images, 'exact.jpg'), MAX_IMAGE_BYTES);
    }
  });

  test('the probe cache: kept by path, size and modification time; a changed file or a broken cache is probed again', async () => {
    const cacheDir = path.join(dir, 'probe-cache');
    const cacheFile = path.join(cacheDir, 'content-images', 'probes.json');
    const real = (await describe1('/images/a.jpg', cacheDir)).image.raster?.digest;
    const cache = JSON.parse(readFileSync(cacheFile, 'utf8')) as {
      entries: Record<string, { size: number; mtimeMs: number; raster: RasterImage }>;
    };
    expect(Object.keys(cache.entries)).toEqual(['/images/a.jpg']);
    expect(cache.entries['/images/a.jpg']?.raster.digest).toBe(real);
    // The cache is believed while the file's size and time match.
    // A cache entry for the file as it is now on disk (or with `size` instead), its digest replaced.
    const file = path.join(images, 'a.jpg');
    const planted = (digest: string, size = statSync(file).size) => {
      const entry = cache.entries['/images/a.jpg'];
      if (!entry) throw new Error('no entry');
      const { mtimeMs } = statSync(file);
      const raster = { ...entry.raster, digest };
      writeFileSync(cacheFile, JSON.stringify({ entries: { '/images/a.jpg': { size, mtimeMs, raster } } }));
    };
    planted('planted');
    expect((await describe1('/images/a.jpg', cacheDir)).image.raster?.digest).toBe('planted');
    // Another size at the same modification time: probed again.
    planted('planted', statSync(file).size + 1);
    expect((await describe1('/images/a.jpg', cacheDir)).image.raster?.digest).toBe(real);
    // A new modification time: probed again, and the cache rewritten.
    planted('planted');
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    expect((await describe1('/images/a.jpg', cacheDir)).image.raster?.digest).toBe(real);
    expect(readFileSync(cacheFile, 'utf8')).toContain(real);
    for (const broken of ['{ not json', '{"entries": null}', '{"entries": "x"}', '[]']) {
      writeFileSync(cacheFile, broken);
      expect((await describe1('/images/a.jpg', cacheDir)).image.raster?.digest, broken).toBe(real);
    }
    // Without a cache folder nothing is written.
    const before = readdirSync(dir);
    expect((await describe1('/images/a.jpg')).image.raster?.digest).toBe(real);
    expect(readdirSync(dir)).toEqual(before);
  });

  test.skipIf(!existsSync('/proc/self/fd'))('every file opened to read a header is closed', async () => {
    await describe1('/images/b.jpg');
    const open = readdirSync('/proc/self/fd').length;
    await describe1('/images/b.jpg');
    await describe1('/images/nosize.svg');
    expect(readdirSync('/proc/self/fd').length).toBe(open);
  });
});

describe('svgSize', () => {
  test('the viewBox, however spaced and separated; one side from the other and the ratio', () => {
    expect(svgSize('<svg viewBox = "  -10.5 ,-20  ,  800.5 ,, 450 ">')).toEqual({ width: 801, height: 450 });
    expect(svgSize("<svg viewBox='0 0 800 450'>")).toEqual({ width: 800, height: 450 });
    expect(svgSize('<svg height="225" viewBox="0 0 800 450">')).toEqual({ width: 400, height: 225 });
    expect(svgSize('<svg width="400" viewBox="0 0 800 450">')).toEqual({ width: 400, height: 225 });
  });

  test('no svg tag, one side only, or a side under one pixel: no size', () => {
    expect(svgSize('<html>not an svg</html>')).toBeUndefined();
    expect(svgSize('<svg width="400">')).toBeUndefined();
    expect(svgSize('<svg height="400">')).toBeUndefined();
    expect(svgSize('<svg width="0.5" height="10">')).toBeUndefined();
    expect(svgSize('<svg width="10" height="0.5">')).toBeUndefined();
    expect(svgSize('<svg width="1" height="1">')).toEqual({ width: 1, height: 1 });
  });
});

describe('renderImageVariant', () => {
  const rasterOf = async (src: string) => (await describe1(src)).image.raster as RasterImage;

  test('each format encoded with its settings, cached at <cacheDir>/content-images/<2>/<key>.<ext>', async () => {
    const cacheDir = path.join(dir, 'variants');
    const source = path.join(images, 'a.jpg');
    const variants = imageVariants(await rasterOf('/images/a.jpg'));
    const webp = variants.find((v) => v.format === 'webp');
    const jpeg = variants.find((v) => v.format === 'jpeg');
    if (!webp || !jpeg) throw new Error('missing variant');
    const resize = () => sharp(source).rotate().resize({ width: 300, height: 200, fit: 'fill' });
    const webpBytes = await renderImageVariant(webp, { cacheDir, publicDir });
    expect(webpBytes.equals(await resize().webp({ quality: 75, effort: 4 }).toBuffer())).toBe(true);
    const jpegBytes = await renderImageVariant(jpeg, { cacheDir, publicDir });
    expect((await sharp(jpegBytes).metadata()).isProgressive).toBe(true);
    expect(
      jpegBytes.equals(
        await resize()
          .flatten({ background: '#ffffff' })
          .jpeg({ quality: 80, progressive: true, mozjpeg: true })
          .toBuffer(),
      ),
    ).toBe(true);
    const key = variantKey(webp);
    expect(readFileSync(path.join(cacheDir, 'content-images', key.slice(0, 2), `${key}.webp`)).equals(webpBytes)).toBe(
      true,
    );
    // One thread per image.
    expect(sharp.concurrency()).toBe(1);
  });

  test('a PNG falls back to a PNG at compression level 9; a transparent WebP to a JPEG on white', async () => {
    const cacheDir = path.join(dir, 'variants-2');
    writeFileSync(
      path.join(images, 'small.png'),
      await sharp({ create: { width: 30, height: 20, channels: 3, background: '#123456' } })
        .png()
        .toBuffer(),
    );
    const pngVariant = imageVariants(await rasterOf('/images/small.png')).find((v) => v.format === 'png');
    if (!pngVariant) throw new Error('missing variant');
    const bytes = await renderImageVariant(pngVariant, { cacheDir, publicDir });
    const expected = await sharp(path.join(images, 'small.png'))
      .rotate()
      .resize({ width: 30, height: 20, fit: 'fill' })
      .png({ compressionLevel: 9 })
      .toBuffer();
    expect(bytes.equals(expected)).toBe(true);
    const clear = imageVariants(await rasterOf('/images/clear.webp')).find((v) => v.format === 'jpeg');
    if (!clear) throw new Error('missing variant');
    const { data } = await sharp(await renderImageVariant(clear, { cacheDir, publicDir }))
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect([...data.subarray(0, 3)].every((channel) => channel > 250)).toBe(true);
  });

  test('a file outside public/ is an error; more pixels than the limit are refused by sharp too', async () => {
    const cacheDir = path.join(dir, 'variants-3');
    const outside: RasterImage = { file: '/../secret.jpg', digest: 'x', width: 300, height: 200, fallback: 'jpeg' };
    const [variant] = imageVariants(outside);
    if (!variant) throw new Error('missing variant');
    await expect(renderImageVariant(variant, { cacheDir, publicDir })).rejects.toThrow(
      '/../secret.jpg is not a file in public/',
    );
    // 48 megapixels: under sharp's own default limit, over the site's.
    const over: RasterImage = { file: '/images/over.png', digest: 'o', width: 8000, height: 6000, fallback: 'png' };
    const [big] = imageVariants(over);
    if (!big) throw new Error('missing variant');
    await expect(renderImageVariant(big, { cacheDir, publicDir })).rejects.toThrow(/pixel limit/i);
  });
});
