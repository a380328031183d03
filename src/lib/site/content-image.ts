/**
 * Images of `content/` stories that live in `public/` (`image: { src: /images/... }`). An SVG stays SVG (sharper
 * and smaller than any raster) and gets its `width`/`height` from its root element. A JPEG, PNG or WebP gets
 * variants: up to four widths (capped at the original's), each as WebP and as a JPEG or PNG fallback, made with
 * sharp by the `contentImage` page kind at `/img/<digest>-<width>.<ext>` and kept in the cache folder by a digest of
 * the file's bytes and the recipe, so that a variant is encoded once. Astro's image service does not process
 * `public/` files, and its own cache would not follow the build's page keys or render processes.
 *
 * Work is bounded: only headers are read when the site is computed (a decompression bomb costs no more than a small
 * image), an image over `MAX_IMAGE_PIXELS` or `MAX_IMAGE_BYTES` is a content problem naming the file, and sharp's
 * `limitInputPixels` guards the encoder too.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { imageSize } from 'image-size';
import sharp from 'sharp';
import { writeFileAtomic } from '../atomic-write.ts';
import { cacheKey } from '../body/cache-key.ts';
import type { ContentIssue } from '../model/content-error.ts';
import type { Story } from '../model/story.ts';
import { isSitePath } from './urls.ts';

/** Widths made of a raster image (and its own width, when smaller than the largest): thumbnails use the first. */
export const VARIANT_WIDTHS = [320, 640, 1024, 1600] as const;
/** Larger images are refused (a content problem naming the file): 40 megapixels. */
export const MAX_IMAGE_PIXELS = 40_000_000;
/** Larger files are refused before they are read: 50 MB. */
export const MAX_IMAGE_BYTES = 50 * 1024 * 1024;
/** Changes whenever the encoding below does, so that variants of the old recipe are not used. */
const RECIPE = 1;
/** The bytes read for a header: enough for a JPEG whose frame header follows 64 KB of EXIF and an ICC profile. */
const HEADER_BYTES = 256 * 1024;

const RASTER_TYPES = { jpg: 'jpeg', png: 'png', webp: 'webp' } as const;
type RasterType = (typeof RASTER_TYPES)[keyof typeof RASTER_TYPES];
/** A variant's encoding: WebP, or the fallback (JPEG for photos, PNG for PNGs, which may be transparent). */
export type VariantFormat = 'webp' | 'jpeg' | 'png';
const EXTENSIONS: Record<VariantFormat, string> = { webp: 'webp', jpeg: 'jpg', png: 'png' };
export const VARIANT_TYPES: Record<VariantFormat, string> = {
  webp: 'image/webp',
  jpeg: 'image/jpeg',
  png: 'image/png',
};

/** A raster image in public/, as its variants are made from: its site path, digest and upright size. */
export interface RasterImage {
  file: string;
  digest: string;
  width: number;
  height: number;
  fallback: 'jpeg' | 'png';
}

/** A story's image as pages show it: the model's fields, and for a raster image in public/, what its variants are made from. */
export type StoryImage = NonNullable<Story['image']> & { raster?: RasterImage };

/** One variant: a page of its own (`contentImage`). */
export interface ImageVariant {
  path: string;
  width: number;
  height: number;
  format: VariantFormat;
  raster: RasterImage;
}

/** The widths made of an image `width` pixels wide: the standard ones below it, and its own up to the largest. */
export function variantWidths(width: number): number[] {
  const widths: number[] = VARIANT_WIDTHS.filter((w) => w < width);
  if (width <= (VARIANT_WIDTHS[VARIANT_WIDTHS.length - 1] ?? width)) widths.push(width);
  return widths;
}

/** Every variant of an image, WebP first. */
export function imageVariants(raster: RasterImage): ImageVariant[] {
  const widths = variantWidths(raster.width);
  return (['webp', raster.fallback] as const).flatMap((format) =>
    widths.map((width) => ({
      path: `/img/${raster.digest}-${width}.${EXTENSIONS[format]}`,
      width,
      height: Math.max(1, Math.round((width * raster.height) / raster.width)),
      format,
      raster,
    })),
  );
}

