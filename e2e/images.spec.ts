// Responsive images in Chromium: the demo's raster story image (a 2400 px JPEG in public/) is a <picture> whose WebP
// variant loads at a width the srcset offers, listing thumbnails load a small variant lazily, and every image on the
// pages has width and height, so that nothing shifts as images arrive.
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import sharp from 'sharp';
import { htmlFiles, listFiles } from './build-helpers.ts';

const DIST = path.resolve('dist');
// The story whose image is public/images/hurricane-spiral.jpg (2400×1350), and the section listing it.
const RASTER_STORY = '/news/hurricane-melissa-jamaica-landfall/';
const SECTION = '/section/climate/';
// A story whose image is an SVG (1200×675 by its root element).
const SVG_STORY = '/news/cop30-opens-belem-amazon/';

/** Image responses of a page load: path and content type. */
function imageResponses(page: Page): { path: string; type: string }[] {
  const seen: { path: string; type: string }[] = [];
  page.on('response', (response) => {
    const url = new URL(response.url());
    if (url.pathname.startsWith('/img/') || url.pathname.startsWith('/images/'))
      seen.push({ path: url.pathname, type: response.headers()['content-type'] ?? '' });
  });
  return seen;
}

/** The pixel size of the file an image shows (naturalWidth is scaled by the srcset's width descriptor). */
async function filePixels(page: Page, src: string): Promise<[number, number]> {
  const response = await page.request.get(src);
  const { width, height } = await sharp(await response.body()).metadata();
  return [width, height];
}

/** The sum of layout shift scores since the page started loading. */
async function layoutShift(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        let total = 0;
        new PerformanceObserver((list) => {
          for (const entry of list.getEntries()) total += (entry as PerformanceEntry & { value: number }).value;
        }).observe({ type: 'layout-shift', buffered: true });
        setTimeout(() => resolve(total), 300);
      }),
  );
}

test("the story's raster image is a <picture> whose WebP variant loads eagerly at an offered width", async ({
  page,
}) => {
  const responses = imageResponses(page);
  await page.goto(RASTER_STORY);
  const img = page.locator('.story-image picture img');
  await expect(img).toHaveCount(1);
  await expect(page.locator('.story-image picture source[type="image/webp"]')).toHaveCount(1);
  expect(await img.getAttribute('width')).toBe('2400');
  expect(await img.getAttribute('height')).toBe('1350');
  expect(await img.getAttribute('fetchpriority')).toBe('high');
  expect(await img.getAttribute('loading')).toBeNull();
  const state = await img.evaluate(async (el: HTMLImageElement) => {
    await el.decode();
    return { src: el.currentSrc, shown: el.clientWidth };
  });
  const chosen = new URL(state.src).pathname;
  expect(chosen).toMatch(/^\/img\/[A-Za-z0-9]{20}-(320|640|1024|1600)\.webp$/);
  const width = Number(/-(\d+)\.webp$/.exec(chosen)?.[1]);
  const [fileWidth, fileHeight] = await filePixels(page, state.src);
  expect([fileWidth, fileHeight]).toEqual([width, Math.round((width * 1350) / 2400)]);
  // At least as wide as it shows (44rem at most on this viewport), not the 2400 px original.
  expect(fileWidth).toBeGreaterThanOrEqual(state.shown);
  expect(fileWidth).toBeLessThan(2400);
  expect(responses).toContainEqual({ path: chosen, type: 'image/webp' });
  expect(responses.map((r) => r.path)).not.toContain('/images/hurricane-spiral.jpg');
  expect(await layoutShift(page)).toBeLessThan(0.01);
});

test('without WebP the fallback is a JPEG variant of the same size', async ({ page }) => {
  await page.goto(RASTER_STORY);
  const state = await page.locator('.story-image picture img').evaluate(async (el: HTMLImageElement) => {
    el.parentElement?.querySelector('source')?.remove();
    el.setAttribute('srcset', el.getAttribute('srcset') ?? ''); // chosen again without the <source>
    await el.decode();
    return { src: el.currentSrc };
  });
  expect(new URL(state.src).pathname).toMatch(/^\/img\/[A-Za-z0-9]{20}-(320|640|1024|1600)\.jpg$/);
  const width = Number(/-(\d+)\.jpg$/.exec(state.src)?.[1]);
  expect(await filePixels(page, state.src)).toEqual([width, Math.round((width * 1350) / 2400)]);
});

test('a listing thumbnail is lazy and loads the smallest variant', async ({ page }) => {
  const responses = imageResponses(page);
  await page.goto(SECTION);
  const thumb = page.locator('picture img.card-thumb').first();
  expect(await thumb.getAttribute('loading')).toBe('lazy');
  expect(await thumb.getAttribute('sizes')).toBe('8rem');
  expect(await thumb.getAttribute('width')).toBe('2400');
  await thumb.scrollIntoViewIfNeeded();
  const src = await thumb.evaluate(async (el: HTMLImageElement) => {
    await el.decode();
    return el.currentSrc;
  });
  expect(new URL(src).pathname).toMatch(/-320\.webp$/);
  expect(responses).toContainEqual({ path: new URL(src).pathname, type: 'image/webp' });
});

test('an SVG story image stays SVG with the size of its root element', async ({ page }) => {
  await page.goto(SVG_STORY);
  const img = page.locator('.story-image img');
  expect(await img.getAttribute('src')).toBe('/images/amazon-canopy.svg');
  expect([await img.getAttribute('width'), await img.getAttribute('height')]).toEqual(['1200', '675']);
  expect(await page.locator('.story-image picture').count()).toBe(0);
});

test('every image in the built site has width and height, and every variant it names exists', () => {
  const files = new Set(listFiles(DIST).map((f) => `/${f.split(path.sep).join('/')}`));
  let variants = 0;
  for (const { file, html } of htmlFiles(DIST)) {
    for (const [tag] of html.matchAll(/<img\b[^>]*>/g)) {
      expect(tag, file).toMatch(/\swidth="\d+"/);
      expect(tag, file).toMatch(/\sheight="\d+"/);
    }
    for (const [, url] of html.matchAll(/(\/img\/[A-Za-z0-9]+-\d+\.(?:webp|jpg|png))/g)) {
      variants++;
      expect(files.has(url ?? ''), `${file} names ${url}`).toBe(true);
    }
  }
  expect(variants).toBeGreaterThan(0);
});
