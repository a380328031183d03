/** AdmittedContent over a real mirror of a lake in this process and a real model: the site without invalid documents. */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RenderCache } from '../../src/lib/body/render-cache.ts';
import { readContentDir } from '../../src/lib/sources/content-files.ts';
import { siteSourceToDocuments, type SanityDocument } from '../../src/lib/sources/sanity/documents.ts';
import { AdmittedContent } from '../../rebuild/admitted-content.ts';
import { Mirror } from '../../rebuild/mirror.ts';
import { SiteModel, type ModelResult } from '../../rebuild/site-model.ts';
import { SimilarIndex } from '../../src/lib/similar/similar-index.ts';
import { startTestLake, type TestLake } from '../sanity/sanity-harness.ts';

const NOW = new Date('2027-01-01T00:00:00Z');
let lake: TestLake;
let base: SanityDocument[];

beforeAll(async () => {
  lake = await startTestLake();
  const source = await readContentDir(path.resolve('content'));
  const withoutImages = source.stories.map(({ story, where }) => {
    const { image: _image, ...rest } = story;
    return { story: rest, where };
  });
  base = siteSourceToDocuments({ ...source, stories: withoutImages }, () => undefined);
});
afterAll(async () => {
  await lake.close();
});

let datasets = 0;

/** The real model, counting its computations. */
class CountedModel extends SiteModel {
  computations = 0;
  override compute(...args: Parameters<SiteModel['compute']>): ModelResult {
    this.computations += 1;
    return super.compute(...args);
  }
}

/** Admitted content over a fresh dataset holding `docs`, synced. */
async function setup(docs: SanityDocument[]) {
  const dataset = `admitted${(datasets += 1)}`;
  const client = lake.client(dataset);
  const transaction = client.transaction();
  for (const doc of docs) transaction.createOrReplace(doc);
  await transaction.commit();
  const mirror = new Mirror(client);
  await mirror.sync();
  const sanity = { projectId: 'local', dataset, apiHost: lake.lake.url };
  const model = new CountedModel(new RenderCache(), sanity);
  const content = new AdmittedContent(mirror, model, sanity);
  /** Writes `doc` and syncs the mirror. */
  const put = async (doc: SanityDocument) => {
    await client.createOrReplace(doc);
    await mirror.sync();
  };
  /** Computes in full with the links of a full Similar News computation, and adopts them, as the service does. */
  const settle = () => {
    const first = ok(content.compute(NOW, new Map()));
    const index = SimilarIndex.build(first.inputs, { limit: 5 });
    model.settle({ index, links: index.all(), inputs: first.inputs, limit: 5 });
    return first;
  };
  return { client, mirror, model, content, put, settle };
}

function ok(result: ModelResult): Extract<ModelResult, { ok: true }> {
  if (!result.ok) throw new Error(`content problems: ${JSON.stringify(result.issues)}`);
  return result;
}
const titleOf = (result: ModelResult, id: string) => ok(result).site.stories.find((s) => s.id === id)?.title;
const firstStory = () => base.find((d) => d['_type'] === 'story') ?? { _id: 'story-none', _type: 'story' };

