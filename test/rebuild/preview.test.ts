/**
 * The draft preview server in this process (rebuild/preview.ts; the Studio e2e suite drives it through the Studio):
 * a lake seeded from content/, the service with its preview port, and the server's answers: the host and origin
 * checks, preview links for a Studio's secret, a draft rendered as the site would show it, an invalid draft's
 * problems, missing documents, the live page's URL, and the live build's files.
 */
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SanityClient } from '@sanity/client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningLake } from '../../lake/server.ts';
import { signPreviewToken } from '../../rebuild/preview-token.ts';
import { startRebuildService, type RebuildService } from '../../rebuild/service.ts';
import { ADMIN_TOKEN, freePort } from '../../e2e/rebuild/harness.ts';
import { seededLake, serviceConfig } from './seeded-lake.ts';

const STUDIO = 'http://studio.test';
const KEY = 'preview-unit-test-signing-key-0123456789';
const STORY = 'story-us-china-trade-truce-busan';
const SLUG = 'us-china-trade-truce-busan';

let tmp: string;
let lake: RunningLake;
let client: SanityClient;
let service: RebuildService;
let preview: string;
const lines: string[] = [];

/** Polls until the service serves a build. */
async function firstBuild(): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (service.status().build === null) {
    if (Date.now() > deadline) throw new Error(`no first build:\n${lines.slice(-20).join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A GET with a chosen Host header (fetch cannot set it). */
function getWithHost(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, { headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });
}

const post = (pathname: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${preview}${pathname}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

const docUrl = (id: string, token = signPreviewToken(Buffer.from(KEY), id)) =>
  `${preview}/__preview/doc/${id}?token=${encodeURIComponent(token)}`;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'preview-unit-'));
  const port = await freePort();
  ({ lake, client } = await seededLake(tmp, port));
  const config = serviceConfig(lake, port, tmp, {
    SERVE_PREVIEW_PORT: '0',
    SANITY_PREVIEW_TOKEN: ADMIN_TOKEN,
    PREVIEW_SECRET: KEY,
    PREVIEW_STUDIO_ORIGINS: STUDIO,
  });
  service = await startRebuildService(config, (line) => lines.push(line));
  if (!service.previewUrl) throw new Error('the preview server did not start');
  preview = service.previewUrl;
  await firstBuild();
}, 240_000);

afterAll(async () => {
  await service?.close();
  await lake?.close();
  await rm(tmp, { recursive: true, force: true });
}, 60_000);

describe('the preview server', () => {
  test('answers loopback names only (DNS rebinding), and CORS for the Studio’s origins only', async () => {
    expect(await getWithHost(`${preview}/__preview/preview.css`, 'evil.example')).toBe(421);
    expect(await getWithHost(`${preview}/__preview/preview.css`, 'localhost:1234')).toBe(200);
    const allowed = await fetch(`${preview}/__preview/token`, { method: 'OPTIONS', headers: { origin: STUDIO } });
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(STUDIO);
    const other = await fetch(`${preview}/__preview/token`, {
      method: 'OPTIONS',
      headers: { origin: 'http://x.test' },
    });
    expect(other.status).toBe(403);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  test('gives a preview link for a secret the Studio wrote within the hour, and refuses anything else', async () => {
    expect((await fetch(`${preview}/__preview/token`)).status).toBe(405);
    const secret = randomBytes(24).toString('base64url');
    const ask = { id: STORY, secret };
    expect((await post('/__preview/token', ask, { origin: 'http://x.test' })).status).toBe(403);
    expect((await post('/__preview/token', ask)).status).toBe(403); // no such secret yet
    expect((await post('/__preview/token', { id: `drafts.${STORY}`, secret })).status).toBe(400);
    expect((await post('/__preview/token', { id: STORY, secret: 'short' })).status).toBe(400);
    expect((await post('/__preview/token', 'not json')).status).toBe(400);
    expect((await post('/__preview/token', { id: STORY, secret, pad: 'x'.repeat(5000) })).status).toBe(400);
    await client.create({
      _id: `drafts.secret-${randomBytes(6).toString('hex')}`,
      _type: 'sanity.previewUrlSecret',
      secret,
    });
    const answer = await post('/__preview/token', ask, { origin: STUDIO });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('access-control-allow-origin')).toBe(STUDIO);
    const { token, path: link } = (await answer.json()) as { token: string; path: string };
    expect(link).toBe(`/__preview/doc/${STORY}?token=${encodeURIComponent(token)}`);
    const page = await fetch(`${preview}${link}`);
    expect(page.status).toBe(200);
  });

  test('renders a story’s draft as the site would, marked and kept private, once per draft', async () => {
    const live = (await client.getDocument(STORY)) as { _type: string } & Record<string, unknown>;
    const headline = `Draft headline ${randomBytes(4).toString('hex')}`;
    await client.createOrReplace({ ...live, _id: `drafts.${STORY}`, title: headline });
    const url = docUrl(STORY);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(headline);
    expect(html).toContain('Preview: not published');
    expect(page.headers.get('cache-control')).toBe('no-store, private');
    expect(page.headers.get('x-robots-tag')).toBe('noindex, nofollow');
    expect(page.headers.get('content-security-policy')).toContain(`frame-ancestors ${STUDIO}`);
    // The site itself still shows the published headline.
    expect(await (await fetch(`${service.url}/news/${SLUG}/`)).text()).not.toContain(headline);
    // The same draft is not rendered again.
    const renders = () => lines.filter((l) => l.startsWith(`preview of ${STORY} rendered`)).length;
    const before = renders();
    expect(await (await fetch(url)).text()).toContain(headline);
    expect(renders()).toBe(before);
    // A new draft is.
    const changed = `${headline} again`;
    await client.patch(`drafts.${STORY}`).set({ title: changed }).commit();
    expect(await (await fetch(url)).text()).toContain(changed);
    expect(renders()).toBe(before + 1);
  });

  test('shows an invalid draft’s problems, and says when there is no such document', async () => {
    const live = (await client.getDocument(STORY)) as { _type: string } & Record<string, unknown>;
    await client.createOrReplace({ ...live, _id: `drafts.${STORY}`, title: '' });
    const invalid = await fetch(docUrl(STORY));
    expect(invalid.status).toBe(422);
    const html = await invalid.text();
    expect(html).toContain('This draft would not be published as it is');
    expect(html).toMatch(/<li>[^<]*title/);
    await client.delete(`drafts.${STORY}`);
    const missing = await fetch(docUrl('story-no-such-story'));
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('No such document.');
  });

  test('refuses a link without its token, with another document’s, or for a draft id', async () => {
    expect((await fetch(`${preview}/__preview/doc/${STORY}`)).status).toBe(403);
    expect((await fetch(docUrl(STORY, signPreviewToken(Buffer.from(KEY), 'story-other')))).status).toBe(403);
    expect(
      (await fetch(docUrl(STORY, signPreviewToken(Buffer.from('another key of 32 characters!!!!!'), STORY)))).status,
    ).toBe(403);
    const draft = await fetch(docUrl(`drafts.${STORY}`, signPreviewToken(Buffer.from(KEY), STORY)));
    expect(draft.status).toBe(403);
    expect(await draft.text()).toContain('This preview link is not valid');
  });

  test('tells the Studio where a document is live, and serves the live build’s files but no other page', async () => {
    const live = await fetch(`${preview}/__preview/urls?id=${STORY}`);
    // The site's public origin: SITE_URL, which vitest.config.ts sets.
    expect(await live.json()).toEqual({ live: new URL(`/news/${SLUG}/`, process.env['SITE_URL']).href });
    expect(await (await fetch(`${preview}/__preview/urls?id=story-no-such-story`)).json()).toEqual({ live: null });
    expect((await fetch(`${preview}/__preview/urls?id=drafts.${STORY}`)).status).toBe(400);
    const favicon = await fetch(`${preview}/favicon.svg`);
    expect(favicon.status).toBe(200);
    expect(favicon.headers.get('content-type')).toContain('image/svg+xml');
    const page = await fetch(`${preview}/news/${SLUG}/`);
    expect(page.status).toBe(404);
    expect(await page.text()).toContain(`/news/${SLUG}/" target="_blank" rel="noopener"`);
    const css = await fetch(`${preview}/__preview/preview.css`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(await css.text()).toContain('.preview-banner');
  });
});
