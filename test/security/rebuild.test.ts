import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encodeSignatureHeader } from '@sanity/webhook';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ROOT,
  runScript,
  SECRET,
  sleep,
  startRebuildStack,
  type Child,
  type RebuildStack,
} from '../../e2e/rebuild/harness.ts';

// Attacks on the rebuild service (`scripts/serve.ts`, a real child process reading a real lake) and on the static
// server (`scripts/static.ts`) and the build (`scripts/build.ts`), as an outsider would make them.

/** Small limits, so that the timeouts are seen in seconds (the defaults are 10 s and 30 s). */
const REQUEST_MS = 1_500;
const IDLE_MS = 1_000;
/** How long past a limit a connection may stay open: Node checks request deadlines on an interval. */
const SLACK_MS = 1_500;

let stack: RebuildStack;

beforeAll(async () => {
  stack = await startRebuildStack({
    env: { SERVE_REQUEST_TIMEOUT_MS: String(REQUEST_MS), SERVE_IDLE_TIMEOUT_MS: String(IDLE_MS) },
  });
}, 180_000);
afterAll(async () => {
  await stack?.close();
});

const suffix = () => randomBytes(4).toString('hex');
const ref = (id: string) => ({ _type: 'reference', _ref: id, _key: randomBytes(6).toString('hex') });

/** A valid published story, as the Studio writes it. */
function storyDocument(slug: string) {
  return {
    _id: `story-${slug}`,
    _type: 'story',
    title: `A story published after an invalid one (${slug})`,
    slug: { _type: 'slug', current: slug },
    dek: 'Written by the security tests.',
    publishedAt: new Date().toISOString(),
    section: { _type: 'reference', _ref: 'section-science' },
    tags: [ref('tag-space')],
    authors: [ref('author-priya-raman')],
    body: [
      {
        _type: 'block',
        _key: 'b1',
        style: 'normal',
        markDefs: [],
        children: [{ _type: 'span', _key: 's1', text: 'A body.', marks: [] }],
      },
    ],
  };
}

/** Opens a TCP connection; `closed` resolves with the milliseconds from open to close. */
async function openSocket(url: string): Promise<{ socket: Socket; closed: Promise<number> }> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const opened = Date.now();
  socket.on('error', () => {});
  socket.resume();
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - opened)));
  return { socket, closed };
}

/** Whether `promise` settles within `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'still open'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'still open'>((resolve) => (timer = setTimeout(() => resolve('still open'), ms)));
  const result = await Promise.race([promise, late]);
  clearTimeout(timer);
  return result;
}

/** Idle sockets and a slow-loris request against the server at `url`: all must be closed within the limits. */
async function expectConnectionsBounded(url: string, requestMs: number, idleMs: number): Promise<void> {
  const idle = await Promise.all(Array.from({ length: 500 }, () => openSocket(url)));
  // Headers sent one byte at a time, never finished.
  const lorisHeaders = await openSocket(url);
  // Headers complete, then a body that trickles: a byte every 200 ms, never reaching its declared length.
  const lorisBody = await openSocket(url);
  lorisBody.socket.write(
    'POST /hooks/sanity HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n',
  );
  const head = 'GET / HTTP/1.1\r\nhost: x\r\nx-slow: ';
  let i = 0;
  const drip = setInterval(() => {
    if (!lorisHeaders.socket.destroyed) lorisHeaders.socket.write(i < head.length ? (head[i] ?? 'a') : 'a');
    if (!lorisBody.socket.destroyed) lorisBody.socket.write('a');
    i += 1;
  }, 200);
  try {
    const idleClosed = await within(Promise.all(idle.map((s) => s.closed)), idleMs + SLACK_MS);
    expect(idleClosed, `500 sockets that sent nothing are closed within ${idleMs + SLACK_MS} ms`).not.toBe(
      'still open',
    );
    expect(await within(lorisHeaders.closed, requestMs + SLACK_MS), 'a slow-loris header is cut off').not.toBe(
      'still open',
    );
    expect(await within(lorisBody.closed, requestMs + SLACK_MS), 'a slow-loris body is cut off').not.toBe('still open');
  } finally {
    clearInterval(drip);
    for (const s of [...idle, lorisHeaders, lorisBody]) s.socket.destroy();
  }
  // The server still answers.
  expect((await fetch(`${url}/`)).status).toBe(200);
}

