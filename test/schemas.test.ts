import type { SanityClient as LakeClient } from '@sanity/client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  checkAltText,
  checkMaxChars,
  checkNotSelfReference,
  checkSlug,
  checkSourceComplete,
  checkUpdatedAfterPublished,
  checkUpdateNoteHasTime,
  messages,
  slugify,
} from '../schemas/validation.ts';
import { SLUG_PATTERN } from '../src/lib/model/rules.ts';
import { startTestLake, type TestLake } from './lake/lake-harness.ts';
import { sanity, studioWorkspace, type StudioWorkspace } from './studio-harness.ts';

const { storySubtitle } = await import('../schemas/story.ts');
const { storyFilters } = await import('../schemas/structure.ts');

/** A document as the lake stores it. */
type Doc = { _id: string; _type: string } & Record<string, unknown>;

describe('validation rules: the checks themselves', () => {
  test.each([
    ['a 120-character headline', 'h'.repeat(120), true],
    ['a 121-character headline', 'h'.repeat(121), `${messages.headlineTooLong} (121 characters, limit 120)`],
    ['no headline (the required rule reports it)', undefined, true],
  ])('checkMaxChars: %s', (_name, value, expected) => {
    expect(checkMaxChars(value, 120, messages.headlineTooLong)).toBe(expected);
  });

  const asset = { _type: 'reference', _ref: 'image-abc123-1200x800-jpg' };
  test.each([
    ['an image with an asset and alt text', 'A crowd outside parliament', { asset }, true],
    ['an image with an asset and no alt', undefined, { asset }, messages.altMissing],
    ['an image with an asset and blank alt', '   ', { asset }, messages.altMissing],
    ['an image without an asset', undefined, { _type: 'image' }, true],
    ['no image at all', undefined, undefined, true],
  ])('checkAltText: %s', (_name, alt, image, expected) => {
    expect(checkAltText(alt, image)).toBe(expected);
  });

  test.each([
    ['updated after publishing', '2026-03-12T11:00:00Z', '2026-03-12T10:00:00Z', true],
    [
      'updated before publishing',
      '2026-03-12T09:00:00Z',
      '2026-03-12T10:00:00Z',
      `${messages.updatedBeforePublished} (2026-03-12T10:00:00Z)`,
    ],
    [
      'updated at the publish time',
      '2026-03-12T10:00:00Z',
      '2026-03-12T10:00:00Z',
      `${messages.updatedBeforePublished} (2026-03-12T10:00:00Z)`,
    ],
    ['offsets compared as instants', '2026-03-12T11:30:00+01:00', '2026-03-12T10:00:00Z', true],
    ['no update time', undefined, '2026-03-12T10:00:00Z', true],
  ])('checkUpdatedAfterPublished: %s', (_name, updatedAt, publishedAt, expected) => {
    expect(checkUpdatedAfterPublished(updatedAt, publishedAt)).toBe(expected);
  });

  test.each([
    ['a note with a time', 'Adds the response', '2026-03-12T11:00:00Z', true],
    ['a note without a time', 'Adds the response', undefined, messages.updateNoteWithoutTime],
    ['a time without a note', undefined, '2026-03-12T11:00:00Z', true],
  ])('checkUpdateNoteHasTime: %s', (_name, note, updatedAt, expected) => {
    expect(checkUpdateNoteHasTime(note, updatedAt)).toBe(expected);
  });

  test.each([
    ['name and url', { name: 'Reuters', url: 'https://reuters.com/x' }, true],
    ['neither', {}, true],
    ['no source object', undefined, true],
    ['a name only', { name: 'Reuters' }, [{ message: messages.sourceNeedsUrl, path: ['url'] }]],
    ['a url only', { url: 'https://reuters.com/x' }, [{ message: messages.sourceNeedsName, path: ['name'] }]],
    [
      'a blank name with a url',
      { name: ' ', url: 'https://reuters.com/x' },
      [{ message: messages.sourceNeedsName, path: ['name'] }],
    ],
  ])('checkSourceComplete: %s', (_name, source, expected) => {
    expect(checkSourceComplete(source)).toEqual(expected);
  });

  test.each([
    ['a clean slug', { _type: 'slug', current: 'budget-vote-delayed' }, true],
    ['no slug', undefined, 'Generate a slug'],
    ['an empty slug', { _type: 'slug', current: '' }, 'Generate a slug'],
    ['capitals and spaces', { _type: 'slug', current: 'Budget Vote' }, `${messages.slugFormat}; now "Budget Vote"`],
    ['a double hyphen', { _type: 'slug', current: 'budget--vote' }, `${messages.slugFormat}; now "budget--vote"`],
  ])('checkSlug: %s', (_name, value, expected) => {
    expect(checkSlug(value, 'Generate a slug')).toBe(expected);
  });

  test.each([
    ['Budget vote delayed', 'budget-vote-delayed'],
    ['Zelensky’s “peace plan”: what’s in it?', 'zelenskys-peace-plan-whats-in-it'],
    ['Café & Crème Brûlée', 'cafe-and-creme-brulee'],
    ['  --Already--slugged--  ', 'already-slugged'],
  ])('slugify(%j) is %j and matches the site pattern', (input, expected) => {
    expect(slugify(input)).toBe(expected);
    expect(SLUG_PATTERN.test(slugify(input))).toBe(true);
  });

  test('slugify cuts long input at a word boundary within the limit', () => {
    const slug = slugify('word '.repeat(40), 22);
    expect(slug).toBe('word-word-word-word');
    expect(slugify('x'.repeat(30), 10)).toBe('xxxxxxxxxx');
  });

  test('checkNotSelfReference points at the item that references the story itself', () => {
    const refs = [
      { _key: 'a', _type: 'reference', _ref: 'other' },
      { _key: 'b', _type: 'reference', _ref: 'story-1' },
    ];
    expect(checkNotSelfReference(refs, 'drafts.story-1')).toEqual([
      { message: messages.relatedSelf, path: [{ _key: 'b' }] },
    ]);
    expect(checkNotSelfReference(refs, 'story-2')).toBe(true);
  });

  test('storySubtitle shows the section and the publish date', () => {
    expect(storySubtitle('Politics', '2026-03-12T23:30:00Z', 'UTC')).toBe('Politics · 12 Mar 2026');
    expect(storySubtitle('Politics', '2026-03-12T23:30:00Z', 'Europe/Berlin')).toBe('Politics · 13 Mar 2026');
    expect(storySubtitle(undefined, undefined)).toBe('No section · no publish time');
  });

  test('storySubtitle marks a scheduled story, with its time in the zone, the zone named', () => {
    const now = Date.parse('2026-03-01T00:00:00Z');
    expect(storySubtitle('Politics', '2026-03-12T23:30:00Z', 'Europe/Berlin', now)).toBe(
      'Scheduled: Mar 13, 2026, 12:30 AM GMT+1 · Politics',
    );
    // The newsroom's zone (UTC here: SANITY_STUDIO_TIME_ZONE is unset in tests) when none is given.
    expect(storySubtitle('Politics', '2026-03-12T23:30:00Z', undefined, now)).toBe(
      'Scheduled: Mar 12, 2026, 11:30 PM UTC · Politics',
    );
    expect(storySubtitle('Politics', '2026-02-12T23:30:00Z', 'UTC', now)).toBe('Politics · 12 Feb 2026');
  });
});