/** What a `<picture>` shows of a raster image: a WebP `<source>`, and the fallback's `src` and `srcset`. */
export function pictureSources(raster: RasterImage): {
  webp: string;
  fallback: { type: string; srcset: string; src: string };
} {
  const variants = imageVariants(raster);
  const srcset = (format: VariantFormat) =>
    variants
      .filter((v) => v.format === format)
      .map((v) => `${v.path} ${v.width}w`)
      .join(', ');
  const fallbacks = variants.filter((v) => v.format === raster.fallback);
  // The `src` of browsers without srcset: the variant nearest 1024 px, else the largest.
  // Stryker disable next-line OptionalChaining: there is always one variant (variantWidths gives at least one width)
  const src = (fallbacks.find((v) => v.width >= 1024) ?? fallbacks[fallbacks.length - 1])?.path ?? raster.file;
  return {
    webp: srcset('webp'),
    fallback: { type: VARIANT_TYPES[raster.fallback], srcset: srcset(raster.fallback), src },
  };
}

/** The digest a variant is cached by (and its page's key). */
export const variantKey = (variant: ImageVariant): string =>
  // Stryker disable next-line StringLiteral: the digest's label; any constant keeps equal keys equal
  cacheKey('contentImage', RECIPE, variant.raster.digest, variant.width, variant.format);

/** What the site computation learns of one file in public/, or the problem with it. */
type Probe =
  | { kind: 'svg'; width: number; height: number }
  | { kind: 'raster'; raster: RasterImage }
  | { kind: 'problem'; message: string; hint: string };

/** Digests and sizes of raster files by path, size and modification time, kept in the cache folder between builds. */
interface ProbeCache {
  entries: Record<string, { size: number; mtimeMs: number; raster: RasterImage }>;
}

/**
 * Gives each story whose image is a file in public/ its size, and a raster image the facts its variants are made
 * from; images elsewhere (remote, Sanity) and missing files are left as they are. Returns the problems: an image too
 * large, or a raster file that cannot be read.
 */
