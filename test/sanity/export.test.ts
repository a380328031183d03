// The whole-dataset read through the export endpoint, against a real lake and the real client: which documents and
// assets it keeps (drafts only when asked, release versions never, other types never), their order, the asset
// projection, and a refusal told with its status.
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createServer } from 'node:net';
import { createClient } from '@sanity/client';
import { ContentError } from '../../src/lib/model/content-error.ts';
import { exportSiteDocuments } from '../../src/lib/sources/sanity/export.ts';
import { fetchSiteDocuments, loadSanitySource } from '../../src/lib/sources/sanity/site-source.ts';
import { SourceError } from '../../src/lib/sources/source-error.ts';
import { startTestLake, TOKENS, type TestLake } from '../lake/lake-harness.ts';

/** A real 1x1 PNG. */
const PNG_1X1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

let t: TestLake;
beforeEach(async () => {
  t = await startTestLake();
});
afterEach(async () => {
  await t.close();
});

const ids = (docs: { _id: string }[]) => docs.map((d) => d._id);

describe('exportSiteDocuments', () => {
  test("the site's published documents and image assets, in id order; drafts only when asked", async () => {
    const admin = t.client(TOKENS.admin);
    await admin
      .transaction()
      .create({ _id: 'story-b', _type: 'story', title: 'B' })
      .create({ _id: 'story-a', _type: 'story', title: 'A' })
      .create({ _id: 'drafts.story-a', _type: 'story', title: 'A, edited' })
      .create({ _id: 'drafts.story-new', _type: 'story', title: 'Never published' })
      .create({ _id: 'versions.r1.story-a', _type: 'story', title: 'A, in a release' })
      .create({ _id: 'section-world', _type: 'section', name: 'World' })
      .create({ _id: 'author-ana', _type: 'author', name: 'Ana' })
      .create({ _id: 'tag-trade', _type: 'tag', name: 'Trade' })
      .create({ _id: 'comment-1', _type: 'comment', state: 'pending' })
      .create({ _id: 'settings', _type: 'siteSettings', title: 'Not a site type' })
      .commit();
    const asset = await admin.assets.upload('image', PNG_1X1, { filename: 'dot.png' });

    const published = await exportSiteDocuments(admin);
    expect(ids(published.documents)).toEqual([
      'author-ana',
      'comment-1',
      'section-world',
      'story-a',
      'story-b',
      'tag-trade',
    ]);
    expect(published.documents.find((d) => d._id === 'story-a')).toMatchObject({ title: 'A' });
    expect(published.assets).toEqual([
      {
        _id: asset._id,
        _type: 'sanity.imageAsset',
        _updatedAt: asset._updatedAt,
        url: asset.url,
        originalFilename: 'dot.png',
        extension: 'png',
        width: 1,
        height: 1,
      },
    ]);

    const withDrafts = await exportSiteDocuments(admin, { drafts: true });
    expect(ids(withDrafts.documents)).toEqual([
      'author-ana',
      'comment-1',
      'drafts.story-a',
      'drafts.story-new',
      'section-world',
      'story-a',
      'story-b',
      'tag-trade',
    ]);
    expect(ids(withDrafts.assets)).toEqual([asset._id]);
  });

  test('an asset without metadata, filename or extension has each as null, as GROQ would give it', async () => {
    await t
      .client(TOKENS.admin)
      .createOrReplace({ _id: 'image-bare', _type: 'sanity.imageAsset', url: 'https://cdn.example.test/x.png' });
    const { assets } = await exportSiteDocuments(t.client(TOKENS.admin));
    expect(assets).toEqual([
      {
        _id: 'image-bare',
        _type: 'sanity.imageAsset',
        _updatedAt: expect.any(String) as unknown,
        url: 'https://cdn.example.test/x.png',
        originalFilename: null,
        extension: null,
        width: null,
        height: null,
      },
    ]);
  });

  test('an anonymous read gets published documents only, even when drafts are asked for', async () => {
    await t
      .client(TOKENS.admin)
      .transaction()
      .create({ _id: 'story-a', _type: 'story', title: 'A' })
      .create({ _id: 'drafts.story-a', _type: 'story', title: 'A, edited' })
      .commit();
    expect(ids((await exportSiteDocuments(t.client(null), { drafts: true })).documents)).toEqual(['story-a']);
  });

  test('a refusal is an error with the dataset, the status and the answer, and the status code', async () => {
    const error = await exportSiteDocuments(t.client(TOKENS.admin, '2025-02-19', 'missing')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      statusCode: 404,
      message: expect.stringMatching(/^the export of dataset "missing" answered 404: .*not found/) as unknown,
    });
  });
});

