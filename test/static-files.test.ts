import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  contentSecurityPolicy,
  contentType,
  resolveStatic,
  securityHeaders,
  serveStatic,
} from '../src/lib/server/static-files.ts';

/** One answer of the server, read whole. */
interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

let base: string;
let server: Server;
let port: number;

/** A request sent as written (fetch would resolve `..` and `%2e%2e` before sending). */
function get(target: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const { method = 'GET', headers } = options;
    const req = request({ host: '127.0.0.1', port, path: target, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('error', reject);
    // A server that never answers fails the test in seconds, not at the test's time limit.
    req.setTimeout(5000, () => req.destroy(new Error(`no answer to ${method} ${target} in 5 s`)));
    req.end();
  });
}

/** A built site in `dir` whose pages name `tag`, with symlinks out of it. */
async function site(dir: string, tag: string): Promise<void> {
  await mkdir(path.join(dir, '_astro'), { recursive: true });
  await mkdir(path.join(dir, 'news', 'x'), { recursive: true });
  await writeFile(path.join(dir, 'index.html'), `<p>home ${tag}</p>`);
  await writeFile(path.join(dir, '404.html'), `<p>not found ${tag}</p>`);
  await writeFile(path.join(dir, 'news', 'x', 'index.html'), `<p>story ${tag}</p>`);
  await writeFile(path.join(dir, '_astro', 'site.abc123.css'), 'p{}');
  await writeFile(path.join(dir, 'favicon.ico'), 'ico');
  await writeFile(path.join(dir, 'data.json'), '{}');
  await writeFile(path.join(dir, 'big.txt'), '0123456789'.repeat(10));
  await writeFile(path.join(dir, 'q?x.txt'), 'question');
  await symlink('/etc/passwd', path.join(dir, 'passwd.txt'));
  await symlink('/etc', path.join(dir, 'etc'));
  // A server that cut a path at `?` would make `/q?x.txt` this link.
  await symlink('/etc/passwd', path.join(dir, 'q'));
}

beforeAll(async () => {
  base = await mkdtemp(path.join(tmpdir(), 'static-files-'));
  await site(path.join(base, 'a'), 'A');
  await site(path.join(base, 'b'), 'B');
  // Served through a symlink, as the rebuild service serves `current`.
  await symlink('a', path.join(base, 'live'));
  const options = { imageOrigins: ['http://images.test'] };
  server = createServer((req, res) => void serveStatic(path.join(base, 'live'), req, res, options));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(base, { recursive: true, force: true });
});