describe('AdmittedContent', () => {
  test('valid content is the mirror’s documents as they are, with nothing rejected', async () => {
    const { mirror, model, content } = await setup(base);
    expect(content.accepted).toEqual([]);
    expect(content.rejected).toEqual([]);
    const result = ok(content.compute(NOW, new Map()));
    // Valid content is computed once.
    expect(model.computations).toBe(1);
    expect(titleOf(result, String(firstStory()['_id']))).toBe(firstStory()['title']);
    expect(content.accepted).toHaveLength(mirror.documents.size);
    content.accepted.forEach((doc) => expect(doc).toBe(mirror.documents.get(String(doc['_id']))));
    expect(content.rejected).toEqual([]);
  });

  test('a story edited into an invalid state keeps its last valid version live until it is fixed', async () => {
    const { mirror, model, content, put } = await setup(base);
    const story = firstStory();
    const id = String(story['_id']);
    ok(content.compute(NOW, new Map()));
    expect(model.computations).toBe(1);
    const valid = mirror.documents.get(id);

    await put({ ...story, title: '' });
    const result = content.compute(NOW, new Map());
    // Once as the mirror has it, once without the invalid version.
    expect(model.computations).toBe(3);
    expect(titleOf(result, id)).toBe(story['title']);
    expect(content.rejected).toEqual([
      { id, field: 'title', message: expect.any(String), serving: 'last valid version' },
    ]);
    expect(content.accepted.find((d) => d['_id'] === id)).toBe(valid);

    // Still invalid at the next computation: the same version stays live (it is still the last valid one).
    await put({ ...story, title: '', dek: 'another edit' });
    expect(titleOf(content.compute(NOW, new Map()), id)).toBe(story['title']);
    expect(content.rejected.map((r) => [r.id, r.serving])).toEqual([[id, 'last valid version']]);

    await put({ ...story, title: 'Fixed' });
    expect(titleOf(content.compute(NOW, new Map()), id)).toBe('Fixed');
    expect(content.rejected).toEqual([]);
    expect(content.accepted.find((d) => d['_id'] === id)).toBe(mirror.documents.get(id));
  });

  test('a new invalid story is left out; the rest is built', async () => {
    const story = firstStory();
    const bad = { ...story, _id: 'story-new-invalid', slug: { _type: 'slug', current: 'new-invalid' }, dek: '' };
    const { content } = await setup([...base, bad]);
    const result = ok(content.compute(NOW, new Map()));
    expect(result.site.stories.map((s) => s.id)).not.toContain('story-new-invalid');
    expect(result.site.stories.map((s) => s.id)).toContain(story['_id']);
    expect(content.rejected).toEqual([
      { id: 'story-new-invalid', field: 'dek', message: expect.any(String), serving: 'left out' },
    ]);
    expect(content.accepted.map((d) => d['_id'])).not.toContain('story-new-invalid');
  });

  test('a story’s image is found among the mirror’s assets', async () => {
    const PNG = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
      'base64',
    );
    const { client, content, put } = await setup(base);
    const asset = await client.assets.upload('image', PNG, { filename: 'dot.png' });
    const story = firstStory();
    await put({
      ...story,
      mainImage: { _type: 'image', asset: { _type: 'reference', _ref: asset._id }, alt: 'A dot' },
    });
    const result = ok(content.compute(NOW, new Map()));
    expect(content.rejected).toEqual([]);
    expect(result.site.stories.find((s) => s.id === story['_id'])?.image).toMatchObject({ width: 1, height: 1 });
  });
});

describe('AdmittedContent with a settled model (incremental computations)', () => {
  test('an edited story is seen as changed', async () => {
    const { content, put, settle } = await setup(base);
    settle();
    const story = firstStory();
    await put({ ...story, title: 'Edited once' });
    const result = ok(content.compute(NOW));
    expect(result.mode).toBe('incremental');
    expect(titleOf(result, String(story['_id']))).toBe('Edited once');
    await put({ ...story, title: 'Edited twice' });
    expect(titleOf(content.compute(NOW), String(story['_id']))).toBe('Edited twice');
  });

  test('while one story is held back, edits of the others show; once it is fixed, it shows too', async () => {
    const { content, put, settle } = await setup(base);
    settle();
    const stories = base.filter((d) => d['_type'] === 'story');
    const [held, other] = [stories[0] ?? firstStory(), stories[1] ?? firstStory()];
    await put({ ...held, title: '' });
    expect(titleOf(content.compute(NOW), String(held['_id']))).toBe(held['title']);
    await put({ ...other, title: 'Edited while another is held back' });
    const result = content.compute(NOW);
    expect(titleOf(result, String(other['_id']))).toBe('Edited while another is held back');
    expect(titleOf(result, String(held['_id']))).toBe(held['title']);
    await put({ ...held, title: 'Fixed' });
    const fixed = content.compute(NOW);
    expect(titleOf(fixed, String(held['_id']))).toBe('Fixed');
    expect(titleOf(fixed, String(other['_id']))).toBe('Edited while another is held back');
    expect(content.rejected).toEqual([]);
  });
});