// The same rules run through Sanity's own validator, with the Studio's real config and schema, so a rule attached
// to the wrong field or a message overridden by the rule chain shows up here. Slug uniqueness queries the project's
// local Sanity-compatible API (lake/) through the real @sanity/client, as the Studio would.
describe('validation rules: whole documents through Sanity validateDocument', () => {
  let lake: TestLake;
  let client: LakeClient;
  let workspace: StudioWorkspace;

  const ref = (id: string, key?: string) => ({ _type: 'reference', _ref: id, ...(key ? { _key: key } : {}) });
  const seed: Doc[] = [
    { _id: 'section-politics', _type: 'section', name: 'Politics', slug: { _type: 'slug', current: 'politics' } },
    { _id: 'author-jane', _type: 'author', name: 'Jane Doe', slug: { _type: 'slug', current: 'jane-doe' } },
    { _id: 'tag-budget', _type: 'tag', name: 'Budget', slug: { _type: 'slug', current: 'budget' } },
    { _id: 'image-abc123-1200x800-jpg', _type: 'sanity.imageAsset', url: 'https://example.com/a.jpg' },
  ];
  const existingStory: Doc = {
    _id: 'story-existing',
    _type: 'story',
    title: 'Budget vote delayed',
    slug: { _type: 'slug', current: 'budget-vote-delayed' },
  };

  /** A story that passes every rule; each test breaks one thing. */
  function validStory(): Record<string, unknown> {
    return {
      _id: 'drafts.story-new',
      _type: 'story',
      _createdAt: '2026-03-12T09:00:00Z',
      _updatedAt: '2026-03-12T09:00:00Z',
      _rev: 'r1',
      title: 'Parliament passes the budget after all-night session',
      slug: { _type: 'slug', current: 'parliament-passes-budget' },
      dek: 'The vote ends weeks of talks between the coalition partners.',
      body: [
        {
          _type: 'block',
          _key: 'p1',
          style: 'normal',
          markDefs: [{ _type: 'link', _key: 'l1', href: 'https://parliament.example/vote' }],
          children: [
            { _type: 'span', _key: 's1', text: 'Why it matters:', marks: ['leadIn'] },
            { _type: 'span', _key: 's2', text: ' the full text', marks: ['l1'] },
          ],
        },
        { _type: 'image', _key: 'i1', asset: ref('image-abc123-1200x800-jpg'), alt: 'The chamber at dawn' },
      ],
      publishedAt: '2026-03-12T10:00:00Z',
      section: ref('section-politics'),
      tags: [ref('tag-budget', 't1')],
      authors: [ref('author-jane', 'a1')],
      source: { name: 'Parliament', url: 'https://parliament.example/' },
      mainImage: { _type: 'image', asset: ref('image-abc123-1200x800-jpg'), alt: 'MPs voting' },
      seo: { metaTitle: 'Budget passes', metaDescription: 'The vote ends weeks of talks.' },
    };
  }

  async function markersFor(document: Record<string, unknown>) {
    const markers = await sanity.validateDocument({
      // validateDocument types its input as a full SanityDocument; the fixture carries the fields it reads.
      document: document as unknown as Parameters<typeof sanity.validateDocument>[0]['document'],
      workspace,
      getDocumentExists: async ({ id }) => (await client.getDocument(id)) !== undefined,
      // 'studio' is what editors get; 'cli' turns object-field errors into warnings (an unknown-fields check).
      environment: 'studio',
    });
    return markers.map((m) => ({ level: m.level, path: sanity.pathToString(m.path), message: m.message }));
  }

  beforeAll(async () => {
    lake = await startTestLake();
    client = lake.client();
    await Promise.all([...seed, existingStory].map((doc) => client.createOrReplace(doc)));
    workspace = await studioWorkspace(client);
  });
  afterAll(async () => {
    await lake?.close();
  });

  test('a complete story has no errors or warnings', async () => {
    expect(await markersFor(validStory())).toEqual([]);
  });

  test.each<[string, (doc: Record<string, unknown>) => void, { level: string; path: string; message: string }]>([
    [
      'a headline over 120 characters',
      (doc) => (doc['title'] = `${'Long headline '.repeat(10)}`),
      { level: 'error', path: 'title', message: `${messages.headlineTooLong} (140 characters, limit 120)` },
    ],
    [
      'a main image with an asset but no alt text',
      (doc) => (doc['mainImage'] = { _type: 'image', asset: ref('image-abc123-1200x800-jpg') }),
      { level: 'error', path: 'mainImage.alt', message: messages.altMissing },
    ],
    [
      'an inline body image without alt text',
      (doc) => (doc['body'] = [{ _type: 'image', _key: 'i1', asset: ref('image-abc123-1200x800-jpg') }]),
      { level: 'error', path: 'body[_key=="i1"].alt', message: messages.altMissing },
    ],
    [
      'a source address with an ftp: scheme',
      (doc) => (doc['source'] = { name: 'Archive', url: 'ftp://archive.example/file' }),
      { level: 'error', path: 'source.url', message: messages.sourceUrlScheme },
    ],
    [
      'a source name without an address',
      (doc) => (doc['source'] = { name: 'Reuters' }),
      { level: 'error', path: 'source.url', message: messages.sourceNeedsUrl },
    ],
    [
      'a body link with a javascript: scheme',
      (doc) =>
        (doc['body'] = [
          {
            ...(validStory()['body'] as object[])[0],
            markDefs: [{ _type: 'link', _key: 'l1', href: 'javascript:alert(1)' }],
          },
        ]),
      { level: 'error', path: 'body[_key=="p1"].markDefs[_key=="l1"].href', message: messages.linkScheme },
    ],
    [
      'an update time before the publish time',
      (doc) => (doc['updatedAt'] = '2026-03-12T09:59:00Z'),
      { level: 'error', path: 'updatedAt', message: `${messages.updatedBeforePublished} (2026-03-12T10:00:00Z)` },
    ],
    [
      'an update note without an update time',
      (doc) => (doc['updateNote'] = 'Adds the minister’s response'),
      { level: 'warning', path: 'updateNote', message: messages.updateNoteWithoutTime },
    ],
    [
      'a meta title over 60 characters',
      (doc) => (doc['seo'] = { metaTitle: 'm'.repeat(61) }),
      { level: 'warning', path: 'seo.metaTitle', message: `${messages.metaTitleTooLong} (61 characters, limit 60)` },
    ],
    [
      'nine tags',
      (doc) => (doc['tags'] = Array.from({ length: 9 }, (_, i) => ref(`tag-${i}`, `t${i}`))),
      { level: 'error', path: 'tags', message: 'Use at most 8 tags: keep the ones readers would follow' },
    ],
    [
      'no authors',
      (doc) => (doc['authors'] = []),
      { level: 'error', path: 'authors', message: 'Credit at least one author' },
    ],
    [
      'the story pinned as related to itself',
      (doc) => (doc['related'] = [ref('story-new', 'r1')]),
      { level: 'error', path: 'related[_key=="r1"]', message: messages.relatedSelf },
    ],
    [
      'a slug another story already uses',
      (doc) => (doc['slug'] = { _type: 'slug', current: 'budget-vote-delayed' }),
      { level: 'error', path: 'slug', message: 'Slug is already in use' },
    ],
  ])('%s', async (_name, breakIt, expected) => {
    const doc = validStory();
    breakIt(doc);
    const markers = await markersFor(doc);
    expect(markers).toContainEqual(expected);
  });

  test("a slug is unique per type: the story's own published version and a tag with the same slug do not clash", async () => {
    await client.createOrReplace({ _id: 'story-new', _type: 'story', slug: { _type: 'slug', current: 'shared-slug' } });
    await client.createOrReplace({
      _id: 'tag-shared',
      _type: 'tag',
      name: 'Shared',
      slug: { _type: 'slug', current: 'shared-slug' },
    });
    const doc = validStory();
    doc['slug'] = { _type: 'slug', current: 'shared-slug' };
    expect(await markersFor(doc)).toEqual([]);
  });
});

