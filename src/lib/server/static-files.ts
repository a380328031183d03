import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.xml': 'application/xml; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The Content-Security-Policy of every page: the site has no JavaScript and no inline styles, so nothing but its own
 * stylesheet, images (its own, https ones such as Sanity's CDN, and `images` origins) and links to itself.
 */
export function contentSecurityPolicy(images: readonly string[] = []): string {
  return [
    "default-src 'none'",
    `img-src 'self' https: data:${images.map((origin) => ` ${origin}`).join('')}`,
    "style-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Headers every answer of a site server carries: the policy above, no MIME sniffing, no framing, no referrer leaks. */
export function securityHeaders(images: readonly string[] = []): Record<string, string> {
  return {
    'content-security-policy': contentSecurityPolicy(images),
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'strict-origin-when-cross-origin',
  };
}

/** Options for `serveStatic`. */
export interface StaticOptions {
  /** Origins besides the site's own that pages load images from (an http image host such as the local API). */
  imageOrigins?: readonly string[];
}

/**
 * Resolves a URL path (no query) to a file inside `root` (directory URLs to their index.html); undefined outside the
 * root, including through a symlink: the file's real path must lie inside the root's real path.
 */
export async function resolveStatic(root: string, urlPath: string): Promise<string | undefined> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const file = path.resolve(root, `.${path.posix.normalize(decoded)}`);
  if (!inside(root, file)) return undefined;
  const realRoot = await realpath(root).catch(() => undefined);
  const real = await realpath(file).catch(() => undefined);
  if (!realRoot || !real || !inside(realRoot, real)) return undefined;
  const info = await stat(real).catch(() => undefined);
  if (info?.isFile()) return real;
  if (info?.isDirectory()) {
    const index = await realpath(path.join(real, 'index.html')).catch(() => undefined);
    if (index && inside(realRoot, index) && (await stat(index).catch(() => undefined))?.isFile()) return index;
  }
  return undefined;
}

function inside(root: string, file: string): boolean {
  return file === root || file.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

/** Hashed build assets (`/_astro/<name>.<hash>.css`) never change under one name: caches may keep them for good. */
function cacheControl(pathname: string, file: string, status: number): string {
  if (status !== 200 || file.endsWith('.html')) return 'no-cache';
  return pathname.startsWith('/_astro/') ? 'public, max-age=31536000, immutable' : 'public, max-age=3600';
}

/**
 * Serves a built site from `root`: directory URLs map to index.html, a missing file gets the site's 404.html
 * with status 404. GET and HEAD only.
 */
export async function serveStatic(root: string, req: IncomingMessage, res: ServerResponse, options: StaticOptions = {}): Promise<void> {
  for (const [name, value] of Object.entries(securityHeaders(options.imageOrigins))) res.setHeader(name, value);
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  const pathname = (req.url ?? '/').split('?')[0] ?? '/';
  let file = await resolveStatic(root, pathname);
  let status = 200;
  // Astro writes /news/x/index.html; send /news/x to /news/x/ like static hosts do.
  if (!file && !pathname.endsWith('/') && !path.extname(pathname) && (await resolveStatic(root, `${pathname}/`))) {
    // One leading slash only: `//host/x` would be a link to another site.
    res.writeHead(301, { location: `/${pathname.replace(/^\/+/, '')}/` }).end();
    return;
  }
  if (!file) {
    file = await resolveStatic(root, '/404.html');
    status = 404;
  }
  if (!file) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found\n');
    return;
  }
  const info = await stat(file);
  res.writeHead(status, {
    'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
    'content-length': info.size,
    'cache-control': cacheControl(pathname, file, status),
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(file).pipe(res);
}