describe('loadSanitySource and fetchSiteDocuments', () => {
  const env = (extra: Record<string, string> = {}) => ({
    SANITY_PROJECT_ID: 'local',
    SANITY_API_HOST: t.lake.url,
    SANITY_TOKEN: TOKENS.admin,
    ...extra,
  });

  test("the site's documents through the export, mapped to the model", async () => {
    await t
      .client(TOKENS.admin)
      .create({ _id: 'section-world', _type: 'section', name: 'World', slug: { current: 'world' } });
    const source = await loadSanitySource(env());
    expect(source.sections).toEqual([{ def: { slug: 'world', name: 'World' }, where: 'section-world' }]);
    expect(source.issues).toEqual([]);
  });

  test('a bad setting is a content error naming the variable', async () => {
    const error = await loadSanitySource(env({ SANITY_DATASET: 'Not Valid' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContentError);
    expect((error as ContentError).issues.map((i) => i.field)).toEqual(['SANITY_DATASET']);
  });

  test('a refusal or an unreachable API is a source error naming the API and saying what to check', async () => {
    const config = {
      projectId: 'local',
      dataset: 'missing',
      apiVersion: '2025-02-19',
      preview: false,
      apiHost: t.lake.url,
    };
    const refused = await fetchSiteDocuments(config).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SourceError);
    expect(refused).toMatchObject({
      source: t.lake.url,
      message: `the content source failed: dataset "missing" or project "local" was not found at ${t.lake.url} (404); check SANITY_DATASET and SANITY_PROJECT_ID`,
    });
    expect((refused as SourceError).cause).toMatchObject({ statusCode: 404 });
    // A port nothing listens on: taken, then let go.
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = server.address() as { port: number };
        server.close(() => resolve(free));
      });
    });
    const host = `http://127.0.0.1:${port}`;
    const unreachable = await fetchSiteDocuments({ ...config, apiHost: host }).catch((e: unknown) => e);
    expect(unreachable).toMatchObject({
      name: 'SourceError',
      source: host,
      message: expect.stringContaining(`could not reach Sanity at ${host} (ECONNREFUSED)`) as unknown,
    });
  });
});

// What the real Sanity may send that the lake does not: documents out of order, blank lines, other types and drafts
// of assets. A server on 127.0.0.1 answers the export with such a text; the real client addresses it.
describe('exportSiteDocuments on an export the lake would not write', () => {
  async function serve(status: number, body: string) {
    const seen: IncomingMessage[] = [];
    const server = createHttpServer((req, res) => {
      seen.push(req);
      res.writeHead(status, { 'content-type': 'application/x-ndjson' }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const client = (token?: string) =>
      createClient({
        projectId: 'local',
        dataset: 'production',
        apiVersion: '2025-02-19',
        apiHost: `http://127.0.0.1:${port}`,
        useProjectHostname: false,
        useCdn: false,
        ...(token ? { token } : {}),
      });
    return { seen, client, close: () => new Promise((resolve) => server.close(resolve)) };
  }

  test('any order, blank lines, lines without an id, other types and drafts of assets: sorted and sifted', async () => {
    const lines = [
      { _id: 'story-b', _type: 'story' },
      '',
      '   ',
      { _id: 'image-b', _type: 'sanity.imageAsset' },
      { _type: 'story', title: 'no id' },
      { _id: 7, _type: 'story' },
      { _id: 'story-a', _type: 'story' },
      { _id: 'drafts.story-a', _type: 'story' },
      { _id: 'drafts.story-a.extra', _type: 'story' },
      { _id: 'xdrafts.story-c', _type: 'story' },
      { _id: 'drafts.image-a', _type: 'sanity.imageAsset' },
      { _id: 'image-a', _type: 'sanity.imageAsset' },
      { _id: 'settings', _type: 'siteSettings' },
      { _id: 'section-world', _type: 'section' },
    ];
    const text = lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n');
    const server = await serve(200, `${text}\n`);
    try {
      const published = await exportSiteDocuments(server.client());
      expect(published.documents.map((d) => d._id)).toEqual(['section-world', 'story-a', 'story-b']);
      expect(published.assets.map((a) => a._id)).toEqual(['image-a', 'image-b']);
      const drafts = await exportSiteDocuments(server.client(), { drafts: true });
      expect(drafts.documents.map((d) => d._id)).toEqual(['drafts.story-a', 'section-world', 'story-a', 'story-b']);
      expect(drafts.assets.map((a) => a._id)).toEqual(['image-a', 'image-b']);
      // The site's types and image assets are asked for by name; a token goes as a bearer token, none without.
      const url = new URL(server.seen[0]?.url ?? '', 'http://x');
      expect(url.pathname).toMatch(/\/data\/export\/production$/);
      expect(url.searchParams.get('types')).toBe('story,section,author,tag,comment,sanity.imageAsset');
      expect(server.seen[0]?.headers.authorization).toBeUndefined();
      await exportSiteDocuments(server.client('sk-token'));
      expect(server.seen[2]?.headers.authorization).toBe('Bearer sk-token');
    } finally {
      await server.close();
    }
  });

  test('a refusal quotes at most 200 characters of the answer', async () => {
    const server = await serve(500, 'x'.repeat(500));
    try {
      await expect(exportSiteDocuments(server.client())).rejects.toMatchObject({
        statusCode: 500,
        message: `the export of dataset "production" answered 500: ${'x'.repeat(200)}`,
      });
    } finally {
      await server.close();
    }
  });
});
