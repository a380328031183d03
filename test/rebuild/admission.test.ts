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

describe('admitDocuments: fallbacks', () => {
  const author = () => base.find((d) => d['_type'] === 'author' && d['_id'] === 'author-jane-park') ?? base[0]!;
  const byAuthor = (id: string) =>
    base.filter((d) => JSON.stringify(d['authors'] ?? []).includes(`"${id}"`)).map((d) => String(d['_id']));

  test('an author edited into an invalid state keeps its last valid version, and its stories stay live', () => {
    const broken = { ...author(), _rev: 'r2', name: '' };
    const docs = base.map((d) => (d === author() ? broken : d));
    const result = admitted(admitDocuments({ documents: docs, assets: [] }, accepted, CONFIG));
    expect(byAuthor('author-jane-park').length).toBeGreaterThan(0);
    for (const id of byAuthor('author-jane-park')) expect(byId(result.documents, id)).toBe(byId(base, id));
    expect(byId(result.documents, 'author-jane-park')).toBe(author());
    expect(result.rejected).toEqual([
      { id: 'author-jane-park', field: 'name', message: 'expected a non-empty name', serving: 'last valid version' },
    ]);
  });

  test('a story whose author was deleted has no other version to fall back on: it is left out, with the hint', () => {
    const docs = base.filter((d) => d['_id'] !== 'author-jane-park');
    const result = admitted(admitDocuments({ documents: docs, assets: [] }, accepted, CONFIG));
    const stories = byAuthor('author-jane-park');
    for (const id of stories) expect(byId(result.documents, id)).toBeUndefined();
    expect(result.rejected.map((r) => r.id).sort()).toEqual([...stories].sort());
    for (const r of result.rejected)
      expect(r).toEqual({
        id: r.id,
        field: expect.stringMatching(/^authors\[\d\]$/),
        message:
          'the reference points at "author-jane-park", which does not exist or is not published (publish that document or pick another)',
        serving: 'left out',
      });
  });

  test('when the last valid version fails too, the story is left out and the newest version’s problem reported', () => {
    const id = byAuthor('author-jane-park')[0] ?? '';
    const old = byId(base, id) ?? template();
    // The new version drops the deleted author but has no title; the last valid one still names that author.
    const edited = { ...old, _rev: 'r2', title: '', authors: [ref('author-daniel-reyes')] };
    const docs = base.filter((d) => d['_id'] !== 'author-jane-park').map((d) => (d === old ? edited : d));
    const result = admitted(admitDocuments({ documents: docs, assets: [] }, accepted, CONFIG));
    expect(byId(result.documents, id)).toBeUndefined();
    expect(result.rejected.filter((r) => r.id === id)).toEqual([
      { id, field: 'title', message: 'expected non-empty text, received ""', serving: 'left out' },
    ]);
  });

  test('documents that refer to no left-out document are passed on as they are; the others as weakened copies', () => {
    const bad = story('bad-pinned-2', { dek: '' });
    // (A field may be null: it is no reference.)
    const pinning = story('pinning-2', {
      related: [ref('story-bad-pinned-2'), ref(String(template()['_id']))],
      note: null,
      kicker: 'text',
    });
    const result = admitted(admitDocuments({ documents: [...base, bad, pinning], assets: [] }, accepted, CONFIG));
    for (const doc of base) expect(byId(result.documents, String(doc['_id']))).toBe(doc);
    const weakened = byId(result.documents, pinning['_id']);
    expect(weakened).not.toBe(pinning);
    expect(weakened?.['related']).toEqual([
      { ...ref('story-bad-pinned-2'), _weak: true },
      ref(String(template()['_id'])),
    ]);
    // The input is not changed.
    expect(pinning['related']).toEqual([ref('story-bad-pinned-2'), ref(String(template()['_id']))]);
  });
});