export async function describeContentImages(
  stories: { story: Story; where: string }[],
  { publicDir, cacheDir }: { publicDir: string; cacheDir?: string | undefined },
): Promise<ContentIssue[]> {
  const issues: ContentIssue[] = [];
  const cacheFile = cacheDir === undefined ? undefined : path.join(cacheDir, 'content-images', 'probes.json');
  const cache = await readProbeCache(cacheFile);
  const used: ProbeCache = { entries: {} };
  const probes = new Map<string, Promise<Probe | undefined>>();
  for (const entry of stories) {
    const image = entry.story.image;
    if (image === undefined || !isSitePath(image.src)) continue;
    const site = image.src.split(/[?#]/, 1)[0] ?? image.src;
    let probe = probes.get(site);
    // Stryker disable next-line ConditionalExpression: probing a file again finds the same
    if (probe === undefined) probes.set(site, (probe = probeFile(site, publicDir, cache, used)));
    const found = await probe;
    if (found === undefined) continue;
    if (found.kind === 'problem')
      issues.push({ where: entry.where, field: 'image.src', message: found.message, hint: found.hint });
    else if (found.kind === 'svg')
      entry.story = {
        ...entry.story,
        image: { ...image, width: image.width ?? found.width, height: image.height ?? found.height },
      };
    else if (found.kind === 'raster') {
      const { raster } = found;
      const described: StoryImage = { ...image, width: raster.width, height: raster.height, raster };
      delete described.srcset;
      entry.story = { ...entry.story, image: described };
    }
  }
  if (cacheFile !== undefined && JSON.stringify(used) !== JSON.stringify(cache)) {
    await mkdir(path.dirname(cacheFile), { recursive: true });
    // Stryker disable next-line ObjectLiteral,BooleanLiteral: an fsync shows only after a crash
    await writeFileAtomic(cacheFile, JSON.stringify(used), { durable: false });
  }
  return issues;
}

async function readProbeCache(file: string | undefined): Promise<ProbeCache> {
  // Stryker disable next-line ConditionalExpression: reading no file throws, which the catch below answers the same
  if (file === undefined) return { entries: {} };
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as ProbeCache;
    // Stryker disable next-line ConditionalExpression: entries of another type than an object hold no probe either
    if (typeof parsed.entries !== 'object') return { entries: {} };
    return parsed.entries === null ? { entries: {} } : parsed;
  } catch {
    return { entries: {} };
  }
}

/**
 * Reads what the site needs of one file in public/ (headers only; the bytes are hashed when not in the cache), or
 * undefined for a file that is missing, not an image, or outside public/.
 */
async function probeFile(
  site: string,
  publicDir: string,
  cache: ProbeCache,
  used: ProbeCache,
): Promise<Probe | undefined> {
  const file = publicFile(publicDir, site);
  if (file === undefined) return undefined;
  const shown = path.relative(process.cwd(), file).split(path.sep).join('/');
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) return undefined;
  const ext = path.extname(file).slice(1).toLowerCase();
  if (ext === 'svg') {
    const head = await readHead(file, 4096);
    const size = svgSize(head.toString('utf8'));
    return size ? { kind: 'svg', ...size } : undefined;
  }
  const type: RasterType | undefined = RASTER_TYPES[(ext === 'jpeg' ? 'jpg' : ext) as keyof typeof RASTER_TYPES];
  if (type === undefined) return undefined;
  if (info.size > MAX_IMAGE_BYTES)
    return {
      kind: 'problem',
      message: `${shown} is ${(info.size / 1024 / 1024).toFixed(1)} MB, over the limit of ${MAX_IMAGE_BYTES / 1024 / 1024} MB`,
      hint: 'save it at most 4000 pixels wide as a JPEG of quality 85',
    };
  const known = cache.entries[site];
  if (known && known.size === info.size && known.mtimeMs === info.mtimeMs) {
    used.entries[site] = known;
    return { kind: 'raster', raster: known.raster };
  }
  let size: ReturnType<typeof imageSize> | undefined;
  try {
    size = imageSize(new Uint8Array(await readHead(file, HEADER_BYTES)));
  } catch {
    // A header image-size cannot read: the problem below.
  }
  const readable = size?.type === 'jpg' || size?.type === 'png' || size?.type === 'webp';
  if (!size || !readable || !(size.width > 0) || !(size.height > 0))
    return {
      kind: 'problem',
      message: `${shown} is not a JPEG, PNG or WebP image whose size can be read`,
      hint: 'export it again as a JPEG or PNG',
    };
  const pixels = size.width * size.height;
  if (pixels > MAX_IMAGE_PIXELS)
    return {
      kind: 'problem',
      message: `${shown} is ${size.width}×${size.height} (${(pixels / 1e6).toFixed(1)} megapixels), over the limit of ${MAX_IMAGE_PIXELS / 1e6} megapixels`,
      hint: 'save it at most 4000 pixels wide',
    };
  // EXIF orientations 5 to 8 turn the picture a quarter: the upright image is as wide as the stored one is high.
  const turned = (size.orientation ?? 1) >= 5;
  const raster: RasterImage = {
    file: site,
    digest: (await hashFile(file)).slice(0, 20),
    width: turned ? size.height : size.width,
    height: turned ? size.width : size.height,
    fallback: size.type === 'png' ? 'png' : 'jpeg',
  };
  used.entries[site] = { size: info.size, mtimeMs: info.mtimeMs, raster };
  return { kind: 'raster', raster };
}

/** The file a site path names inside `publicDir`, or undefined when it would lead out or is not well encoded. */
export function publicFile(publicDir: string, site: string): string | undefined {
  let segments: string[];
  try {
    segments = site.split('/').map(decodeURIComponent);
  } catch {
    return undefined; // a malformed %-escape
  }
  const file = path.join(publicDir, ...segments);
  return file.startsWith(publicDir + path.sep) ? file : undefined;
}

