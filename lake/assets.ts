import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { disableTypes, imageSize as readImageHeader, types as imageTypes } from 'image-size';
import { writeFileAtomic } from '../src/lib/atomic-write.ts';
import { requireAuthenticated, requireWriter } from './auth.ts';
import { transactionPartyOf, type LakeCall, type LakeContext, type LakeExchange } from './context.ts';
import { apiError, dataError, LakeError } from './errors.ts';
import { corsHeaders, headerValue, readBytes, sendJson } from './http.ts';
import { randomId } from './ids.ts';
import {
  imageTransformFrom,
  loadSharp,
  transformImage,
  wantsTransform,
  type ImageTransform,
} from './image-transform.ts';
import type { Params } from './router.ts';
import { runTransaction } from './transaction.ts';
import type { SanityDoc } from './types.ts';

/** Image formats the lake can read dimensions from, as Sanity names their extensions. */
export type ImageFormat = 'png' | 'jpg' | 'gif' | 'webp' | 'svg';

const MIME_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  svg: 'image/svg+xml',
  pdf: 'application/pdf',
  txt: 'text/plain; charset=utf-8',
  json: 'application/json',
  mp4: 'video/mp4',
  mp3: 'audio/mpeg',
};

/** The formats image-size reads for the lake; it is told to refuse the rest (SVG is read below instead). */
const RASTER_FORMATS: Record<string, ImageFormat | undefined> = { png: 'png', jpg: 'jpg', gif: 'gif', webp: 'webp' };
disableTypes(imageTypes.filter((type) => RASTER_FORMATS[type] === undefined));

/** Reads an image's format and pixel size from its first bytes (PNG, JPEG, GIF, WebP, SVG); undefined if unknown. */
export function imageSize(bytes: Buffer): { format: ImageFormat; width: number; height: number } | undefined {
  const raster = rasterSize(bytes);
  if (raster !== undefined) return raster;
  const head = bytes.toString('utf8', 0, Math.min(bytes.length, 4096));
  if (/<svg[\s>]/.test(head)) return svgSize(head);
  return undefined;
}

/**
 * A PNG, JPEG, GIF or WebP header, read by image-size: headers only, never pixels, so a pixel bomb costs no more than
 * a small image here. A JPEG's size is read from a baseline, extended or progressive frame (SOF0-SOF2); lossless,
 * hierarchical and arithmetic-coded JPEGs are refused. image-size reads through DataViews over the whole ArrayBuffer,
 * and a small Buffer is a slice of Node's shared pool: given its own copy, a truncated header fails at its end
 * instead of reading past it.
 */
function rasterSize(bytes: Buffer): { format: ImageFormat; width: number; height: number } | undefined {
  const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes);
  let size: ReturnType<typeof readImageHeader>;
  try {
    size = readImageHeader(own);
  } catch {
    return undefined; // not one of the four, or a broken header
  }
  const format = RASTER_FORMATS[size.type ?? ''];
  if (format === undefined || !Number.isInteger(size.width) || !Number.isInteger(size.height)) return undefined;
  return { format, width: size.width, height: size.height };
}

/**
 * SVG is text, read here rather than by image-size, whose reading gives other sizes (it converts units such as mm,
 * derives a missing width or height from the viewBox's ratio, and looks only at the first 1,000 bytes).
 */
