// One set of cases, two judges: the Studio (Sanity's own `validateDocument` with the Studio's real config and schema,
// as in schemas.test.ts) and the build (the Sanity source mapping, whose stories go through `parseStory` and whose
// tags through `tagDefSchema`). For each case both must give the same verdict on the same field: a document the
// Studio accepts builds, and a story the build refuses is already an error in the Studio. Where the content rules
// give a `warn` and a `max`, the Studio warns between the two and the build still builds.
import type { SanityClient as LakeClient } from '@sanity/client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BLOCK_STYLES, DECORATORS, LIMITS, LIST_TYPES } from '../src/lib/model/rules.ts';
import { siteSourceFromDocuments, type SanityAsset } from '../src/lib/sources/sanity/site-source.ts';
import { startTestLake, type TestLake } from './lake/lake-harness.ts';
import { sanity, studioWorkspace, type StudioWorkspace } from './studio-harness.ts';

type Doc = { _id: string; _type: string } & Record<string, unknown>;
/** What a judge says of a document: nothing to say, a warning the editor may publish past, or a refusal. */
type Verdict = 'ok' | 'warning' | 'error';
/** A verdict and the top-level fields it is about (`seo` for `seo.metaTitle`, `body` for `body[3].style`). */
type Judgement = { verdict: Verdict; fields: string[] };

const CONFIG = { projectId: 'local', dataset: 'production', apiHost: 'http://127.0.0.1:3333' };
const ref = (id: string) => ({ _type: 'reference', _ref: id, _key: id });
const slug = (current: string) => ({ _type: 'slug', current });
const text = (length: number) => 'x'.repeat(length);
const block = (key: string, fields: Record<string, unknown> = {}) => ({
  _type: 'block',
  _key: key,
  style: 'normal',
  markDefs: [],
  children: [{ _type: 'span', _key: `${key}s`, text: 'The body.', marks: [] }],
  ...fields,
});
const ASSET: SanityAsset = {
  _id: 'image-abc123-1200x800-jpg',
  url: 'https://cdn.example/abc123-1200x800.jpg',
  width: 1200,
  height: 800,
};

const TAGS = Array.from({ length: LIMITS.tags.max + 1 }, (_, i): Doc => ({
  _id: `tag-${i}`,
  _type: 'tag',
  name: `Topic ${i}`,
  slug: slug(`topic-${i}`),
}));
const OTHER_STORIES = Array.from({ length: LIMITS.related.max + 1 }, (_, i) => story(`story-other-${i}`));
/** The documents every case's story may point at, in the lake (for the Studio) and in the build's input. */
const SEED: Doc[] = [
  { _id: 'section-politics', _type: 'section', name: 'Politics', slug: slug('politics') },
  { _id: 'author-jane', _type: 'author', name: 'Jane Doe', slug: slug('jane-doe') },
  { _id: ASSET._id, _type: 'sanity.imageAsset', url: ASSET.url },
  ...TAGS,
  ...OTHER_STORIES,
];

/** A story that both judges accept without a word; each case changes one thing. */
function story(id: string): Doc {
  return {
    _id: id,
    _type: 'story',
    _createdAt: '2026-03-12T09:00:00Z',
    _updatedAt: '2026-03-12T09:00:00Z',
    _rev: 'r1',
    title: 'Parliament passes the budget after all-night session',
    slug: slug(id.replace(/^story-/, '')),
    dek: 'The vote ends weeks of talks between the coalition partners.',
    body: [block('p1')],
    publishedAt: '2026-03-12T10:00:00Z',
    section: ref('section-politics'),
    tags: [ref('tag-0')],
    authors: [ref('author-jane')],
  };
}

/** A tag document both judges accept. */
function tag(): Doc {
  return {
    _id: 'tag-new',
    _type: 'tag',
    _createdAt: '2026-03-12T09:00:00Z',
    _updatedAt: '2026-03-12T09:00:00Z',
    _rev: 'r1',
    name: 'Budget',
    slug: slug('budget'),
  };
}

