import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { readContentDir } from '../../src/lib/sources/content-files.ts';
import { siteSourceToDocuments, type SanityDocument } from '../../src/lib/sources/sanity/documents.ts';
import { siteSourceFromDocuments } from '../../src/lib/sources/sanity/site-source.ts';
import { admitDocuments, type Admission } from '../../rebuild/admission.ts';

// The rebuild service builds without invalid documents (their last valid version, or nothing) instead of failing.
const CONFIG = { projectId: 'local', dataset: 'production' };
let base: SanityDocument[];
let accepted: Map<string, SanityDocument>;

beforeAll(async () => {
  const source = await readContentDir(path.resolve('content'));
  const withoutImages = source.stories.map(({ story, where }) => {
    const { image: _image, ...rest } = story;
    return { story: rest, where };
  });
  base = siteSourceToDocuments({ ...source, stories: withoutImages }, () => undefined).map((d) => ({
    ...d,
    _rev: 'r1',
  }));
  accepted = new Map(base.map((d) => [String(d['_id']), d]));
});

const ref = (id: string) => ({ _type: 'reference', _ref: id, _key: id });
const byId = (docs: SanityDocument[], id: string) => docs.find((d) => d['_id'] === id);
const template = (): SanityDocument =>
  base.find((d) => d['_type'] === 'story') ?? { _id: 'story-none', _type: 'story' };
const story = (slug: string, extra: Record<string, unknown> = {}): SanityDocument => ({
  ...template(),
  _id: `story-${slug}`,
  _rev: 'r1',
  slug: { _type: 'slug', current: slug },
  related: [],
  ...extra,
});
const admitted = (result: Admission) => {
  if (!result.ok) throw new Error(`not admitted: ${JSON.stringify(result.issues)}`);
  return result;
};
/** The slugs of the stories a build of these documents publishes. */
const slugs = (docs: SanityDocument[]) =>
  siteSourceFromDocuments({ documents: docs, assets: [] }, CONFIG).stories.map((s) => s.story.slug);

describe('admitDocuments', () => {
  test('valid content is admitted as it is', () => {
    const result = admitted(admitDocuments({ documents: base, assets: [] }, accepted, CONFIG));
    expect(result.rejected).toEqual([]);
    expect(result.documents).toEqual(base);
  });

  test('a story with only a title is left out and reported by _id and field; a valid story beside it is admitted', () => {
    const bad = { _id: 'story-only-a-title', _type: 'story', _rev: 'r1', title: 'Only a title' };
    const result = admitted(
      admitDocuments({ documents: [...base, bad, story('fine-one')], assets: [] }, accepted, CONFIG),
    );
    expect(byId(result.documents, bad._id)).toBeUndefined();
    expect(slugs(result.documents)).toContain('fine-one');
    expect(result.rejected.map((r) => [r.id, r.field, r.serving])).toContainEqual([
      'story-only-a-title',
      'dek',
      'left out',
    ]);
    expect(result.rejected.every((r) => r.id === bad._id && r.message.length > 0)).toBe(true);
  });

  test('a story edited into an invalid state keeps its last valid version live', () => {
    const target = template();
    const edited = { ...target, _rev: 'r2', title: '' };
    const docs = base.map((d) => (d['_id'] === target['_id'] ? edited : d));
    const result = admitted(admitDocuments({ documents: docs, assets: [] }, accepted, CONFIG));
    expect(byId(result.documents, String(target['_id']))).toBe(target);
    expect(result.rejected).toEqual([
      { id: target['_id'], field: 'title', message: expect.any(String), serving: 'last valid version' },
    ]);
  });

  test('a story pinning an invalid new one is admitted without the pin', () => {
    const bad = story('bad-pinned', { dek: '' });
    const pinning = story('pinning', { related: [ref('story-bad-pinned')] });
    const result = admitted(admitDocuments({ documents: [...base, bad, pinning], assets: [] }, accepted, CONFIG));
    expect(slugs(result.documents)).toContain('pinning');
    expect(slugs(result.documents)).not.toContain('bad-pinned');
    expect(result.rejected.map((r) => r.id)).toEqual([bad._id]);
  });

  test('a story in a new, invalid section is left out with it, and says why', () => {
    const section = { _id: 'section-broken', _type: 'section', _rev: 'r1', slug: { _type: 'slug', current: 'broken' } };
    const inIt = story('in-broken-section', { section: ref(section._id) });
    const result = admitted(
      admitDocuments({ documents: [...base, section, inIt, story('elsewhere')], assets: [] }, accepted, CONFIG),
    );
    expect(slugs(result.documents)).toContain('elsewhere');
    expect(slugs(result.documents)).not.toContain('in-broken-section');
    expect(result.rejected.find((r) => r.id === section._id)?.field).toBe('name');
    expect(result.rejected.find((r) => r.id === inIt._id)).toEqual({
      id: inIt._id,
      field: 'section',
      message: expect.stringContaining('"section-broken", which is left out'),
      serving: 'left out',
    });
  });

  test('a section edited into an invalid state keeps its last valid version, and its stories their new versions', () => {
    const section: SanityDocument = base.find((d) => d['_type'] === 'section') ?? {
      _id: 'section-none',
      _type: 'section',
    };
    const broken = { ...section, _rev: 'r2', name: '' };
    const edited = story('fresh-in-section', { section: ref(String(section['_id'])) });
    const docs = [...base.map((d) => (d === section ? broken : d)), edited];
    const result = admitted(admitDocuments({ documents: docs, assets: [] }, accepted, CONFIG));
    expect(byId(result.documents, String(section['_id']))).toBe(section);
    expect(slugs(result.documents)).toContain('fresh-in-section');
    expect(result.rejected.map((r) => [r.id, r.serving])).toEqual([[section['_id'], 'last valid version']]);
  });

  test('an invalid tag is left out of the stories that use it; they stay live', () => {
    const tag = { _id: 'tag-bang', _type: 'tag', _rev: 'r1', name: '!!!' };
    const tagged = story('tagged-bang', { tags: [ref(tag._id)] });
    const result = admitted(admitDocuments({ documents: [...base, tag, tagged], assets: [] }, accepted, CONFIG));
    expect(slugs(result.documents)).toContain('tagged-bang');
    expect(result.rejected.map((r) => r.id)).toEqual([tag._id]);
  });
});

describe('admitDocuments: a live URL is not taken over', () => {
  test("a new story claiming a live story's slug is held back, whatever the order of their ids", () => {
    const live = template();
    const slug = (live['slug'] as { current: string }).current;
    // An id that sorts before the live one: validation alone would fault the live story.
    const claimant = story(slug, { _id: 'story-0000-claimant', title: 'A different story at the same URL' });
    const result = admitted(admitDocuments({ documents: [...base, claimant], assets: [] }, accepted, CONFIG));
    expect(byId(result.documents, String(live['_id']))).toBe(live);
    expect(byId(result.documents, 'story-0000-claimant')).toBeUndefined();
    expect(result.rejected).toEqual([
      {
        id: 'story-0000-claimant',
        field: 'slug',
        message: expect.stringContaining(`already used by ${String(live['_id'])}, which is live`),
        serving: 'left out',
      },
    ]);
  });
});