function svgSize(head: string): { format: 'svg'; width: number; height: number } | undefined {
  const tag = /<svg\b[^>]*>/.exec(head)?.[0] ?? '';
  const attribute = (name: string): number | undefined => {
    const value = new RegExp(`\\s${name}\\s*=\\s*["']\\s*([\\d.]+)(px)?\\s*["']`).exec(tag)?.[1];
    return value === undefined ? undefined : Number(value);
  };
  const viewBox = /\sviewBox\s*=\s*["']\s*[-\d.]+[\s,]+[-\d.]+[\s,]+([\d.]+)[\s,]+([\d.]+)\s*["']/.exec(tag);
  const width = attribute('width') ?? (viewBox?.[1] === undefined ? undefined : Number(viewBox[1]));
  const height = attribute('height') ?? (viewBox?.[2] === undefined ? undefined : Number(viewBox[2]));
  if (width === undefined || height === undefined || !(width > 0) || !(height > 0)) return undefined;
  return { format: 'svg', width: Math.round(width), height: Math.round(height) };
}

/** `POST /assets/images/:dataset`: stores an image and creates its `sanity.imageAsset` document. */
export function uploadImage(call: LakeCall, { dataset }: Params<'dataset'>): Promise<number> {
  return upload(call, 'images', dataset);
}

/** `POST /assets/files/:dataset`: stores a file and creates its `sanity.fileAsset` document. */
export function uploadFile(call: LakeCall, { dataset }: Params<'dataset'>): Promise<number> {
  return upload(call, 'files', dataset);
}

/** `/assets/...` but not an upload path: 404, naming the upload paths. */
export function noAssetRoute(call: LakeCall): never {
  throw apiError(
    404,
    `No route for ${call.method} /${call.segments.join('/')}: expected /assets/images/:dataset or /assets/files/:dataset`,
  );
}

/** Stores the bytes and creates the asset document. */
async function upload(call: LakeCall, kind: 'images' | 'files', datasetName: string): Promise<number> {
  requireAuthenticated(call.caller, 'Uploading assets');
  requireWriter(call.caller, 'create');
  const bytes = await readBytes(call.req, call.ctx.bodyLimit);
  if (bytes.length === 0) throw dataError(400, 'httpBadRequest', 'Empty upload: send the file as the request body');
  const sha1 = createHash('sha1').update(bytes).digest('hex');
  const filename = call.search.get('filename') ?? undefined;
  let id: string;
  let extension: string;
  let path: string;
  let extra: Record<string, unknown> = {};
  if (kind === 'images') {
    const size = imageSize(bytes);
    if (size === undefined)
      throw dataError(
        400,
        'invalidImageError',
        `Invalid image${filename === undefined ? '' : ` "${filename}"`}: could not read its format and size (the lake reads PNG, JPEG, GIF, WebP and SVG)`,
      );
    extension = size.format;
    id = `image-${sha1}-${size.width}x${size.height}-${extension}`;
    path = `images/${call.projectId}/${datasetName}/${sha1}-${size.width}x${size.height}.${extension}`;
    extra = {
      metadata: {
        _type: 'sanity.imageMetadata',
        dimensions: {
          _type: 'sanity.imageDimensions',
          width: size.width,
          height: size.height,
          aspectRatio: size.width / size.height,
        },
      },
    };
  } else {
    extension =
      extname(filename ?? '')
        .slice(1)
        .toLowerCase() || 'bin';
    if (!/^[a-z0-9]{1,10}$/.test(extension)) extension = 'bin';
    id = `file-${sha1}-${extension}`;
    path = `files/${call.projectId}/${datasetName}/${sha1}.${extension}`;
  }
  const store = await call.ctx.datasets.forWrite(datasetName, call.caller, false);
  const directory = call.ctx.datasets.assetDirectory(datasetName);
  await writeDurably(join(directory, `${sha1}.${extension}`), bytes);
  // Sanity keeps one asset per content hash: uploading the same bytes again answers the existing document.
  const existing = store.get(id);
  if (existing !== undefined) return sendJson(call.req, call.res, 200, { document: existing });
  const base =
    call.ctx.publicUrl ??
    `http://${headerValue(call.req.headers.host) ?? headerValue(call.req.headers[':authority']) ?? '127.0.0.1'}`;
  const doc: SanityDoc = {
    _id: id,
    _type: kind === 'images' ? 'sanity.imageAsset' : 'sanity.fileAsset',
    assetId: sha1,
    extension,
    mimeType:
      kind === 'images'
        ? (MIME_TYPES[extension] ?? 'application/octet-stream')
        : (headerValue(call.req.headers['content-type']) ?? MIME_TYPES[extension] ?? 'application/octet-stream'),
    path,
    sha1hash: sha1,
    size: bytes.length,
    uploadId: randomId(),
    url: `${base}/${path}`,
    ...extra,
  };
  for (const key of ['filename', 'label', 'title', 'description', 'creditLine'] as const) {
    const value = call.search.get(key);
    if (value !== null) doc[key === 'filename' ? 'originalFilename' : key] = value;
  }
  const sourceName = call.search.get('sourceName');
  if (sourceName !== null)
    doc['source'] = { id: call.search.get('sourceId'), name: sourceName, url: call.search.get('sourceUrl') };
  const transaction = await runTransaction(
    store,
    [{ createIfNotExists: doc }],
    { transactionId: randomId(), dryRun: false, autoGenerateArrayKeys: false },
    transactionPartyOf(call),
  );
  const stored = transaction.changes.find((change) => change.id === id)?.after ?? store.get(id);
  return sendJson(call.req, call.res, 200, { document: stored });
}

async function writeDurably(file: string, bytes: Buffer): Promise<void> {
  // Uploads are the newsroom's unpublished material too: owner-only, like the data files.
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await writeFileAtomic(file, bytes, { mode: 0o600 });
}

/**
 * `GET /images/:projectId/:dataset/:file`: an uploaded image's bytes. Image URLs take Sanity's transform parameters
 * (`w`, `h`, `fit`, `rect`, `fm`, `auto=format`, ...; see image-transform.ts).
 */
export function serveImage(exchange: LakeExchange, { dataset, file }: Params<'dataset' | 'file'>): Promise<number> {
  return serveAsset(exchange, 'images', dataset, file);
}

/** `GET /files/:projectId/:dataset/:file`: an uploaded file's bytes. */
export function serveFile(exchange: LakeExchange, { dataset, file }: Params<'dataset' | 'file'>): Promise<number> {
  return serveAsset(exchange, 'files', dataset, file);
}

async function serveAsset(
  { ctx, req, res, url }: LakeExchange,
  kind: 'images' | 'files',
  datasetName: string,
  file: string,
): Promise<number> {
  const search = url.searchParams;
  // Image URLs carry the size (`<sha1>-<w>x<h>.<ext>`); the stored file is `<sha1>.<ext>`.
  const match = /^([0-9a-f]{40})(?:-\d+x\d+)?\.([a-z0-9]{1,10})$/.exec(file);
  if (match?.[1] === undefined || match[2] === undefined)
    throw apiError(
      404,
      `No asset "${file}": expected <sha1>${kind === 'images' ? '-<width>x<height>' : ''}.<extension>`,
    );
  const extension = match[2];
  const path = join(ctx.datasets.assetDirectory(datasetName), `${match[1]}.${extension}`);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch {
    throw apiError(404, `No asset "${file}" in dataset "${datasetName}"`);
  }
  let contentType = MIME_TYPES[extension] ?? 'application/octet-stream';
  const headers: Record<string, string> = {};
  if (kind === 'images' && wantsTransform(search)) {
    const transform = imageTransformFrom(search);
    const accept = headerValue(req.headers.accept) ?? '';
    if (transform.autoFormat) headers['vary'] = 'Accept';
    const transformed = await cachedTransform(ctx, path, bytes, extension, transform, search, accept);
    if (transformed !== undefined) ({ bytes, contentType } = transformed);
  }
  const dl = search.get('dl');
  if (dl !== null)
    headers['content-disposition'] = `attachment; filename="${(dl === '' ? file : dl).replace(/["\\\r\n]/g, '_')}"`;
  res.writeHead(200, {
    ...corsHeaders(req),
    ...headers,
    // Uploads are served from the API's own origin: an SVG (or anything a browser renders) must not run scripts
    // there, nor be sniffed into a type that would.
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox",
    'x-content-type-options': 'nosniff',
    'content-type': contentType,
    'content-length': String(bytes.length),
    'cache-control': 'public, max-age=31536000, immutable',
  });
  if (req.method === 'HEAD') res.end();
  else res.end(bytes);
  return 200;
}

/** Transformed images by file and parameters, newest last, at most this many bytes in all. */
const transformCache = new Map<string, { bytes: Buffer; contentType: string } | null>();
const TRANSFORM_CACHE_BYTES = 64 * 1024 * 1024;
let transformCacheBytes = 0;
let sharpWarned = false;

// Transforms run a few at a time: sharp holds a libuv thread per running pipeline, and the fsync that acknowledges
// every mutation needs one too. Others wait in a short queue; beyond it the lake answers 503 with Retry-After.
let runningTransforms = 0;
const waitingTransforms: (() => void)[] = [];

async function transformTurn(ctx: LakeContext): Promise<void> {
  if (runningTransforms < ctx.images.concurrency) {
    runningTransforms += 1;
    return;
  }
  if (waitingTransforms.length >= ctx.images.queue) {
    throw new LakeError(
      503,
      'image transforms busy',
      {
        error: {
          description: `The lake is busy with ${runningTransforms} image transforms and ${waitingTransforms.length} waiting; retry in a second`,
          type: 'serviceUnavailable',
        },
      },
      { 'retry-after': '1' },
    );
  }
  // The turn passes straight from the finishing transform to this one, so runningTransforms stays as it is.
  await new Promise<void>((resolve) => waitingTransforms.push(resolve));
}

function endTransformTurn(): void {
  const next = waitingTransforms.shift();
  if (next === undefined) runningTransforms -= 1;
  else next();
}

async function cachedTransform(
  ctx: LakeContext,
  path: string,
  bytes: Buffer,
  extension: string,
  transform: ImageTransform,
  search: URLSearchParams,
  accept: string,
): Promise<{ bytes: Buffer; contentType: string } | undefined> {
  const sharp = await loadSharp();
  if (sharp instanceof Error) {
    if (!sharpWarned) ctx.log(`lake: ${sharp.message}`);
    sharpWarned = true;
    return undefined;
  }
  const params = [...search].filter(([name]) => name !== 'dl').sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const key = `${path}?${new URLSearchParams(params).toString()}${transform.autoFormat && accept.includes('image/webp') ? '|webp' : ''}`;
  const cached = transformCache.get(key);
  if (cached !== undefined) {
    // Refresh its place: Map iteration order is insertion order, so the first entry is the least recently used.
    transformCache.delete(key);
    transformCache.set(key, cached);
    return cached ?? undefined;
  }
  let result: { bytes: Buffer; contentType: string } | undefined;
  await transformTurn(ctx);
  try {
    result = await transformImage(sharp, bytes, extension, transform, accept, ctx.images);
  } catch (error) {
    if (error instanceof LakeError) throw error;
    throw dataError(
      400,
      'imageTransformError',
      `Could not transform image "${path.split('/').pop() ?? path}" with ${new URLSearchParams(params).toString()}: ${error instanceof Error ? error.message : String(error)}`,
    );
  } finally {
    endTransformTurn();
  }
  transformCache.set(key, result ?? null);
  transformCacheBytes += result?.bytes.length ?? 0;
  for (const [oldKey, old] of transformCache) {
    if (transformCacheBytes <= TRANSFORM_CACHE_BYTES) break;
    transformCache.delete(oldKey);
    transformCacheBytes -= old?.bytes.length ?? 0;
  }
  return result;
}
