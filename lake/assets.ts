import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { writeFileAtomic } from '../src/lib/atomic-write.ts';
import { requireAuthenticated, requireWriter } from './auth.ts';
import { transactionPartyOf, type LakeCall, type LakeContext, type LakeExchange } from './context.ts';
import { apiError, dataError, LakeError } from './errors.ts';
import { corsHeaders, headerValue, readBytes, sendJson } from './http.ts';
import { randomId } from './ids.ts';
import { imageTransformFrom, loadSharp, transformImage, wantsTransform, type ImageTransform } from './image-transform.ts';
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

/** Reads an image's format and pixel size from its first bytes (PNG, JPEG, GIF, WebP, SVG); undefined if unknown. */
export function imageSize(bytes: Buffer): { format: ImageFormat; width: number; height: number } | undefined {
  if (bytes.length >= 24 && bytes.readUInt32BE(0) === 0x89504e47 && bytes.toString('ascii', 12, 16) === 'IHDR') {
    return { format: 'png', width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
  }
  if (bytes.length >= 10 && /^GIF8[79]a$/.test(bytes.toString('ascii', 0, 6))) {
    return { format: 'gif', width: bytes.readUInt16LE(6), height: bytes.readUInt16LE(8) };
  }
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8) return jpegSize(bytes);
  if (bytes.length >= 30 && bytes.toString('ascii', 0, 4) === 'RIFF' && bytes.toString('ascii', 8, 12) === 'WEBP') return webpSize(bytes);
  const head = bytes.toString('utf8', 0, Math.min(bytes.length, 4096));
  if (/<svg[\s>]/.test(head)) return svgSize(head);
  return undefined;
}

function jpegSize(bytes: Buffer): { format: 'jpg'; width: number; height: number } | undefined {
  let offset = 2;
  while (offset + 9 < bytes.length) {
    if (bytes[offset] !== 0xff) return undefined;
    const marker = bytes[offset + 1] ?? 0;
    if (marker === 0xff) {
      offset += 1; // fill byte
      continue;
    }
    // SOF0..SOF15 carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but do not.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { format: 'jpg', height: bytes.readUInt16BE(offset + 5), width: bytes.readUInt16BE(offset + 7) };
    }
    offset += 2 + bytes.readUInt16BE(offset + 2);
  }
  return undefined;
}

function webpSize(bytes: Buffer): { format: 'webp'; width: number; height: number } | undefined {
  const chunk = bytes.toString('ascii', 12, 16);
  if (chunk === 'VP8 ') return { format: 'webp', width: bytes.readUInt16LE(26) & 0x3fff, height: bytes.readUInt16LE(28) & 0x3fff };
  if (chunk === 'VP8L') {
    const bits = bytes.readUInt32LE(21);
    return { format: 'webp', width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X') return { format: 'webp', width: bytes.readUIntLE(24, 3) + 1, height: bytes.readUIntLE(27, 3) + 1 };
  return undefined;
}

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
  throw apiError(404, `No route for ${call.method} /${call.segments.join('/')}: expected /assets/images/:dataset or /assets/files/:dataset`);
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
    if (size === undefined) throw dataError(400, 'invalidImageError', `Invalid image${filename === undefined ? '' : ` "${filename}"`}: could not read its format and size (the lake reads PNG, JPEG, GIF, WebP and SVG)`);
    extension = size.format;
    id = `image-${sha1}-${size.width}x${size.height}-${extension}`;
    path = `images/${call.projectId}/${datasetName}/${sha1}-${size.width}x${size.height}.${extension}`;
    extra = {
      metadata: {
        _type: 'sanity.imageMetadata',
        dimensions: { _type: 'sanity.imageDimensions', width: size.width, height: size.height, aspectRatio: size.width / size.height },
      },
    };
  } else {
    extension = extname(filename ?? '').slice(1).toLowerCase() || 'bin';
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
  const base = call.ctx.publicUrl ?? `http://${headerValue(call.req.headers.host) ?? headerValue(call.req.headers[':authority']) ?? '127.0.0.1'}`;
  const doc: SanityDoc = {
    _id: id,
    _type: kind === 'images' ? 'sanity.imageAsset' : 'sanity.fileAsset',
    assetId: sha1,
    extension,
    mimeType: kind === 'images' ? (MIME_TYPES[extension] ?? 'application/octet-stream') : (headerValue(call.req.headers['content-type']) ?? MIME_TYPES[extension] ?? 'application/octet-stream'),
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
  if (sourceName !== null) doc['source'] = { id: call.search.get('sourceId'), name: sourceName, url: call.search.get('sourceUrl') };
  const transaction = await runTransaction(store, [{ createIfNotExists: doc }], { transactionId: randomId(), dryRun: false, autoGenerateArrayKeys: false }, transactionPartyOf(call));
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

async function serveAsset({ ctx, req, res, url }: LakeExchange, kind: 'images' | 'files', datasetName: string, file: string): Promise<number> {
  const search = url.searchParams;
  // Image URLs carry the size (`<sha1>-<w>x<h>.<ext>`); the stored file is `<sha1>.<ext>`.
  const match = /^([0-9a-f]{40})(?:-\d+x\d+)?\.([a-z0-9]{1,10})$/.exec(file);
  if (match?.[1] === undefined || match[2] === undefined) throw apiError(404, `No asset "${file}": expected <sha1>${kind === 'images' ? '-<width>x<height>' : ''}.<extension>`);
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
  if (dl !== null) headers['content-disposition'] = `attachment; filename="${(dl === '' ? file : dl).replace(/["\\\r\n]/g, '_')}"`;
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
    throw new LakeError(503, 'image transforms busy', { error: { description: `The lake is busy with ${runningTransforms} image transforms and ${waitingTransforms.length} waiting; retry in a second`, type: 'serviceUnavailable' } }, { 'retry-after': '1' });
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
    throw dataError(400, 'imageTransformError', `Could not transform image "${path.split('/').pop() ?? path}" with ${new URLSearchParams(params).toString()}: ${error instanceof Error ? error.message : String(error)}`);
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
