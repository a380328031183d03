import type { Sharp } from 'sharp';
import { dataError } from './errors.ts';

// Sanity's image pipeline (https://www.sanity.io/docs/image-urls) for the lake's `/images/...` URLs, done with
// sharp (prebuilt libvips binaries from npm; already installed as Astro's image service). Supported: rect, w, h,
// max-w, max-h, min-w, min-h, dpr, fit (clip, max, min, crop, fill, fillmax, scale), crop (center, top, bottom,
// left, right, focalpoint with fp-x/fp-y), fm (jpg, pjpg, png, webp, avif, gif), auto=format, q, bg, blur, flip,
// or, dl. Other parameters are ignored, as an unknown parameter is by Sanity's CDN. SVG is served as it is unless
// `fm` asks for a raster format. If sharp cannot load, originals are served and the lake says so once.

/** Output formats, by their `fm` names. */
const FORMATS = {
  jpg: 'image/jpeg',
  pjpg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  avif: 'image/avif',
  gif: 'image/gif',
} as const;
type Format = keyof typeof FORMATS;
const FITS = ['clip', 'max', 'min', 'crop', 'fill', 'fillmax', 'scale'] as const;
type Fit = (typeof FITS)[number];
/** Sanity's own limit on output dimensions. */
const MAX_DIMENSION = 8192;

/** Bounds on the work one image transform may cause. */
export interface ImageLimits {
  /** Largest output, in pixels (width x height); larger asks answer 400 naming w and h. */
  maxOutputPixels: number;
  /** Largest input sharp decodes (SVGs rasterized), in pixels: sharp's `limitInputPixels`, on every stage. */
  maxInputPixels: number;
  /** Most output pixels x blur radius: a Gaussian blur costs about this many steps. */
  maxBlurCost: number;
  /** sharp's own time limit per stage, in seconds. */
  timeoutSeconds: number;
  /** Transforms running at once: each holds a libuv thread, which fsync of mutations also needs. */
  concurrency: number;
  /** Transforms waiting for a turn; beyond this the lake answers 503 with Retry-After. */
  queue: number;
}

/** The lake's image limits unless its options say otherwise. */
export const DEFAULT_IMAGE_LIMITS: ImageLimits = {
  maxOutputPixels: 16_777_216,
  maxInputPixels: 50_000_000,
  maxBlurCost: 200_000_000,
  timeoutSeconds: 10,
  concurrency: 2,
  queue: 8,
};

/** A parsed, validated set of image URL parameters. */
export interface ImageTransform {
  rect?: { left: number; top: number; width: number; height: number };
  width?: number;
  height?: number;
  maxWidth?: number;
  maxHeight?: number;
  minWidth?: number;
  minHeight?: number;
  fit: Fit;
  crop: string;
  focalPoint?: { x: number; y: number };
  format?: Format;
  autoFormat: boolean;
  quality?: number;
  background?: string;
  blur?: number;
  flip?: 'h' | 'v' | 'hv';
  orientation?: 0 | 90 | 180 | 270;
  /** `dl`: download under this name ('' means the asset's own name). */
  download?: string;
}

/** The parameters that change the image; `dl` alone does not (it only sets a header). */
const TRANSFORMING = [
  'rect',
  'w',
  'h',
  'max-w',
  'max-h',
  'min-w',
  'min-h',
  'fit',
  'crop',
  'fm',
  'auto',
  'q',
  'bg',
  'blur',
  'flip',
  'or',
  'fp-x',
  'fp-y',
  'dpr',
];

/** Whether an image URL's search parameters ask for anything but the original bytes. */
export function wantsTransform(search: URLSearchParams): boolean {
  return TRANSFORMING.some((name) => search.has(name));
}