async function readHead(file: string, bytes: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  // Stryker disable next-line StringLiteral: the digest is cut to 20 characters either way
  return hash.digest('base64url').replace(/[-_]/g, '0');
}

/** An SVG's size from its root element: `width`/`height` in pixels, else its viewBox. */
export function svgSize(head: string): { width: number; height: number } | undefined {
  // Stryker disable next-line StringLiteral: no tag and any tag without the attributes give no size alike
  const tag = /<svg\b[^>]*>/.exec(head)?.[0] ?? '';
  const attribute = (name: string): number | undefined => {
    const value = new RegExp(`\\s${name}\\s*=\\s*["']\\s*([\\d.]+)(px)?\\s*["']`).exec(tag)?.[1];
    return value === undefined ? undefined : Number(value);
  };
  const viewBox = /\sviewBox\s*=\s*["']\s*[-\d.]+[\s,]+[-\d.]+[\s,]+([\d.]+)[\s,]+([\d.]+)\s*["']/.exec(tag);
  const boxWidth = viewBox?.[1] === undefined ? undefined : Number(viewBox[1]);
  const boxHeight = viewBox?.[2] === undefined ? undefined : Number(viewBox[2]);
  let width = attribute('width');
  let height = attribute('height');
  // One of the two given: the other follows the viewBox's ratio.
  if (width !== undefined && height === undefined && boxWidth && boxHeight) height = (width * boxHeight) / boxWidth;
  if (height !== undefined && width === undefined && boxWidth && boxHeight) width = (height * boxWidth) / boxHeight;
  width ??= boxWidth;
  height ??= boxHeight;
  // Stryker disable next-line ConditionalExpression,LogicalOperator: an undefined side fails the test below too (this one is for TypeScript)
  if (width === undefined || height === undefined) return undefined;
  if (!(width >= 1) || !(height >= 1)) return undefined;
  return { width: Math.round(width), height: Math.round(height) };
}

/** Where a variant is cached: `<cacheDir>/content-images/<2 characters>/<key>.<ext>`. */
const cachedFile = (cacheDir: string, variant: ImageVariant): string => {
  const key = variantKey(variant);
  return path.join(cacheDir, 'content-images', key.slice(0, 2), `${key}.${EXTENSIONS[variant.format]}`);
};

/** Encodes a variant (or reads it from the cache). `publicDir` is where site paths of images are read from. */
export async function renderImageVariant(
  variant: ImageVariant,
  { cacheDir, publicDir }: { cacheDir: string; publicDir: string },
): Promise<Buffer> {
  const file = cachedFile(cacheDir, variant);
  const cached = await readFile(file).catch(() => undefined);
  if (cached) return cached;
  // One thread per image: render processes already run side by side.
  // Stryker disable next-line CallExpression: a throughput setting (and libvips keeps it for the whole process)
  sharp.concurrency(1);
  const source = publicFile(publicDir, variant.raster.file);
  if (source === undefined) throw new Error(`${variant.raster.file} is not a file in public/`);
  // Stryker disable next-line BooleanLiteral: sequential reading only saves memory
  const image = sharp(source, { limitInputPixels: MAX_IMAGE_PIXELS, failOn: 'error', sequentialRead: true })
    .timeout({ seconds: 30 })
    .rotate()
    .resize({ width: variant.width, height: variant.height, fit: 'fill' });
  const encoded =
    variant.format === 'webp'
      ? image.webp({ quality: 75, effort: 4 })
      : variant.format === 'png'
        ? image.png({ compressionLevel: 9 })
        : // mozjpeg's settings include progressive scans.
          image.flatten({ background: '#ffffff' }).jpeg({ quality: 80, mozjpeg: true });
  const bytes = await encoded.toBuffer();
  await mkdir(path.dirname(file), { recursive: true });
  // Stryker disable next-line ObjectLiteral,BooleanLiteral: an fsync shows only after a crash
  await writeFileAtomic(file, bytes, { durable: false });
  return bytes;
}