describe('admitDocuments: issues given by the caller', () => {
  test('they are used instead of a first validation; the next round validates', () => {
    const id = String(template()['_id']);
    const given = [{ where: id, field: 'title', message: 'said the caller' }];
    const result = admitted(admitDocuments({ documents: base, assets: [] }, accepted, CONFIG, given));
    // Its last valid version is this very revision: nothing to fall back on.
    expect(byId(result.documents, id)).toBeUndefined();
    expect(result.rejected).toEqual([{ id, field: 'title', message: 'said the caller', serving: 'left out' }]);
  });

  test('a problem that names no document fails the admission, with the problems', () => {
    const given = [{ where: 'content/site.yaml', field: 'name', message: 'not a document' }];
    expect(admitDocuments({ documents: base, assets: [] }, accepted, CONFIG, given)).toEqual({
      ok: false,
      issues: given,
    });
  });

  test('one problem that names no document is enough, beside others that do', () => {
    const given = [
      { where: String(template()['_id']), field: 'title', message: 'a document' },
      { where: 'content/site.yaml', field: 'name', message: 'not a document' },
    ];
    expect(admitDocuments({ documents: base, assets: [] }, accepted, CONFIG, given)).toEqual({
      ok: false,
      issues: given,
    });
  });

  test('issues given for content that a slug takeover changes are not used', () => {
    const live = template();
    const slug = (live['slug'] as { current: string }).current;
    const claimant = story(slug, { _id: 'story-0000-claimant' });
    const documents = [...base, claimant];
    // Validation alone faults the live story (its id sorts later).
    const issues = [{ where: String(live['_id']), field: 'slug', message: 'duplicate' }];
    const result = admitted(admitDocuments({ documents, assets: [] }, accepted, CONFIG, issues));
    expect(byId(result.documents, String(live['_id']))).toBe(live);
    expect(result.rejected.map((r) => r.id)).toEqual(['story-0000-claimant']);
  });
});

describe('admitDocuments: slugs of live documents', () => {
  test('the message names the slug, its live holder, and the hint', () => {
    const live = template();
    const slug = (live['slug'] as { current: string }).current;
    const result = admitted(
      admitDocuments(
        { documents: [...base, story(slug, { _id: 'story-zzz-claimant' })], assets: [] },
        accepted,
        CONFIG,
      ),
    );
    expect(result.rejected).toEqual([
      {
        id: 'story-zzz-claimant',
        field: 'slug',
        message: `the story slug "${slug}" is already used by ${String(live['_id'])}, which is live (give each story its own slug)`,
        serving: 'left out',
      },
    ]);
  });

  test('a slug its live holder gave up in the same change may be taken', () => {
    const live = template();
    const slug = (live['slug'] as { current: string }).current;
    const moved = { ...live, _rev: 'r2', slug: { _type: 'slug', current: `${slug}-moved` } };
    const claimant = story(slug, { _id: 'story-0000-claimant' });
    const docs = [...base.map((d) => (d === live ? moved : d)), claimant];
    const result = admitted(admitDocuments({ documents: docs, assets: [] }, accepted, CONFIG));
    expect(result.rejected).toEqual([]);
    expect(slugs(result.documents)).toEqual(expect.arrayContaining([slug, `${slug}-moved`]));
  });

  test('slugs are per type: a section may have a live story’s slug', () => {
    const slug = (template()['slug'] as { current: string }).current;
    const section = {
      _id: 'section-0000',
      _type: 'section',
      _rev: 'r1',
      name: 'Same slug',
      slug: { _type: 'slug', current: slug },
    };
    const result = admitted(admitDocuments({ documents: [...base, section], assets: [] }, accepted, CONFIG));
    expect(result.rejected).toEqual([]);
    expect(byId(result.documents, 'section-0000')).toBe(section);
  });

  test('documents without a slug (comments) claim none', () => {
    const comment = (id: string) => ({ _id: id, _type: 'comment', _rev: 'r1', state: 'pending', name: 'A', text: 'B' });
    const live = comment('comment-1');
    const known = new Map([...accepted, ['comment-1', live]]);
    const result = admitted(
      admitDocuments({ documents: [...base, live, comment('comment-2')], assets: [] }, known, CONFIG),
    );
    expect(result.rejected).toEqual([]);
    expect(byId(result.documents, 'comment-2')).toEqual(comment('comment-2'));
  });
});
