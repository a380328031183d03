/**
 * The rebuild service's HTTP server in this process, on a real port: which paths it answers and how (webhooks
 * verified, counted and turned into build requests; comments with or without an endpoint; /status; the search index
 * from its own folder; the current build, or a 503 while there is none), and what a failing request gets.
 */
import { encodeSignatureHeader } from '@sanity/webhook';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { CommentsEndpoint } from '../../rebuild/comments.ts';
import { ServiceHttp, type HttpParts } from '../../rebuild/http.ts';
import { BuildRequests } from '../../rebuild/requests.ts';
import type { Build } from '../../rebuild/site-folders.ts';
import { WebhookVerifier } from '../../rebuild/webhook.ts';

// Every test takes about a second: a mutant that leaves a request unanswered fails here, not after minutes.
vi.setConfig({ testTimeout: 15_000, hookTimeout: 15_000 });

const SECRET = 'http-unit-test-secret';
const IMAGE_ORIGIN = 'http://127.0.0.1:9';
/** The headers every answer of the service carries (src/lib/server/static-files.ts). */
const SECURITY = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'strict-origin-when-cross-origin',
};

let tmp: string;
let buildA: Build;
let buildB: Build;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'rebuild-http-'));
  const site = async (name: string, home: string): Promise<Build> => {
    const dir = path.join(tmp, name);
    await mkdir(path.join(dir, 'pagefind'), { recursive: true });
    await writeFile(path.join(dir, 'index.html'), home);
    await writeFile(path.join(dir, 'pagefind', 'pagefind.js'), `// the build's own copy (${name})\n`);
    return { id: `build-${name}`, dir, revision: `rev-${name}`, ms: 1, finishedAt: '2026-01-01T00:00:00.000Z' };
  };
  buildA = await site('a', '<h1>Build A</h1>\n');
  buildB = await site('b', '<h1>Build B</h1>\n');
  await mkdir(path.join(tmp, 'search', 'pagefind'), { recursive: true });
  await writeFile(path.join(tmp, 'search', 'pagefind', 'pagefind.js'), '// the search index folder\n');
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** One server with its parts: what it logged, the build requests it made, and the build it serves (settable). */
interface Running {
  http: ServiceHttp;
  base: string;
  port: number;
  lines: string[];
  triggers: number;
  requests: BuildRequests;
  served: { build: Build | undefined };
}

/** `promise`, or a rejection naming `what` after `ms` (a server that never answers fails the test, quickly). */
function within<T>(promise: Promise<T>, what: string, ms = 5_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

const running: Running[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) {
    r.http.cut();
    await within(r.http.close(), 'close');
  }
});

async function start(parts: Partial<HttpParts> = {}): Promise<Running> {
  const lines: string[] = [];
  const served: { build: Build | undefined } = { build: buildA };
  const r = { lines, triggers: 0, served } as Running;
  r.requests = new BuildRequests(() => {
    r.triggers += 1;
  });
  r.http = new ServiceHttp({
    verifier: new WebhookVerifier({ secret: SECRET, maxBytes: 4096, maxAgeMs: 60_000 }),
    requests: r.requests,
    current: () => served.build,
    searchDir: path.join(tmp, 'search'),
    status: () => ({ state: 'fine', triggers: r.triggers }),
    imageOrigins: [IMAGE_ORIGIN],
    log: (line) => lines.push(line),
    ...parts,
  });
  r.port = await r.http.listen(0, '127.0.0.1');
  r.base = `http://127.0.0.1:${r.port}`;
  running.push(r);
  return r;
}

let instants = 0;
/** Posts a webhook delivery of `body`, signed now (each at its own instant) unless `signed` is false. */
async function deliver(
  r: Running,
  body: string,
  options: { key?: string; signed?: boolean; path?: string } = {},
): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.signed !== false)
    headers['sanity-webhook-signature'] = await encodeSignatureHeader(body, Date.now() - (instants += 1), SECRET);
  if (options.key) headers['idempotency-key'] = options.key;
  return fetch(`${r.base}${options.path ?? '/hooks/sanity'}`, { method: 'POST', headers, body });
}