/** Reads Sanity's image URL parameters; a malformed value answers 400 naming the parameter, what came and what fits. */
export function imageTransformFrom(search: URLSearchParams): ImageTransform {
  const dpr = number(search, 'dpr', 1, 3) ?? 1;
  const scaled = (name: string): number | undefined => {
    const value = number(search, name, 1, MAX_DIMENSION);
    return value === undefined ? undefined : Math.min(MAX_DIMENSION, Math.round(value * dpr));
  };
  const transform: ImageTransform = { fit: 'clip', crop: 'center', autoFormat: search.get('auto') === 'format' };
  const rect = search.get('rect');
  if (rect !== null) {
    const parts = rect.split(',').map(Number);
    if (
      parts.length !== 4 ||
      !parts.every((part) => Number.isInteger(part) && part >= 0) ||
      (parts[2] ?? 0) < 1 ||
      (parts[3] ?? 0) < 1
    ) {
      throw invalid('rect', rect, 'four whole numbers "left,top,width,height" with a width and height of at least 1');
    }
    const [left = 0, top = 0, width = 1, height = 1] = parts;
    transform.rect = { left, top, width, height };
  }
  const set = <K extends keyof ImageTransform>(key: K, value: ImageTransform[K] | undefined): void => {
    if (value !== undefined) transform[key] = value;
  };
  set('width', scaled('w'));
  set('height', scaled('h'));
  set('maxWidth', scaled('max-w'));
  set('maxHeight', scaled('max-h'));
  set('minWidth', scaled('min-w'));
  set('minHeight', scaled('min-h'));
  const fit = search.get('fit');
  if (fit !== null) {
    const known = FITS.find((candidate) => candidate === fit);
    if (known === undefined) throw invalid('fit', fit, FITS.join(', '));
    transform.fit = known;
  }
  transform.crop = search.get('crop') ?? 'center';
  const fpX = number(search, 'fp-x', 0, 1);
  const fpY = number(search, 'fp-y', 0, 1);
  if (fpX !== undefined || fpY !== undefined) transform.focalPoint = { x: fpX ?? 0.5, y: fpY ?? 0.5 };
  const fm = search.get('fm');
  if (fm !== null) {
    if (!(fm in FORMATS)) throw invalid('fm', fm, Object.keys(FORMATS).join(', '));
    transform.format = fm as Format;
  }
  set('quality', number(search, 'q', 0, 100));
  const bg = search.get('bg');
  if (bg !== null) {
    // Sanity takes RGB, ARGB, RRGGBB or AARRGGBB hex without the "#".
    if (!/^(?:[0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i.test(bg))
      throw invalid('bg', bg, 'a hex colour such as ff0000 or 80ff0000');
    transform.background =
      bg.length === 4 || bg.length === 8 ? `#${bg.slice(bg.length / 4)}${bg.slice(0, bg.length / 4)}` : `#${bg}`;
  }
  set('blur', number(search, 'blur', 1, 2000));
  const flip = search.get('flip');
  if (flip !== null) {
    if (flip !== 'h' && flip !== 'v' && flip !== 'hv') throw invalid('flip', flip, 'h, v or hv');
    transform.flip = flip;
  }
  const or = search.get('or');
  if (or !== null) {
    if (or !== '0' && or !== '90' && or !== '180' && or !== '270') throw invalid('or', or, '0, 90, 180 or 270');
    transform.orientation = Number(or) as 0 | 90 | 180 | 270;
  }
  const dl = search.get('dl');
  if (dl !== null) transform.download = dl;
  return transform;
}

function number(search: URLSearchParams, name: string, min: number, max: number): number | undefined {
  const raw = search.get(name);
  if (raw === null) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < min || value > max)
    throw invalid(name, raw, `a number from ${min} to ${max}`);
  return value;
}

function invalid(name: string, received: string, expected: string): Error {
  return dataError(
    400,
    'invalidImageParameter',
    `Invalid image parameter ${name}=${JSON.stringify(received)}: expected ${expected}`,
  );
}

type SharpFactory = (input: Buffer, options?: { animated?: boolean; limitInputPixels?: number }) => Sharp;
let loading: Promise<SharpFactory | Error> | undefined;

/** sharp, loaded once on first use; an Error when it cannot load here (then originals are served). */
export function loadSharp(): Promise<SharpFactory | Error> {
  loading ??= import('sharp').then(
    (module) => module.default as SharpFactory,
    (error: unknown) =>
      new Error(
        `sharp could not load (${error instanceof Error ? error.message : String(error)}); serving images untransformed`,
      ),
  );
  return loading;
}

/**
 * Applies a transform to an image's bytes. Returns the new bytes and content type, or undefined when the result
 * is the original (an SVG without `fm`). `accept` is the request's Accept header, for `auto=format`.
 */
export async function transformImage(
  sharp: SharpFactory,
  bytes: Buffer,
  sourceFormat: string,
  transform: ImageTransform,
  accept: string,
  limits: ImageLimits = DEFAULT_IMAGE_LIMITS,
): Promise<{ bytes: Buffer; contentType: string } | undefined> {
  let format: Format | undefined = transform.format;
  if (format === undefined && transform.autoFormat && accept.includes('image/webp') && sourceFormat !== 'gif')
    format = 'webp';
  if (sourceFormat === 'svg' && format === undefined) return undefined;
  format ??=
    sourceFormat === 'jpg' || sourceFormat === 'png' || sourceFormat === 'webp' || sourceFormat === 'gif'
      ? sourceFormat
      : 'png';
  const load = (input: Buffer): Sharp =>
    sharp(input, { animated: sourceFormat === 'gif', limitInputPixels: limits.maxInputPixels }).timeout({
      seconds: limits.timeoutSeconds,
    });
  let image = load(bytes).rotate();
  if (transform.orientation !== undefined && transform.orientation !== 0) image = image.rotate(transform.orientation);
  if (transform.flip === 'h' || transform.flip === 'hv') image = image.flop();
  if (transform.flip === 'v' || transform.flip === 'hv') image = image.flip();
  // Later steps need the size after rect, so rect goes into its own pipeline stage.
  if (transform.rect !== undefined) image = load(await image.extract(transform.rect).toBuffer());
  const meta = await image.metadata();
  const sourceWidth = meta.width;
  const sourceHeight = meta.pageHeight ?? meta.height;
  const size = targetSize(sourceWidth, sourceHeight, transform);
  checkCost(size?.width ?? sourceWidth, size?.height ?? sourceHeight, transform, limits);
  if (size !== undefined) image = resized(image, sourceWidth, sourceHeight, size, transform);
  if (transform.blur !== undefined) image = image.blur(Math.max(0.3, transform.blur / 10));
  const quality = transform.quality === undefined ? {} : { quality: Math.max(1, Math.round(transform.quality)) };
  if (format === 'jpg' || format === 'pjpg')
    image = image
      .flatten({ background: transform.background ?? '#ffffff' })
      .jpeg({ ...quality, progressive: format === 'pjpg' });
  else if (format === 'png') image = image.png();
  else if (format === 'webp') image = image.webp(quality);
  // AVIF's default effort takes tens of seconds on large images; effort 2 is a few times faster for a slightly larger file.
  else if (format === 'avif') image = image.avif({ ...quality, effort: 2 });
  else image = image.gif();
  return { bytes: await image.toBuffer(), contentType: FORMATS[format] };
}

/** Refuses, before any pixel is made, an output larger than `maxOutputPixels` or a blur costlier than `maxBlurCost`. */
function checkCost(width: number, height: number, transform: ImageTransform, limits: ImageLimits): void {
  const pixels = width * height;
  if (pixels > limits.maxOutputPixels) {
    throw dataError(
      400,
      'invalidImageParameter',
      `Invalid image size: w and h (with dpr, fit and the source's aspect ratio) ask for ${width}x${height} = ${pixels} pixels; the lake makes at most ${limits.maxOutputPixels} pixels per image: ask for a smaller w or h`,
    );
  }
  if (transform.blur !== undefined && pixels * (transform.blur / 10) > limits.maxBlurCost) {
    const most = Math.floor((limits.maxBlurCost / pixels) * 10);
    throw dataError(
      400,
      'invalidImageParameter',
      `Invalid image parameter blur=${transform.blur}: at ${width}x${height} the lake blurs at most ${Math.max(0, most)}; ask for a smaller blur or a smaller image`,
    );
  }
}

interface TargetSize {
  width: number;
  height: number;
  /** Whether the image must be cut to exactly this size (crop) or fit inside it. */
  mode: 'inside' | 'cover' | 'fill' | 'contain';
}

/** The output size a transform asks for, from the source size, or undefined to keep the size. */
export function targetSize(
  sourceWidth: number,
  sourceHeight: number,
  transform: ImageTransform,
): TargetSize | undefined {
  let { width, height } = transform;
  const ratio = sourceWidth / sourceHeight;
  if (width === undefined && height === undefined) {
    // max-*/min-* alone bound the original size.
    const maxW = transform.maxWidth ?? Number.POSITIVE_INFINITY;
    const maxH = transform.maxHeight ?? Number.POSITIVE_INFINITY;
    const scale = Math.min(
      1,
      maxW / sourceWidth,
      maxH / sourceHeight,
      Math.max(1, (transform.minWidth ?? 0) / sourceWidth, (transform.minHeight ?? 0) / sourceHeight),
    );
    if (scale === 1) return undefined;
    return {
      width: Math.max(1, Math.round(sourceWidth * scale)),
      height: Math.max(1, Math.round(sourceHeight * scale)),
      mode: 'inside',
    };
  }
  width = Math.min(width ?? Number.POSITIVE_INFINITY, transform.maxWidth ?? Number.POSITIVE_INFINITY);
  height = Math.min(height ?? Number.POSITIVE_INFINITY, transform.maxHeight ?? Number.POSITIVE_INFINITY);
  const both = Number.isFinite(width) && Number.isFinite(height);
  if (!both) {
    // One side given: the other follows the aspect ratio, as in every fit mode.
    const w = Number.isFinite(width) ? width : height * ratio;
    const scale = transform.fit === 'max' ? Math.min(1, w / sourceWidth) : w / sourceWidth;
    return {
      width: Math.max(1, Math.round(sourceWidth * scale)),
      height: Math.max(1, Math.round(sourceHeight * scale)),
      mode: 'inside',
    };
  }
  switch (transform.fit) {
    case 'crop':
    case 'min':
      return { width: Math.round(width), height: Math.round(height), mode: 'cover' };
    case 'scale':
      return { width: Math.round(width), height: Math.round(height), mode: 'fill' };
    case 'fill':
    case 'fillmax':
      return { width: Math.round(width), height: Math.round(height), mode: 'contain' };
    case 'max': {
      const scale = Math.min(1, width / sourceWidth, height / sourceHeight);
      return {
        width: Math.max(1, Math.round(sourceWidth * scale)),
        height: Math.max(1, Math.round(sourceHeight * scale)),
        mode: 'inside',
      };
    }
    case 'clip': {
      const scale = Math.min(width / sourceWidth, height / sourceHeight);
      return {
        width: Math.max(1, Math.round(sourceWidth * scale)),
        height: Math.max(1, Math.round(sourceHeight * scale)),
        mode: 'inside',
      };
    }
  }
}

function resized(
  image: Sharp,
  sourceWidth: number,
  sourceHeight: number,
  size: TargetSize,
  transform: ImageTransform,
): Sharp {
  if (size.mode === 'cover' && transform.crop === 'focalpoint' && transform.focalPoint !== undefined) {
    // Cut the window centred on the focal point (kept inside the image) from the source, then scale it: scaling the
    // whole source first would make an intermediate as large as the output times the aspect ratio difference
    // (a 1x10 image cropped to 8192x8192 would have needed 8192x81920 pixels).
    const scale = Math.max(size.width / sourceWidth, size.height / sourceHeight);
    const width = clamp(Math.round(size.width / scale), 1, sourceWidth);
    const height = clamp(Math.round(size.height / scale), 1, sourceHeight);
    const left = clamp(Math.round(transform.focalPoint.x * sourceWidth - width / 2), 0, sourceWidth - width);
    const top = clamp(Math.round(transform.focalPoint.y * sourceHeight - height / 2), 0, sourceHeight - height);
    return image.extract({ left, top, width, height }).resize({ width: size.width, height: size.height, fit: 'fill' });
  }
  const position =
    ['top', 'bottom', 'left', 'right'].find((edge) => transform.crop.split(',').includes(edge)) ?? 'centre';
  return image.resize({
    width: size.width,
    height: size.height,
    fit: size.mode,
    position,
    ...(size.mode === 'contain' ? { background: transform.background ?? '#ffffff' } : {}),
  });
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
