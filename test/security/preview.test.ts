import { randomBytes } from 'node:crypto';
import { get } from 'node:http';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ADMIN_TOKEN, freePort, startRebuildStack, type RebuildStack } from '../../e2e/rebuild/harness.ts';
import { checkPreviewToken, previewKey, signPreviewToken } from '../../rebuild/preview-token.ts';

// Draft previews are never public: a preview page needs a token signed with the service's key, for that document,
// not expired; the server answers only loopback host names, and its answers are neither cached nor indexed.

const KEY = randomBytes(32);
const NOW = Date.parse('2026-11-27T12:00:00Z');

describe('preview tokens', () => {
  test('a fresh token for the document is accepted', () => {
    expect(checkPreviewToken(KEY, signPreviewToken(KEY, 'story-a', NOW), 'story-a', NOW)).toBeUndefined();
  });

  test('an expired token is refused', () => {
    const token = signPreviewToken(KEY, 'story-a', NOW, 60);
    expect(checkPreviewToken(KEY, token, 'story-a', NOW + 61_000)).toBe('token expired');
  });

  test('a token for another document is refused', () => {
    expect(checkPreviewToken(KEY, signPreviewToken(KEY, 'story-a', NOW), 'story-b', NOW)).toBe(
      'token for another document',
    );
  });

  test('a tampered token is refused: document, expiry or signature changed, or another key', () => {
    const token = signPreviewToken(KEY, 'story-a', NOW);
    const [version, exp, id, mac] = token.split('.') as [string, string, string, string];
    expect(checkPreviewToken(KEY, [version, exp, 'story-b', mac].join('.'), 'story-b', NOW)).toBe('bad signature');
    expect(checkPreviewToken(KEY, [version, String(Number(exp) + 3600), id, mac].join('.'), 'story-a', NOW)).toBe(
      'bad signature',
    );
    const flipped = `${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`;
    expect(checkPreviewToken(KEY, [version, exp, id, flipped].join('.'), 'story-a', NOW)).toBe('bad signature');
    expect(checkPreviewToken(randomBytes(32), token, 'story-a', NOW)).toBe('bad signature');
  });

  test('malformed tokens and tokens valid too far ahead are refused', () => {
    for (const bad of ['', 'v1', 'v2.1.story-a.x', 'v1.x.story-a.x', 'v1.1.story-a', `${'v1.'.repeat(5)}`])
      expect(checkPreviewToken(KEY, bad, 'story-a', NOW)).toBe('malformed token');
    // Signed with the key but for a day: never made by the service, so refused.
    const exp = Math.floor(NOW / 1000) + 86_400;
    const long = signPreviewToken(KEY, 'story-a', NOW + 86_400_000 - 3_600_000);
    expect(long.split('.')[1]).toBe(String(exp));
    expect(checkPreviewToken(KEY, long, 'story-a', NOW)).toBe('token expires too far ahead');
  });

  test('the key file is made once, readable by its owner only, and reused; a short secret is refused', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'preview-key-'));
    try {
      const file = path.join(dir, 'site', 'preview.key');
      const first = await previewKey(file);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect((await previewKey(file)).equals(first)).toBe(true);
      expect((await readFile(file, 'utf8')).includes(first.toString('hex'))).toBe(false);
      await expect(previewKey(file, 'short')).rejects.toThrow(/at least 32 characters/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the preview server (a real rebuild service)', () => {
  const SECRET = 'preview-secret-for-the-security-test-0123456789';
  const KEY_BYTES = Buffer.from(SECRET, 'utf8');
  const STUDIO = 'http://localhost:3334';
  let stack: RebuildStack;
  let preview: string;
  let storyId: string;

  beforeAll(async () => {
    const port = await freePort();
    preview = `http://127.0.0.1:${port}`;
    stack = await startRebuildStack({
      env: {
        SERVE_PREVIEW_PORT: String(port),
        SANITY_PREVIEW_TOKEN: ADMIN_TOKEN,
        PREVIEW_SECRET: SECRET,
        PREVIEW_STUDIO_ORIGINS: STUDIO,
      },
    });
    storyId = await stack.client.fetch<string>('*[_type == "story" && !(_id in path("drafts.**"))][0]._id');
    const story = await stack.client.getDocument<{ _type: string }>(storyId);
    if (!story) throw new Error(`no story ${storyId}`);
    await stack.client.createOrReplace({ ...story, _id: `drafts.${storyId}`, title: 'A draft headline, unpublished' });
  });

  afterAll(async () => {
    await stack?.close();
  });

  const page = (id: string, token?: string) =>
    fetch(`${preview}/__preview/doc/${id}${token === undefined ? '' : `?token=${encodeURIComponent(token)}`}`);

  test("without a token, with a forged, expired or another document's token: 403, and no draft", async () => {
    const other = await stack.client.fetch<string>('*[_type == "story" && _id != $id][0]._id', { id: storyId });
    const refused = [
      await page(storyId),
      await page(storyId, signPreviewToken(randomBytes(32), storyId)),
      await page(storyId, signPreviewToken(KEY_BYTES, storyId, Date.now() - 7_200_000)),
      await page(storyId, signPreviewToken(KEY_BYTES, other)),
      await page('..%2F..%2Fetc%2Fpasswd', signPreviewToken(KEY_BYTES, storyId)),
    ];
    for (const response of refused) {
      expect(response.status).toBe(403);
      expect(response.headers.get('cache-control')).toBe('no-store, private');
      expect(await response.text()).not.toContain('A draft headline, unpublished');
    }
  });

  test('a valid token shows the draft, marked, not indexed, not cached, framable by the Studio only', async () => {
    const response = await page(storyId, signPreviewToken(KEY_BYTES, storyId));
    const html = await response.text();
    expect(response.status).toBe(200);
    expect(html).toContain('A draft headline, unpublished');
    // One banner: the page as rendered, not wrapped in another.
    expect(html.match(/Preview: not published/g)).toHaveLength(1);
    expect(html.match(/<html/g)).toHaveLength(1);
    expect(html).toContain('<meta name="robots" content="noindex, nofollow"');
    expect(response.headers.get('x-robots-tag')).toBe('noindex, nofollow');
    expect(response.headers.get('cache-control')).toBe('no-store, private');
    expect(response.headers.get('content-security-policy')).toContain(`frame-ancestors ${STUDIO}`);
    expect(response.headers.get('x-frame-options')).toBeNull();
    // The live site is untouched: the published headline, no banner.
    const slug = await stack.client.fetch<string>('*[_id == $id][0].slug.current', { id: storyId });
    const live = await (await fetch(`${stack.service.url}/news/${slug}/`)).text();
    expect(live).not.toContain('A draft headline, unpublished');
    expect(live).not.toContain('Preview: not published');
  });

  test('another host name (DNS rebinding) is not answered', async () => {
    // fetch() sets Host itself: a raw request names another one, as a page on a rebound name would.
    const url = `${preview}/__preview/doc/${storyId}?token=${encodeURIComponent(signPreviewToken(KEY_BYTES, storyId))}`;
    const status = await new Promise<number | undefined>((resolve, reject) => {
      get(url, { headers: { host: 'evil.example' } }, (response) => {
        response.resume();
        resolve(response.statusCode);
      }).on('error', reject);
    });
    expect(status).toBe(421);
  });

  test('links are minted only for a preview secret in the dataset, and only for the Studio origins', async () => {
    const mint = (secret: string, origin?: string) =>
      fetch(`${preview}/__preview/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(origin ? { origin } : {}) },
        body: JSON.stringify({ id: storyId, secret }),
      });
    const secret = randomBytes(16).toString('hex');
    expect((await mint(secret, STUDIO)).status).toBe(403);
    await stack.client.create({ _id: `drafts.${crypto.randomUUID()}`, _type: 'sanity.previewUrlSecret', secret });
    expect((await mint(secret, 'http://evil.example')).status).toBe(403);
    const ok = await mint(secret, STUDIO);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(STUDIO);
    const { path: link } = (await ok.json()) as { path: string };
    expect((await fetch(`${preview}${link}`)).status).toBe(200);
  });
});