/** The headers every answer of the site carries. */
function expectSecurityHeaders(response: Response): void {
  const csp = response.headers.get('content-security-policy') ?? '';
  for (const directive of [
    "default-src 'none'",
    "style-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ])
    expect(csp).toContain(directive);
  expect(csp).not.toContain('unsafe-inline');
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  expect(response.headers.get('x-frame-options')).toBe('DENY');
  expect(response.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
}

describe('the rebuild service', () => {
  test('an invalid story written through the API does not stop the next publish; /status and the log name its _id and field', async () => {
    const before = await stack.settle();
    const invalid = `story-sec-invalid-${suffix()}`;
    // A story with only a title: the Studio would refuse to publish it, the API does not.
    await stack.client.create({ _id: invalid, _type: 'story', title: 'Only a title' });
    const slug = `sec-valid-${suffix()}`;
    try {
      await stack.client.create(storyDocument(slug));
      const after = await stack.settle();
      expect((await fetch(`${stack.service.url}/news/${slug}/`)).status, 'the valid story is live').toBe(200);
      expect(after.build?.revision).toBe(after.contentRevision);
      expect(after.lastFailure?.at, 'no build failed').toBe(before.lastFailure?.at);
      expect(after.rejected).toContainEqual({
        id: invalid,
        field: 'dek',
        message: expect.any(String),
        serving: 'left out',
      });
      expect(stack.service.output()).toContain(`${invalid} → dek`);
    } finally {
      await stack.client.delete(invalid);
    }
    expect((await stack.settle()).rejected).toEqual([]);
  });

  test('a section edited into an invalid state keeps its last valid version; a story published in it goes live', async () => {
    await stack.settle();
    const section = await stack.client.getDocument<{ name: string }>('section-science');
    expect(section?.name).toEqual(expect.any(String));
    await stack.client.patch('section-science').unset(['name']).commit();
    const slug = `sec-in-science-${suffix()}`;
    try {
      await stack.client.create(storyDocument(slug));
      const after = await stack.settle();
      const page = await fetch(`${stack.service.url}/news/${slug}/`);
      expect(page.status, 'the story in the broken section is live').toBe(200);
      expect(await page.text(), "under the section's last valid name").toContain(`>${section?.name ?? ''}<`);
      expect(after.rejected).toContainEqual({
        id: 'section-science',
        field: 'name',
        message: expect.any(String),
        serving: 'last valid version',
      });
    } finally {
      await stack.client
        .patch('section-science')
        .set({ name: section?.name ?? 'Science' })
        .commit();
    }
    expect((await stack.settle()).rejected).toEqual([]);
  });

  test('a captured webhook replayed with a new idempotency-key is ignored', async () => {
    await stack.settle();
    const body = JSON.stringify({ _id: 'story-artemis-ii-launch-window', _type: 'story' });
    const signature = await encodeSignatureHeader(body, Date.now(), SECRET);
    const send = (key: string) =>
      fetch(`${stack.service.url}/hooks/sanity`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'sanity-webhook-signature': signature, 'idempotency-key': key },
        body,
      });
    const first = await send(`captured-${suffix()}`);
    expect(first.status).toBe(202);
    const counted = (await stack.settle()).webhooks;
    for (let i = 0; i < 3; i++) {
      const replay = await send(`replayed-${suffix()}`);
      expect(replay.status).toBe(200);
      expect(await replay.json()).toEqual({ status: 'duplicate' });
    }
    const after = await stack.service.status();
    expect(after.webhooks.accepted, 'no replay was queued').toBe(counted.accepted);
    expect(after.webhooks.duplicates).toBe(counted.duplicates + 3);
    expect(after.queue.pending).toBe(false);
  });

  test('a symlink to /etc/passwd in the served folder answers 404', async () => {
    await stack.settle();
    const link = path.join(stack.service.dir, 'current', `passwd-${suffix()}.txt`);
    await symlink('/etc/passwd', link);
    const dirLink = path.join(stack.service.dir, 'current', `etc-${suffix()}`);
    await symlink('/etc', dirLink);
    try {
      const file = await fetch(`${stack.service.url}/${path.basename(link)}`);
      expect(file.status).toBe(404);
      expect(await file.text()).not.toContain('root:');
      const inDir = await fetch(`${stack.service.url}/${path.basename(dirLink)}/passwd`);
      expect(inDir.status).toBe(404);
      expect(await inDir.text()).not.toContain('root:');
    } finally {
      await rm(link, { force: true });
      await rm(dirLink, { force: true });
    }
  });

  test('idle sockets and slow-loris requests are closed within the timeouts', async () => {
    await expectConnectionsBounded(stack.service.url, REQUEST_MS, IDLE_MS);
  });

  test('pages carry a strict CSP, nosniff, DENY and a referrer policy; hashed /_astro/ files are immutable', async () => {
    const home = await fetch(`${stack.service.url}/`);
    expect(home.status).toBe(200);
    expectSecurityHeaders(home);
    const html = await home.text();
    expect(html, 'pages have no inline script or style for the policy to block').not.toMatch(
      /<script|<style|\sstyle="/,
    );
    expectSecurityHeaders(await fetch(`${stack.service.url}/no-such-page/`));
    expect((await fetch(`${stack.service.url}/status`)).headers.get('x-content-type-options')).toBe('nosniff');
    const css = /href="(\/_astro\/[^"]+\.css)"/.exec(html)?.[1];
    expect(css, 'the home page links a hashed stylesheet').toBeDefined();
    const asset = await fetch(`${stack.service.url}${css ?? ''}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await fetch(`${stack.service.url}/favicon.svg`)).headers.get('cache-control')).toBe('public, max-age=3600');
  });
});

describe('the static server (scripts/static.ts)', () => {
  let dir: string;
  let server: Child;
  let url: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'static-sec-'));
    await writeFile(path.join(dir, 'index.html'), '<!doctype html><title>home</title><p>home</p>');
    await writeFile(path.join(dir, '404.html'), '<!doctype html><title>404</title><p>not found</p>');
    await symlink('/etc/passwd', path.join(dir, 'passwd.txt'));
    await symlink('/etc', path.join(dir, 'etc'));
    server = runScript(
      'scripts/static.ts',
      [dir, '--port', '0', '--request-timeout-ms', String(REQUEST_MS), '--idle-timeout-ms', String(IDLE_MS)],
      { ...process.env },
    );
    for (let i = 0; i < 200 && !url; i++) {
      url = /at (http:\/\/127\.0\.0\.1:\d+)\//.exec(server.output())?.[1] ?? '';
      if (!url) await sleep(50);
    }
    if (!url) throw new Error(`scripts/static.ts did not start:\n${server.output()}`);
  });
  afterAll(async () => {
    server?.process.kill('SIGTERM');
    await server?.exited;
    await rm(dir, { recursive: true, force: true });
  });

  test('symlinks out of the root answer 404, never the file', async () => {
    for (const p of ['/passwd.txt', '/etc/passwd', '/etc/', '/etc']) {
      const response = await fetch(`${url}${p}`, { redirect: 'manual' });
      expect(response.status, p).toBe(404);
      expect(await response.text()).not.toContain('root:');
    }
  });

  test('every answer carries the security headers', async () => {
    expectSecurityHeaders(await fetch(`${url}/`));
    expectSecurityHeaders(await fetch(`${url}/missing/`));
    const post = await fetch(`${url}/`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expectSecurityHeaders(post);
  });

  test('idle sockets and slow-loris requests are closed within the timeouts', async () => {
    await expectConnectionsBounded(url, REQUEST_MS, IDLE_MS);
  });
});

describe('the build (scripts/build.ts)', () => {
  test('a symlink in public/ leading out of the project fails the build with a clear message, and nothing is built', async () => {
    const name = `sec-link-${suffix()}.txt`;
    const link = path.join(ROOT, 'public', name);
    const out = await mkdtemp(path.join(tmpdir(), 'build-sec-'));
    await symlink('/etc/passwd', link);
    try {
      const build = runScript('scripts/build.ts', ['--outDir', path.join(out, 'dist')], {
        ...process.env,
        ASTRO_TELEMETRY_DISABLED: '1',
      });
      const { code } = await build.exited;
      expect(code).toBe(1);
      expect(build.output()).toContain(`public/${name} → /etc/passwd: leads out of public/`);
      expect(build.output()).not.toMatch(/\n\s+at /);
      expect(await readdir(out)).toEqual([]);
    } finally {
      await rm(link, { force: true });
      await rm(out, { recursive: true, force: true });
    }
  });
});