const topField = (path: string) => /^[^.[]+/.exec(path)?.[0] ?? path;
const fieldsOf = (paths: string[]) => [...new Set(paths.map(topField))].sort();

describe('the Studio and the build judge the same content the same way', () => {
  let lake: TestLake;
  let client: LakeClient;
  let workspace: StudioWorkspace;

  beforeAll(async () => {
    lake = await startTestLake();
    client = lake.client();
    await SEED.reduce((transaction, doc) => transaction.createOrReplace(doc), client.transaction()).commit();
    workspace = await studioWorkspace(client);
  });
  afterAll(async () => {
    await lake?.close();
  });

  async function studioJudges(document: Doc): Promise<Judgement> {
    const markers = await sanity.validateDocument({
      document: document as unknown as Parameters<typeof sanity.validateDocument>[0]['document'],
      workspace,
      getDocumentExists: async ({ id }) => (await client.getDocument(id)) !== undefined,
      environment: 'studio',
    });
    const errors = markers.filter((m) => m.level === 'error');
    const warnings = markers.filter((m) => m.level === 'warning');
    if (errors.length > 0)
      return { verdict: 'error', fields: fieldsOf(errors.map((m) => sanity.pathToString(m.path))) };
    if (warnings.length > 0)
      return { verdict: 'warning', fields: fieldsOf(warnings.map((m) => sanity.pathToString(m.path))) };
    return { verdict: 'ok', fields: [] };
  }

  /** The build has no warnings: a document builds (`ok`) or is refused with issues on its fields (`error`). */
  function buildJudges(document: Doc): Judgement {
    const source = siteSourceFromDocuments({ documents: [...SEED, document], assets: [ASSET] }, CONFIG);
    const issues = source.issues.filter((issue) => issue.where === document._id);
    return issues.length > 0
      ? { verdict: 'error', fields: fieldsOf(issues.map((issue) => issue.field)) }
      : { verdict: 'ok', fields: [] };
  }

  const refs = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => ref(`${prefix}${i}`));

  test.each<[string, (doc: Doc) => void, Verdict, string?]>([
    ['a complete story', () => {}, 'ok'],
    [`${LIMITS.tags.max} tags`, (doc) => (doc['tags'] = refs('tag-', LIMITS.tags.max)), 'ok'],
    [`${LIMITS.tags.max + 1} tags`, (doc) => (doc['tags'] = refs('tag-', LIMITS.tags.max + 1)), 'error', 'tags'],
    [
      `${LIMITS.related.max} pinned related stories`,
      (doc) => (doc['related'] = refs('story-other-', LIMITS.related.max)),
      'ok',
    ],
    [
      `${LIMITS.related.max + 1} pinned related stories`,
      (doc) => (doc['related'] = refs('story-other-', LIMITS.related.max + 1)),
      'error',
      'related',
    ],
    [
      `a meta title of ${LIMITS.metaTitle.warn} characters`,
      (doc) => (doc['seo'] = { metaTitle: text(LIMITS.metaTitle.warn) }),
      'ok',
    ],
    [
      `a meta title of ${LIMITS.metaTitle.warn + 1} characters`,
      (doc) => (doc['seo'] = { metaTitle: text(LIMITS.metaTitle.warn + 1) }),
      'warning',
      'seo',
    ],
    [
      `a meta title of ${LIMITS.metaTitle.max} characters`,
      (doc) => (doc['seo'] = { metaTitle: text(LIMITS.metaTitle.max) }),
      'warning',
      'seo',
    ],
    [
      `a meta title of ${LIMITS.metaTitle.max + 1} characters`,
      (doc) => (doc['seo'] = { metaTitle: text(LIMITS.metaTitle.max + 1) }),
      'error',
      'seo',
    ],
    [
      `a meta description of ${LIMITS.metaDescription.warn} characters`,
      (doc) => (doc['seo'] = { metaDescription: text(LIMITS.metaDescription.warn) }),
      'ok',
    ],
    [
      `a meta description of ${LIMITS.metaDescription.warn + 1} characters`,
      (doc) => (doc['seo'] = { metaDescription: text(LIMITS.metaDescription.warn + 1) }),
      'warning',
      'seo',
    ],
    [
      `a meta description of ${LIMITS.metaDescription.max} characters`,
      (doc) => (doc['seo'] = { metaDescription: text(LIMITS.metaDescription.max) }),
      'warning',
      'seo',
    ],
    [
      `a meta description of ${LIMITS.metaDescription.max + 1} characters`,
      (doc) => (doc['seo'] = { metaDescription: text(LIMITS.metaDescription.max + 1) }),
      'error',
      'seo',
    ],
    [`a headline of ${LIMITS.headline.max} characters`, (doc) => (doc['title'] = text(LIMITS.headline.max)), 'ok'],
    [
      `a headline of ${LIMITS.headline.max + 1} characters`,
      (doc) => (doc['title'] = text(LIMITS.headline.max + 1)),
      'error',
      'title',
    ],
    ['no dek', (doc) => delete doc['dek'], 'error', 'dek'],
    [`a dek of ${LIMITS.dek.max + 1} characters`, (doc) => (doc['dek'] = text(LIMITS.dek.max + 1)), 'error', 'dek'],
    [
      `an update note of ${LIMITS.updateNote.max + 1} characters`,
      (doc) => Object.assign(doc, { updatedAt: '2026-03-12T11:00:00Z', updateNote: text(LIMITS.updateNote.max + 1) }),
      'error',
      'updateNote',
    ],
    [
      'an update time before the publish time',
      (doc) => (doc['updatedAt'] = '2026-03-12T09:59:00Z'),
      'error',
      'updatedAt',
    ],
    ['a slug with capitals and spaces', (doc) => (doc['slug'] = slug('Budget Vote')), 'error', 'slug'],
    ['a slug with a double hyphen', (doc) => (doc['slug'] = slug('budget--vote')), 'error', 'slug'],
    ['a slug with a trailing hyphen', (doc) => (doc['slug'] = slug('budget-vote-')), 'error', 'slug'],
    ['no slug', (doc) => delete doc['slug'], 'error', 'slug'],
    ['no authors', (doc) => (doc['authors'] = []), 'error', 'authors'],
    ['no section', (doc) => delete doc['section'], 'error', 'section'],
    ...BLOCK_STYLES.map((style): [string, (doc: Doc) => void, Verdict] => [
      `a "${style}" block`,
      (doc) => (doc['body'] = [block('b1', { style })]),
      'ok',
    ]),
    // The Studio's toolbar offers only the rules' styles, but its validation lets a pasted or API-written style
    // through, and so does the build: the renderer makes h1 an h2 as the import does, h5 and h6 headings, any other
    // style a paragraph, and any other list type a bullet.
    ...['h1', 'h5', 'h6', 'lead'].map((style): [string, (doc: Doc) => void, Verdict] => [
      `a block style the Studio does not offer: "${style}"`,
      (doc) => (doc['body'] = [block('p1'), block('b1', { style })]),
      'ok',
    ]),
    ...LIST_TYPES.map((listItem): [string, (doc: Doc) => void, Verdict] => [
      `a "${listItem}" list item`,
      (doc) => (doc['body'] = [block('b1', { listItem, level: 1 })]),
      'ok',
    ]),
    [
      'a list type the Studio does not offer: "check"',
      (doc) => (doc['body'] = [block('b1', { listItem: 'check', level: 1 })]),
      'ok',
    ],
    [
      'a decorator the Studio does not offer: "underline"',
      (doc) =>
        (doc['body'] = [block('b1', { children: [{ _type: 'span', _key: 's', text: 'x', marks: ['underline'] }] })]),
      'ok',
    ],
    ['a block without text', (doc) => (doc['body'] = [block('p1'), block('b1', { children: [] })]), 'ok'],
    [
      'a main image with alt text',
      (doc) =>
        (doc['mainImage'] = { _type: 'image', asset: { _type: 'reference', _ref: ASSET._id }, alt: 'MPs voting' }),
      'ok',
    ],
    [
      'a main image without alt text',
      (doc) => (doc['mainImage'] = { _type: 'image', asset: { _type: 'reference', _ref: ASSET._id } }),
      'error',
      'mainImage',
    ],
    [
      `an image caption of ${LIMITS.imageCaption.max + 1} characters`,
      (doc) =>
        (doc['mainImage'] = {
          _type: 'image',
          asset: { _type: 'reference', _ref: ASSET._id },
          alt: 'MPs voting',
          caption: text(LIMITS.imageCaption.max + 1),
        }),
      'error',
      'mainImage',
    ],
    [
      `an image credit of ${LIMITS.imageCredit.max + 1} characters`,
      (doc) =>
        (doc['mainImage'] = {
          _type: 'image',
          asset: { _type: 'reference', _ref: ASSET._id },
          alt: 'MPs voting',
          credit: text(LIMITS.imageCredit.max + 1),
        }),
      'error',
      'mainImage',
    ],
    [
      'a source with a name and an address',
      (doc) => (doc['source'] = { name: 'Reuters', url: 'https://reuters.example/x' }),
      'ok',
    ],
    ['a source name without an address', (doc) => (doc['source'] = { name: 'Reuters' }), 'error', 'source'],
    [
      'a source address with an ftp: scheme',
      (doc) => (doc['source'] = { name: 'Archive', url: 'ftp://archive.example/file' }),
      'error',
      'source',
    ],
    [
      `a source name of ${LIMITS.sourceName.max + 1} characters`,
      (doc) => (doc['source'] = { name: text(LIMITS.sourceName.max + 1), url: 'https://reuters.example/x' }),
      'error',
      'source',
    ],
  ])('story: %s', async (_name, change, verdict, field) => {
    const doc = story('story-under-test');
    change(doc);
    const expected: Judgement = { verdict, fields: field ? [field] : [] };
    expect(await studioJudges(doc)).toEqual(expected);
    // The build has no warnings: what the Studio only warns about builds.
    expect(buildJudges(doc)).toEqual(verdict === 'warning' ? { verdict: 'ok', fields: [] } : expected);
  });

  test.each<[string, (doc: Doc) => void, Verdict, string?]>([
    ['a complete tag', () => {}, 'ok'],
    [`a name of ${LIMITS.tagName.max} characters`, (doc) => (doc['name'] = text(LIMITS.tagName.max)), 'ok'],
    [
      `a name of ${LIMITS.tagName.max + 1} characters`,
      (doc) => (doc['name'] = text(LIMITS.tagName.max + 1)),
      'error',
      'name',
    ],
    ['no name', (doc) => delete doc['name'], 'error', 'name'],
    ['a slug with capitals', (doc) => (doc['slug'] = slug('Budget')), 'error', 'slug'],
  ])('tag: %s', async (_name, change, verdict, field) => {
    const doc = tag();
    change(doc);
    const expected: Judgement = { verdict, fields: field ? [field] : [] };
    expect(await studioJudges(doc)).toEqual(expected);
    expect(buildJudges(doc)).toEqual(expected);
  });

  test('the Studio offers exactly the block styles, list types and decorators of the content rules', () => {
    const body = workspace.schema.get('blockContent');
    const blockType = body && 'of' in body ? body.of.find((member) => member.name === 'block') : undefined;
    const fields = blockType && 'fields' in blockType ? blockType.fields : [];
    const listValues = (name: string) => {
      const options: unknown = fields.find((f) => f.name === name)?.type.options;
      const list = options && typeof options === 'object' && 'list' in options ? options.list : undefined;
      return Array.isArray(list) ? list.map((option: { value?: unknown }) => option.value) : [];
    };
    const children = fields.find((f) => f.name === 'children')?.type;
    const span = children && 'of' in children ? children.of.find((member) => member.name === 'span') : undefined;
    const decorators: unknown = span && 'decorators' in span ? span.decorators : [];
    expect(listValues('style')).toEqual([...BLOCK_STYLES]);
    expect(listValues('listItem')).toEqual([...LIST_TYPES]);
    expect(Array.isArray(decorators) ? decorators.map((d: { value?: unknown }) => d.value) : []).toEqual([
      ...DECORATORS,
    ]);
  });
});