describe('desk structure filters, run by the local API', () => {
  let lake: TestLake;
  let client: LakeClient;
  const now = Date.now();
  const iso = (offsetHours: number) => new Date(now + offsetHours * 3_600_000).toISOString();

  beforeAll(async () => {
    lake = await startTestLake();
    client = lake.client();
    const docs: Doc[] = [
      // Published, no pending edits.
      { _id: 'live', _type: 'story', publishedAt: iso(-48), section: { _type: 'reference', _ref: 'section-politics' } },
      // Published with pending edits.
      {
        _id: 'edited',
        _type: 'story',
        publishedAt: iso(-24),
        section: { _type: 'reference', _ref: 'section-business' },
      },
      {
        _id: 'drafts.edited',
        _type: 'story',
        publishedAt: iso(-24),
        section: { _type: 'reference', _ref: 'section-business' },
      },
      // Never published.
      {
        _id: 'drafts.new',
        _type: 'story',
        publishedAt: iso(-1),
        section: { _type: 'reference', _ref: 'section-politics' },
      },
      // Published, to appear in a day.
      {
        _id: 'scheduled',
        _type: 'story',
        publishedAt: iso(24),
        section: { _type: 'reference', _ref: 'section-politics' },
      },
      { _id: 'section-politics', _type: 'section', name: 'Politics' },
      { _id: 'section-business', _type: 'section', name: 'Business' },
    ];
    // One transaction: the lake, like Sanity, refuses a strong reference to a document that does not exist yet.
    await docs.reduce((transaction, doc) => transaction.createOrReplace(doc), client.transaction()).commit();
  });
  afterAll(async () => {
    await lake?.close();
  });

  const ids = async (filter: string, perspective: 'drafts' | 'raw', params: Record<string, unknown> = {}) =>
    (await client.fetch<string[]>(`*[${filter}] | order(_id) ._id`, params, { perspective })).sort();

  test.each([
    ['drafts', 'drafts' as const, storyFilters.drafts, ['edited', 'new']],
    ['published', 'drafts' as const, storyFilters.published, ['live', 'scheduled']],
    ['scheduled', 'drafts' as const, storyFilters.scheduled, ['scheduled']],
    ['all', 'drafts' as const, storyFilters.all, ['edited', 'live', 'new', 'scheduled']],
    ['drafts', 'raw' as const, storyFilters.drafts, ['drafts.edited', 'drafts.new']],
    ['published', 'raw' as const, storyFilters.published, ['edited', 'live', 'scheduled']],
  ])('%s, %s perspective', async (_name, perspective, filter, expected) => {
    expect(await ids(filter, perspective)).toEqual(expected);
  });

  test('stories of one section', async () => {
    expect(await ids(storyFilters.inSection, 'drafts', { sectionId: 'section-politics' })).toEqual([
      'live',
      'new',
      'scheduled',
    ]);
  });
});