function expectJsonHeaders(response: Response, text: string): void {
  expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(response.headers.get('cache-control')).toBe('no-store');
  expect(response.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
  expect(Object.fromEntries([...response.headers].filter(([name]) => name in SECURITY))).toEqual(SECURITY);
  expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
}

describe('webhooks at POST /hooks/sanity', () => {
  test('a signed delivery naming a document is accepted (202), counted, logged, and asks for a build of that document', async () => {
    const r = await start();
    r.requests.take();
    const response = await deliver(r, JSON.stringify({ _id: 'drafts.story-one', _type: 'story' }), { key: 'k-1' });
    const text = await response.text();
    expect(response.status).toBe(202);
    expect(text).toBe('{"status":"queued"}\n');
    expectJsonHeaders(response, text);
    expect(r.http.counts).toEqual({ accepted: 1, duplicates: 0, refused: 0 });
    expect(r.triggers).toBe(1);
    expect(r.lines).toEqual(['webhook k-1: drafts.story-one -> rebuild queued']);
    const taken = r.requests.take();
    expect([...(taken.hint ?? ['no hint'])]).toEqual(['story-one']);
    expect(Date.parse(taken.triggeredAt ?? '')).toBeGreaterThan(Date.now() - 10_000);
  });

  test('a delivery that names no document (no _id, a non-string one, a null body) asks for every change', async () => {
    const r = await start();
    const bodies = ['{"_type":"story"}', '{"_id":42}', 'null'];
    for (const [i, body] of bodies.entries()) {
      r.requests.take();
      const response = await deliver(r, body, { key: `k-${i}` });
      expect(response.status).toBe(202);
      // null: every change since the last full read, not only the named documents.
      expect(r.requests.take().hint).toBeNull();
    }
    expect(r.lines).toEqual(bodies.map((_, i) => `webhook k-${i}: change -> rebuild queued`));
    expect(r.http.counts).toEqual({ accepted: 3, duplicates: 0, refused: 0 });
    expect(r.triggers).toBe(3);
  });

  test('a delivery seen before is answered 200 "duplicate", counted, and asks for nothing', async () => {
    const r = await start();
    expect((await deliver(r, '{"_id":"story-a"}', { key: 'same' })).status).toBe(202);
    const again = await deliver(r, '{"_id":"story-b"}', { key: 'same' });
    const text = await again.text();
    expect(again.status).toBe(200);
    expect(text).toBe('{"status":"duplicate"}\n');
    expectJsonHeaders(again, text);
    expect(r.http.counts).toEqual({ accepted: 1, duplicates: 1, refused: 0 });
    expect(r.triggers).toBe(1);
    expect(r.lines[1]).toBe('webhook same: duplicate delivery, ignored');
  });

  test('a refused delivery gets the verifier’s status and reason as JSON, is counted and logged, and asks for nothing', async () => {
    const r = await start();
    const unsigned = await deliver(r, '{"_id":"story-a"}', { signed: false });
    const text = await unsigned.text();
    expect(unsigned.status).toBe(401);
    expect(text).toBe('{"error":"missing sanity-webhook-signature header"}\n');
    expectJsonHeaders(unsigned, text);
    // Any method reaches the verifier, which allows POST only; a query string does not change the path.
    const get = await fetch(`${r.base}/hooks/sanity?from=test`);
    expect(get.status).toBe(405);
    expect(await get.json()).toEqual({ error: 'use POST' });
    expect(r.http.counts).toEqual({ accepted: 0, duplicates: 0, refused: 2 });
    expect(r.triggers).toBe(0);
    expect(r.lines).toEqual([
      'webhook refused: 401 missing sanity-webhook-signature header',
      'webhook refused: 405 use POST',
    ]);
  });

  test('only the exact path is the webhook: a signed delivery elsewhere is the site’s (405 for a POST)', async () => {
    const r = await start();
    const response = await deliver(r, '{"_id":"story-a"}', { path: '/hooks/sanity/' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
    expect(r.http.counts).toEqual({ accepted: 0, duplicates: 0, refused: 0 });
    expect(r.triggers).toBe(0);
  });
});

describe('comments at /comments', () => {
  test('without an endpoint, any request is answered 503 with a plain page that is never cached', async () => {
    const r = await start();
    for (const method of ['POST', 'GET']) {
      const response = await fetch(`${r.base}/comments`, {
        method,
        ...(method === 'POST' ? { body: 'story=x&text=hello', headers: { 'content-type': 'text/plain' } } : {}),
      });
      expect(response.status).toBe(503);
      expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(Object.fromEntries([...response.headers].filter(([name]) => name in SECURITY))).toEqual(SECURITY);
      expect(await response.text()).toBe('This site does not take comments at the moment.\n');
    }
  });

  test('with an endpoint, the endpoint answers (and counts) every request to its path, and nothing else', async () => {
    const comments = new CommentsEndpoint({
      story: () => undefined,
      write: async () => {},
      origins: [],
      log: () => {},
    });
    const r = await start({ comments });
    const get = await fetch(`${r.base}/comments`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const wrongType = await fetch(`${r.base}/comments`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', origin: r.base, 'sec-fetch-site': 'same-origin' },
      body: 'hello',
    });
    expect(wrongType.status).toBe(415);
    expect(comments.counts.refused).toBe(1);
    // Another path under it is the site's.
    expect((await fetch(`${r.base}/comments/`)).status).toBe(404);
  });
});

test('GET /status answers what status() gives at the time of the request, as JSON that is never cached', async () => {
  const r = await start();
  const first = await fetch(`${r.base}/status`);
  const text = await first.text();
  expect(first.status).toBe(200);
  expect(JSON.parse(text)).toEqual({ state: 'fine', triggers: 0 });
  expectJsonHeaders(first, text);
  await deliver(r, '{"_id":"story-a"}');
  expect(await (await fetch(`${r.base}/status?x=1`)).json()).toEqual({ state: 'fine', triggers: 1 });
  // Served while there is no build too.
  r.served.build = undefined;
  expect((await fetch(`${r.base}/status`)).status).toBe(200);
});

describe('the site', () => {
  test('is the current build, taken again for every request, with the image origins in its policy', async () => {
    const r = await start();
    const a = await fetch(`${r.base}/`);
    expect(a.status).toBe(200);
    expect(await a.text()).toBe('<h1>Build A</h1>\n');
    expect(a.headers.get('content-security-policy')).toContain(`img-src 'self' https: data: ${IMAGE_ORIGIN};`);
    r.served.build = buildB;
    expect(await (await fetch(`${r.base}/`)).text()).toBe('<h1>Build B</h1>\n');
    const head = await fetch(`${r.base}/`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String('<h1>Build B</h1>\n'.length));
  });

  test('the search index comes from its own folder, not from the build', async () => {
    const r = await start();
    const index = await fetch(`${r.base}/pagefind/pagefind.js`);
    expect(index.status).toBe(200);
    expect(await index.text()).toBe('// the search index folder\n');
    // Pagefind's files run under the search page's policy.
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self' 'wasm-unsafe-eval'");
    // Without a build too: the index folder outlives builds.
    r.served.build = undefined;
    expect((await fetch(`${r.base}/pagefind/pagefind.js`)).status).toBe(200);
    // A path that only ends in /pagefind/... is the build's.
    r.served.build = buildA;
    expect((await fetch(`${r.base}/x/pagefind/pagefind.js`)).status).toBe(404);
  });

  test('while there is no build, pages are answered 503 with a retry time', async () => {
    const r = await start();
    r.served.build = undefined;
    const response = await fetch(`${r.base}/news/`);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(Object.fromEntries([...response.headers].filter(([name]) => name in SECURITY))).toEqual(SECURITY);
    expect(await response.text()).toBe('The site is being built. Try again in a few seconds.\n');
  });
});

describe('a request that fails', () => {
  test('before answering gets a 500 JSON error, and the failure is logged', async () => {
    const r = await start({
      status: () => {
        throw new Error('status broke');
      },
      current: () => {
        // Not an Error: logged as it converts to text.
        // eslint-disable-next-line @typescript-eslint/only-throw-error
        throw 'no current build';
      },
    });
    const status = await fetch(`${r.base}/status`);
    const text = await status.text();
    expect(status.status).toBe(500);
    expect(text).toBe('{"error":"internal error"}\n');
    expectJsonHeaders(status, text);
    expect((await fetch(`${r.base}/`)).status).toBe(500);
    expect(r.lines).toEqual(['request failed: status broke', 'request failed: no current build']);
    // The server keeps going.
    expect((await fetch(`${r.base}/pagefind/pagefind.js`)).status).toBe(200);
  });

  test('after its headers were sent ends the connection', async () => {
    class Broken extends CommentsEndpoint {
      override async handle(_req: IncomingMessage, res: ServerResponse): Promise<void> {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('partial');
        await new Promise((resolve) => setTimeout(resolve, 20));
        throw new Error('broke mid-answer');
      }
    }
    const comments = new Broken({ story: () => undefined, write: async () => {}, origins: [], log: () => {} });
    const r = await start({ comments });
    const cut = new Promise<string>((resolve) => {
      const req = request(`${r.base}/comments`, { method: 'POST' }, (res) => {
        res.on('data', () => {});
        res.on('end', () => resolve(`ended ${res.statusCode}`));
        res.on('error', () => resolve(`cut ${res.statusCode}`));
        res.on('aborted', () => resolve(`cut ${res.statusCode}`));
      });
      req.on('error', (error) => resolve(`error ${error.message}`));
      req.end();
    });
    // At once, not when the connection would time out.
    expect(await within(cut, 'the cut', 3_000)).toBe('cut 200');
    expect(r.lines).toEqual(['request failed: broke mid-answer']);
  });
});

describe('listening and closing', () => {
  test('listen resolves with the port; a port in use rejects', async () => {
    const r = await start();
    expect(r.port).toBeGreaterThan(0);
    const other = new ServiceHttp({
      verifier: new WebhookVerifier({ secret: SECRET, maxBytes: 10, maxAgeMs: 1000 }),
      requests: new BuildRequests(() => {}),
      current: () => undefined,
      searchDir: tmp,
      status: () => null,
      imageOrigins: [],
      log: () => {},
    });
    await expect(within(other.listen(r.port, '127.0.0.1'), 'listen')).rejects.toThrow(/EADDRINUSE/);
  });

  test('close waits for open requests; cut ends them, a stuck sender’s too', async () => {
    const r = await start();
    running.splice(running.indexOf(r), 1);
    // A webhook whose body never finishes arriving.
    const stuck = request(`${r.base}/hooks/sanity`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': '100' },
    });
    const ended = new Promise<string>((resolve) => {
      stuck.on('error', (error) => resolve(error.message));
      stuck.on('response', (res) => resolve(`answered ${res.statusCode}`));
    });
    stuck.write('{"_id":');
    await new Promise((resolve) => setTimeout(resolve, 100));
    let closed = false;
    const closing = r.http.close().then(() => {
      closed = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(closed).toBe(false);
    r.http.cut();
    await within(closing, 'close after cut');
    expect(closed).toBe(true);
    expect(await within(ended, 'the stuck request')).toBe('socket hang up');
  });
});