describe('serveStatic', () => {
  test('pages, assets and the 404 page with their types, lengths and caching; security headers on every answer', async () => {
    const home = await get('/');
    expect(home).toMatchObject({ status: 200, body: '<p>home A</p>' });
    expect(home.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'content-length': '13',
      'cache-control': 'no-cache',
    });
    expect(home.headers['content-security-policy']).toContain("img-src 'self' https: data: http://images.test;");
    expect(home.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY' });
    expect(home.headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
    for (const target of ['/news/x/', '/news/x', '/news/x/index.html'])
      expect((await get(target)).body, target).toBe('<p>story A</p>');
    const css = await get('/_astro/site.abc123.css');
    expect(css.headers).toMatchObject({
      'content-type': 'text/css; charset=utf-8',
      'cache-control': 'public, max-age=31536000, immutable',
    });
    expect((await get('/favicon.ico')).headers).toMatchObject({
      'content-type': 'image/x-icon',
      'cache-control': 'public, max-age=3600',
    });
    expect((await get('/data.json')).headers['content-type']).toBe('application/json');
    const missing = await get('/no-such-page/');
    expect(missing).toMatchObject({ status: 404, body: '<p>not found A</p>' });
    expect(missing.headers).toMatchObject({ 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' });
    expect(missing.headers['x-frame-options']).toBe('DENY');
  });

  test('only the search page and the search index may run scripts (their own and WebAssembly); fetches stay on the site', async () => {
    for (const target of ['/search/', '/search', '/search/index.html', '/search/?q=x', '/pagefind/pagefind.js']) {
      const policy = (await get(target)).headers['content-security-policy'];
      expect(policy, target).toContain("script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'");
      expect(policy, target).not.toContain('unsafe-inline');
    }
    for (const target of ['/', '/news/x/', '/no-such-page/', '/searching/', '/news/search/']) {
      const policy = (await get(target)).headers['content-security-policy'];
      expect(policy, target).not.toMatch(/script-src/);
      expect(policy, target).toMatch(/(^|; )default-src 'none';.*; connect-src 'self'(;|$)/);
    }
  });

  test('HEAD answers the headers without the body; other methods 405', async () => {
    const head = await get('/', { method: 'HEAD' });
    expect(head).toMatchObject({ status: 200, body: '' });
    expect(head.headers['content-length']).toBe('13');
    const post = await get('/', { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers).toMatchObject({ allow: 'GET, HEAD', 'x-content-type-options': 'nosniff' });
  });

  test('no way out of the root: symlinks, `..`, encoded dots and slashes, NUL, a name with `?`', async () => {
    const targets = ['/passwd.txt', '/etc/passwd', '/etc/', '/../../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd'];
    for (const target of [...targets, '/..%2f..%2f..%2fetc%2fpasswd', '/index.html%00']) {
      const answer = await get(target);
      expect(answer.status, target).toBe(404);
      expect(answer.body, target).not.toContain('root:');
    }
    // A `?` in a name, encoded, names that file, not the symlink `q`.
    expect((await get('/q%3Fx.txt')).body).toBe('question');
  });

  test('a Range header is ignored: the whole file', async () => {
    for (const range of ['bytes=0-4', 'bytes=-5', 'bytes=5-2']) {
      const answer = await get('/big.txt', { headers: { range } });
      expect(answer.status, range).toBe(200);
      expect(answer.body, range).toHaveLength(100);
    }
  });

  test('a root that is a symlink serves its current target after the symlink moves', async () => {
    expect((await get('/news/x/')).body).toBe('<p>story A</p>');
    await symlink('b', path.join(base, 'live.next'));
    await rename(path.join(base, 'live.next'), path.join(base, 'live'));
    try {
      expect((await get('/news/x/')).body).toBe('<p>story B</p>');
      expect((await get('/missing')).body).toBe('<p>not found B</p>');
    } finally {
      await symlink('a', path.join(base, 'live.next'));
      await rename(path.join(base, 'live.next'), path.join(base, 'live'));
    }
  });
});

describe('security headers', () => {
  const POLICY =
    "default-src 'none'; img-src 'self' https: data:; style-src 'self'; connect-src 'self'; base-uri 'none'; " +
    "form-action 'self'; frame-ancestors 'none'";

  test('the policy of every page, written out; image origins added; scripts and WebAssembly on the search page only', () => {
    expect(contentSecurityPolicy()).toBe(POLICY);
    expect(contentSecurityPolicy(['http://a.test', 'http://b.test'])).toBe(
      POLICY.replace('data:;', 'data: http://a.test http://b.test;'),
    );
    expect(contentSecurityPolicy([], true)).toBe(
      POLICY.replace("style-src 'self';", "style-src 'self'; script-src 'self' 'wasm-unsafe-eval';"),
    );
  });

  test('every answer: the policy for its path, no sniffing, no framing, no referrer across origins', () => {
    const rest = {
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'strict-origin-when-cross-origin',
    };
    expect(securityHeaders()).toEqual({ 'content-security-policy': POLICY, ...rest });
    expect(securityHeaders([], '/search/')).toEqual({
      'content-security-policy': contentSecurityPolicy([], true),
      ...rest,
    });
  });
});

describe('resolveStatic', () => {
  test('a malformed escape, a folder without index.html, a missing root: nothing', async () => {
    const root = path.join(base, 'a');
    await mkdir(path.join(root, 'empty'), { recursive: true });
    expect(await resolveStatic(root, '/%E0%A4%A')).toBeUndefined();
    expect(await resolveStatic(root, '/empty/')).toBeUndefined();
    expect(await resolveStatic(path.join(base, 'nowhere'), '/index.html')).toBeUndefined();
    expect(await resolveStatic(root, '/news/x')).toMatchObject({ file: path.join(root, 'news', 'x', 'index.html') });
  });

  test("a link to a sibling folder whose name starts with the root's is outside the root", async () => {
    const root = path.join(base, 'site');
    await mkdir(path.join(base, 'site-private'), { recursive: true });
    await mkdir(root, { recursive: true });
    await writeFile(path.join(base, 'site-private', 'secret.txt'), 'secret');
    await symlink('../site-private/secret.txt', path.join(root, 'secret.txt'));
    expect(await resolveStatic(root, '/secret.txt')).toBeUndefined();
  });

  test('an index.html that is a link out of the root is not served', async () => {
    const root = path.join(base, 'linked');
    await mkdir(path.join(root, 'section'), { recursive: true });
    await symlink('/etc/passwd', path.join(root, 'section', 'index.html'));
    expect(await resolveStatic(root, '/section/')).toBeUndefined();
  });
});

describe('serveStatic without a 404 page', () => {
  test('a missing file is a plain-text 404', async () => {
    const root = path.join(base, 'bare');
    await mkdir(root, { recursive: true });
    const bare = createServer((req, res) => void serveStatic(root, req, res));
    await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
    const saved = port;
    port = (bare.address() as AddressInfo).port;
    try {
      const answer = await get('/missing');
      expect(answer).toMatchObject({ status: 404, body: 'Not found\n' });
      expect(answer.headers['content-type']).toBe('text/plain; charset=utf-8');
    } finally {
      port = saved;
      await new Promise((resolve) => bare.close(resolve));
    }
  });
});

describe('contentType', () => {
  test.each([
    ['index.html', 'text/html; charset=utf-8'],
    ['app.js', 'text/javascript; charset=utf-8'],
    ['app.mjs', 'text/javascript; charset=utf-8'],
    ['notes.txt', 'text/plain; charset=utf-8'],
    ['feed.xml', 'application/xml; charset=utf-8'],
    ['logo.svg', 'image/svg+xml'],
    ['favicon.ico', 'image/x-icon'],
    ['font.woff2', 'font/woff2'],
    ['app.js.map', 'application/json'],
    ['blob', 'application/octet-stream'],
    ['dir.css/blob', 'application/octet-stream'],
  ])('%s: %s', (file, type) => {
    expect(contentType(file)).toBe(type);
  });
});