describe('help texts', () => {
  /** The dotted path of every field of `fields` without a description, sub-fields of objects and images included. */
  function undescribed(fields: readonly Record<string, unknown>[], prefix = ''): string[] {
    return fields.flatMap((field) => {
      const path = `${prefix}${String(field['name'])}`;
      const missing = typeof field['description'] === 'string' && field['description'].trim() !== '' ? [] : [path];
      const sub = field['fields'];
      return Array.isArray(sub) ? [...missing, ...undescribed(sub as Record<string, unknown>[], `${path}.`)] : missing;
    });
  }

  test('every story field, and every field inside one, tells the editor what it is for', async () => {
    const { story } = await import('../schemas/story.ts');
    expect(story.fields.length).toBeGreaterThan(10);
    expect(undescribed(story.fields as unknown as Record<string, unknown>[])).toEqual([]);
  });

  test("a tag created from a story's tag picker starts with the typed name and its slug", async () => {
    const { tagInitialValue } = await import('../schemas/tag-picker.ts');
    expect(tagInitialValue({ name: '  Électricité & Gas ' })).toEqual({
      name: 'Électricité & Gas',
      slug: { _type: 'slug', current: 'electricite-and-gas' },
    });
    expect(tagInitialValue({ name: '!!!' })).toEqual({ name: '!!!' });
    expect(tagInitialValue({ name: '  ' })).toEqual({});
    expect(tagInitialValue(undefined)).toEqual({});
  });
});
