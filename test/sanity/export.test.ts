// The whole-dataset read through the export endpoint, against a real lake and the real client: which documents and
// assets it keeps (drafts only when asked, release versions never, other types never), their order, the asset
// projection, and a refusal told with its status.
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { exportSiteDocuments } from '../../src/lib/sources/sanity/export.ts';
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
