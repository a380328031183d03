import { open, readFile, realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { lookup } from 'mrmime';

/** Types mrmime lacks (`.ico`) or gives otherwise than the site has always been served with (feeds and sitemaps). */
const OWN_TYPES: Record<string, string> = { '.ico': 'image/x-icon', '.xml': 'application/xml; charset=utf-8' };

/**
 * The content type of a file, by its extension from mrmime's table (with the site's own above), with
 * charset=utf-8 on text types: every text file served here is UTF-8. application/octet-stream when unknown.
 */
export function contentType(file: string): string {
  const extension = path.extname(file);
  const own = OWN_TYPES[extension];
  if (own) return own;
  const type = lookup(extension) ?? 'application/octet-stream';
  return type.startsWith('text/') ? `${type}; charset=utf-8` : type;
}

/** The search page, the one page with JavaScript (its own script and Pagefind's, which runs WebAssembly). */
export const SEARCH_PAGE = '/search/';

/**
 * The Content-Security-Policy of every page: the site has no JavaScript and no inline styles, so nothing but its own
 * stylesheet, images (its own, https ones such as Sanity's CDN, and `images` origins) and links to itself. With
 * `search`, the search page's: also its own scripts and compiling WebAssembly. Fetching from the site itself is
 * allowed everywhere: where no script may run it grants a page nothing, and tools that check a page from inside it
 * (Lighthouse reads `/robots.txt` so) need it; the search page fetches its index so.
 */
export function contentSecurityPolicy(images: readonly string[] = [], search = false): string {
  return [
    "default-src 'none'",
    `img-src 'self' https: data:${images.map((origin) => ` ${origin}`).join('')}`,
    "style-src 'self'",
    ...(search ? ["script-src 'self' 'wasm-unsafe-eval'"] : []),
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * Headers every answer of a site server carries: the policy above (the search page's for `pathname` /search/), no
 * MIME sniffing, no framing, no referrer leaks.
 */
export function securityHeaders(images: readonly string[] = [], pathname = ''): Record<string, string> {
  return {
    'content-security-policy': contentSecurityPolicy(images, isSearchPage(pathname)),
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'strict-origin-when-cross-origin',
  };
}

/**
 * Whether a URL path gets the search page's policy: the page (/search/, /search, /search/index.html), and Pagefind's
 * files in /pagefind/, whose worker script runs under the policy it is served with.
 */
export function isSearchPage(pathname: string): boolean {
  return (
    pathname === SEARCH_PAGE ||
    pathname === '/search' ||
    pathname === '/search/index.html' ||
    pathname.startsWith('/pagefind/')
  );
}

/** Options for `serveStatic`. */
export interface StaticOptions {
  /** Origins besides the site's own that pages load images from (an http image host such as the local API). */
  imageOrigins?: readonly string[];
}

/** A file a URL names: its real path, and the real path of the root it lies in. */
export interface StaticFile {
  root: string;
  file: string;
}

/**
 * Resolves a URL path (no query) to a file inside `root` (directory URLs, with or without the trailing slash, to
 * their index.html); undefined outside the root, including through a symlink: the file's real path must lie inside
 * the root's real path.
 */
export async function resolveStatic(root: string, urlPath: string): Promise<StaticFile | undefined> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  // Stryker disable next-line ConditionalExpression: the file system refuses a path with NUL as well (defence in depth)
  if (decoded.includes('\0')) return undefined;
  const file = path.resolve(root, `.${path.posix.normalize(decoded)}`);
  // Stryker disable next-line ConditionalExpression: the real paths are checked below as well (defence in depth)
  if (!inside(root, file)) return undefined;
  const realRoot = await realpath(root).catch(() => undefined);
  const real = await realpath(file).catch(() => undefined);
  if (!realRoot || !real || !inside(realRoot, real)) return undefined;
  const info = await stat(real).catch(() => undefined);
  // Stryker disable next-line OptionalChaining: stat fails only if the file went away since realpath (a race)
  if (info?.isFile()) return { root: realRoot, file: real };
  // Stryker disable next-line OptionalChaining,ConditionalExpression: neither file nor folder has no index.html in it either
  if (info?.isDirectory()) {
    const index = await realpath(path.join(real, 'index.html')).catch(() => undefined);
    const indexInfo = index && inside(realRoot, index) ? await stat(index).catch(() => undefined) : undefined;
    if (index && indexInfo?.isFile()) return { root: realRoot, file: index };
  }
  return undefined;
}

function inside(root: string, file: string): boolean {
  return file === root || file.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

/** Hashed build assets (`/_astro/<name>.<hash>.css`) never change under one name: caches may keep them for good. */
function cacheControl(pathname: string, file: string): string {
  if (file.endsWith('.html')) return 'no-cache';
  return pathname.startsWith('/_astro/') ? 'public, max-age=31536000, immutable' : 'public, max-age=3600';
}

/**
 * Serves a built site from `root`: directory URLs map to index.html, a missing file gets the site's 404.html
 * with status 404. GET and HEAD only. `root` may be a symlink: it is resolved again for every request.
 */
export async function serveStatic(
  root: string,
  req: IncomingMessage,
  res: ServerResponse,
  options: StaticOptions = {},
): Promise<void> {
  // Stryker disable next-line StringLiteral: Node's server always gives a url, and split always a first part
  const pathname = (req.url ?? '/').split('?')[0] ?? '/';
  for (const [name, value] of Object.entries(securityHeaders(options.imageOrigins, pathname)))
    res.setHeader(name, value);
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  const found = await resolveStatic(root, pathname);
  if (found) {
    const headers = { 'content-type': contentType(found.file), 'cache-control': cacheControl(pathname, found.file) };
    if (await sendFile(found, req, res, headers)) return;
  }
  await sendNotFound(root, res);
}

/**
 * Sends the file `found` names, whole (a Range header is ignored), with `headers` and its length. The file is opened
 * before the answer starts, so one gone since it was resolved is a 404 (false), and a read that fails later ends
 * the answer, never the server. HEAD sends the headers only.
 */
async function sendFile(
  found: StaticFile,
  req: IncomingMessage,
  res: ServerResponse,
  headers: Record<string, string>,
): Promise<boolean> {
  const handle = await open(found.file, 'r').catch(() => undefined);
  // Stryker disable next-line BooleanLiteral,ConditionalExpression: a file removed since it was resolved (a race no test can time)
  if (!handle) return false;
  const info = await handle.stat();
  res.writeHead(200, { ...headers, 'content-length': info.size });
  // Stryker disable next-line ConditionalExpression,StringLiteral,BlockStatement: Node sends no body to HEAD either; this spares reading the file
  if (req.method === 'HEAD') {
    await handle.close();
    res.end();
    return true;
  }
  const stream = handle.createReadStream();
  // Stryker disable next-line StringLiteral,ArrowFunction: a read failing after the answer started (a disk error no test can cause)
  stream.on('error', () => res.destroy());
  stream.pipe(res);
  return true;
}

/** The site's 404.html with status 404, or a line of text when the site has none. */
async function sendNotFound(root: string, res: ServerResponse): Promise<void> {
  const page = await resolveStatic(root, '/404.html');
  if (!page) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found\n');
    return;
  }
  const body = await readFile(page.file);
  const headers = {
    'content-type': contentType(page.file),
    'content-length': body.length,
    'cache-control': 'no-cache',
  };
  res.writeHead(404, headers).end(body);
}
