// The Sanity mapping without a lake: hand-made documents through `siteSourceFromDocuments`, and the environment
// through `sanityConfigFromEnv`. Every issue must name the document `_id` (or the variable) and the field.
import { describe, expect, test } from 'vitest';
import { formatIssue } from '../../src/lib/model/content-error.ts';
import { sanityConfigFromEnv } from '../../src/lib/sources/sanity/config.ts';
import type { SanityDocument } from '../../src/lib/sources/sanity/documents.ts';
import {
  croppedSize,
  siteSourceFromDocuments,
  type SanityAsset,
  type SiteDocuments,
} from '../../src/lib/sources/sanity/site-source.ts';
import { validateSite } from '../../src/lib/site/site.ts';

/** A hand-made document or part of one (some are malformed on purpose, hence the cast where they are read). */
type Doc = Record<string, unknown>;
const CONFIG = { projectId: 'local', dataset: 'production', apiHost: 'http://127.0.0.1:3333' };
const ref = (id: string, extra: Doc = {}) => ({ _type: 'reference', _ref: id, _key: id, ...extra });
const slug = (current: string) => ({ _type: 'slug', current });
const block = (text: string) => ({
  _type: 'block',
  _key: text.slice(0, 8),
  style: 'normal',
  markDefs: [],
  children: [{ _type: 'span', _key: 's', text, marks: [] }],
});
const ASSET: SanityAsset = {
  _id: 'image-abc123-1200x675-png',
  url: 'http://127.0.0.1:3333/images/local/production/abc123-1200x675.png',
  width: 1200,
  height: 675,
};

/** The taxonomy every story below can point at. */
const TAXONOMY: Doc[] = [
  { _id: 'section-world', _type: 'section', name: 'World', slug: slug('world'), order: 0 },
  { _id: 'section-business', _type: 'section', name: 'Business', slug: slug('business'), order: 1 },
  { _id: 'author-jane-park', _type: 'author', name: 'Jane Park', slug: slug('jane-park') },
  { _id: 'tag-ukraine', _type: 'tag', name: 'Ukraine', slug: slug('ukraine') },
  { _id: 'tag-peace-plan', _type: 'tag', name: 'Peace plan', slug: slug('peace-plan'), aliases: ['Peace deal'] },
];

/** A valid published story; `fields` override or add fields. */
function story(id: string, fields: Doc = {}): Doc {
  return {
    _id: id,
    _type: 'story',
    title: `Story ${id}`,
    slug: slug(id.replace(/^(drafts\.)?story-/, '')),
    dek: 'A dek.',
    publishedAt: '2025-11-19T21:10:00Z',
    section: ref('section-world'),
    tags: [ref('tag-ukraine'), ref('tag-peace-plan')],
    authors: [ref('author-jane-park')],
    body: [block('The body.')],
    ...fields,
  };
}

const read = (documents: Doc[], assets: SanityAsset[] = [ASSET]) =>
  siteSourceFromDocuments(
    { documents: [...TAXONOMY, ...documents] as SanityDocument[], assets } satisfies SiteDocuments,
    CONFIG,
  );
const formatted = (documents: Doc[], assets?: SanityAsset[]) => read(documents, assets).issues.map(formatIssue);

describe('siteSourceFromDocuments', () => {
  test('valid documents become the site model: references resolved to slugs, images to asset URLs', () => {
    const source = read([
      story('story-a', {
        related: [ref('story-b')],
        mainImage: { _type: 'image', asset: ref(ASSET._id), alt: 'Alt text.', caption: 'A caption.' },
      }),
      story('story-b', {
        body: [block('Before.'), { _type: 'image', _key: 'img', asset: ref(ASSET._id), alt: 'Inline.' }],
      }),
    ]);
    expect(source.issues).toEqual([]);
    expect(validateSite(source)).toEqual([]);
    expect(source.sections.map((s) => s.def.slug)).toEqual(['world', 'business']);
    const [a, b] = source.stories.map((s) => s.story);
    expect(a).toMatchObject({
      id: 'story-a',
      slug: 'a',
      section: 'world',
      tags: ['ukraine', 'peace-plan'],
      authors: ['jane-park'],
      related: ['b'],
      draft: false,
      image: {
        src: 'http://127.0.0.1:3333/images/local/production/abc123-1200x675.png?w=1200&auto=format',
        alt: 'Alt text.',
        caption: 'A caption.',
        width: 1200,
        height: 675,
      },
    });
    expect(a?.image?.srcset).toContain('abc123-1200x675.png?w=480&auto=format 480w');
    expect(b?.body.value[1]).toMatchObject({
      _type: 'image',
      src: 'http://127.0.0.1:3333/images/local/production/abc123-1200x675.png?w=1200&auto=format',
    });
  });

  test("a cropped image: the page gets the crop's width and height, and the URLs (main and inline) serve the crop", () => {
    // The Studio stores a crop as the fraction cut from each side; 1200×675 cut like this leaves 840×540 at 120,34.
    const crop = { _type: 'sanity.imageCrop', left: 0.1, right: 0.2, top: 0.05, bottom: 0.15 };
    const hotspot = { _type: 'sanity.imageHotspot', x: 0.5, y: 0.5, width: 0.3, height: 0.3 };
    const source = read([
      story('story-a', {
        mainImage: { _type: 'image', asset: ref(ASSET._id), alt: 'Alt text.', crop, hotspot },
        body: [block('Before.'), { _type: 'image', _key: 'img', asset: ref(ASSET._id), alt: 'Inline.', crop }],
      }),
    ]);
    expect(source.issues).toEqual([]);
    const [a] = source.stories.map((s) => s.story);
    const rect = 'rect=120,34,840,540';
    expect(a?.image).toMatchObject({
      src: `http://127.0.0.1:3333/images/local/production/abc123-1200x675.png?${rect}&w=1200&auto=format`,
      width: 840,
      height: 540,
    });
    expect(a?.image?.srcset).toContain(`abc123-1200x675.png?${rect}&w=480&auto=format 480w`);
    expect(a?.body.value[1]).toMatchObject({
      src: `http://127.0.0.1:3333/images/local/production/abc123-1200x675.png?${rect}&w=1200&auto=format`,
    });
  });

  test("croppedSize: the crop's pixels as image-url rounds them; the asset's size without a crop", () => {
    expect(croppedSize({ width: 1200, height: 675 }, undefined)).toEqual({ width: 1200, height: 675 });
    expect(croppedSize({ width: 1200, height: 675 }, { left: 0, right: 0, top: 0, bottom: 0 })).toEqual({
      width: 1200,
      height: 675,
    });
    expect(croppedSize({ width: 1000, height: 1000 }, { left: 0.333, right: 0.333, top: 0.5, bottom: 0 })).toEqual({
      width: 334,
      height: 500,
    });
    expect(croppedSize({}, { left: 0.1, right: 0.1, top: 0.1, bottom: 0.1 })).toBeUndefined();
  });

  test('dangling references are reported with the _id and the field: section, tag, author, related story', () => {
    expect(
      formatted([
        story('story-a', {
          section: ref('section-gone'),
          tags: [ref('tag-ukraine'), ref('tag-gone')],
          authors: [ref('author-gone')],
          related: [ref('story-gone')],
        }),
        // A reference to a document of another type does not resolve either.
        story('story-b', { section: ref('tag-ukraine') }),
      ]),
    ).toMatchInlineSnapshot(`
      [
        "story-a → section: the reference points at "section-gone", which does not exist or is not published (publish that document or pick another)",
        "story-a → tags[1]: the reference points at "tag-gone", which does not exist or is not published (publish that document or pick another)",
        "story-a → authors[0]: the reference points at "author-gone", which does not exist or is not published (publish that document or pick another)",
        "story-a → related[0]: the reference points at "story-gone", which does not exist or is not published (publish that document or pick another)",
        "story-b → section: the reference points at "tag-ukraine", a tag, where a section is expected (pick a section)",
      ]
    `);
  });

  test('a weak pin on a story that is not published is left out, not reported (a pinned draft)', () => {
    const source = read([
      story('story-a', { related: [ref('story-draft-only', { _weak: true }), ref('story-b')] }),
      story('story-b'),
    ]);
    expect(source.issues).toEqual([]);
    expect(source.stories.find((s) => s.story.id === 'story-a')?.story.related).toEqual(['b']);
  });

  test('invalid story fields are reported with the _id: a missing title and a bad slug; a missing slug with the rest', () => {
    const source = read([
      story('story-a', { title: undefined, slug: slug('Not A Slug!') }),
      story('story-b', { slug: undefined, dek: '', section: ref('section-gone') }),
    ]);
    expect(source.issues.map(formatIssue)).toMatchInlineSnapshot(`
      [
        "story-a → title: expected text, received nothing",
        "story-a → slug: expected a slug of lower-case letters, digits and hyphens, like "peace-plan", received "Not A Slug!"",
        "story-b → section: the reference points at "section-gone", which does not exist or is not published (publish that document or pick another)",
        "story-b → slug: expected a slug, received nothing (generate one from the headline in the Studio)",
        "story-b → dek: expected non-empty text, received """,
      ]
    `);
    // Rejected stories keep what can be cross-checked, so that one build reports every problem.
    expect(source.rejected.map((r) => r.where)).toEqual(['story-a', 'story-b']);
  });

  test('image assets that do not exist are reported: main image, inline image, portrait', () => {
    expect(
      formatted(
        [
          story('story-a', {
            mainImage: { _type: 'image', asset: ref('image-gone-10x10-png'), alt: 'Alt.' },
            body: [
              block('Text.'),
              { _type: 'image', _key: 'img', asset: ref('image-also-gone-10x10-png'), alt: 'Inline.' },
            ],
          }),
          {
            _id: 'author-sofia',
            _type: 'author',
            name: 'Sofia',
            slug: slug('sofia'),
            image: { _type: 'image', asset: ref('image-portrait-gone-10x10-png'), alt: 'Sofia.' },
          },
        ],
        [],
      ),
    ).toMatchInlineSnapshot(`
      [
        "author-sofia → image.asset: the image asset "image-portrait-gone-10x10-png" does not exist (upload the image again)",
        "story-a → mainImage.asset: the image asset "image-gone-10x10-png" does not exist (upload the image again)",
        "story-a → body[1].asset: the image asset "image-also-gone-10x10-png" does not exist (upload the image again)",
      ]
    `);
  });

  describe('preview: a drafts. document stands in for its published version', () => {
    const published = story('story-a', { title: 'Published title' });
    const draft = story('drafts.story-a', { title: 'Draft title', tags: [ref('tag-ukraine')] });
    const draftOnly = story('drafts.story-new', { title: 'Never published' });

    test.each([
      ['published first', [published, draft, draftOnly]],
      ['draft first', [draft, draftOnly, published]],
    ])('%s', (_order, documents) => {
      const source = read(documents);
      expect(source.issues).toEqual([]);
      expect(
        source.stories.map(({ story: s, where }) => ({
          id: s.id,
          where,
          title: s.title,
          tags: s.tags,
          draft: s.draft,
        })),
      ).toEqual([
        { id: 'story-a', where: 'drafts.story-a', title: 'Draft title', tags: ['ukraine'], draft: false },
        {
          id: 'story-new',
          where: 'drafts.story-new',
          title: 'Never published',
          tags: ['ukraine', 'peace-plan'],
          draft: false,
        },
      ]);
    });

    test('a draft of a section overlays it too', () => {
      const source = read([
        { _id: 'drafts.section-world', _type: 'section', name: 'World news', slug: slug('world'), order: 0 },
      ]);
      expect(source.sections.map((s) => s.def.name)).toEqual(['World news', 'Business']);
    });
  });
});

describe('sanityConfigFromEnv', () => {
  const SECRET = 'sk-very-secret-token-value';
  const GOOD = { SANITY_PROJECT_ID: 'local', SANITY_DATASET: 'production', SANITY_TOKEN: SECRET };

  test('good values give a config, defaults filled in, the host without its trailing slash', () => {
    expect(sanityConfigFromEnv({ ...GOOD, SANITY_API_HOST: 'http://127.0.0.1:3333/', SANITY_PREVIEW: '1' })).toEqual({
      issues: [],
      config: {
        projectId: 'local',
        dataset: 'production',
        apiVersion: '2025-02-19',
        token: SECRET,
        apiHost: 'http://127.0.0.1:3333',
        preview: true,
      },
    });
    expect(sanityConfigFromEnv({ SANITY_PROJECT_ID: 'abc123', SANITY_API_VERSION: 'v2024-01-31' }).config).toEqual({
      projectId: 'abc123',
      dataset: 'production',
      apiVersion: '2024-01-31',
      preview: false,
    });
  });

  test.each([
    ['SANITY_PROJECT_ID', { SANITY_PROJECT_ID: 'My Project' }, /received "My Project"/],
    ['SANITY_PROJECT_ID', { SANITY_PROJECT_ID: '' }, /received ""/],
    ['SANITY_DATASET', { SANITY_DATASET: 'Production!' }, /received "Production!"/],
    ['SANITY_API_VERSION', { SANITY_API_VERSION: 'latest' }, /expected a date like 2025-02-19, received "latest"/],
    ['SANITY_API_VERSION', { SANITY_API_VERSION: '2025-02-30' }, /received "2025-02-30"/],
    ['SANITY_API_HOST', { SANITY_API_HOST: '127.0.0.1:3333' }, /expected an http\(s\) URL .*received "127.0.0.1:3333"/],
    ['SANITY_API_HOST', { SANITY_API_HOST: 'ftp://example.com' }, /received "ftp:\/\/example.com"/],
    ['SANITY_PREVIEW', { SANITY_PREVIEW: 'yes' }, /expected 1 or 0, received "yes"/],
    ['SANITY_PREVIEW', { SANITY_PREVIEW: '1', SANITY_TOKEN: '' }, /needs SANITY_TOKEN/],
    ['SANITY_TOKEN', { SANITY_TOKEN: `${SECRET} with spaces` }, /without spaces \(the value is not shown\)/],
    // Each pattern holds for the whole value, not a part of it.
    ['SANITY_PROJECT_ID', { SANITY_PROJECT_ID: 'abc!' }, /received "abc!"/],
    ['SANITY_DATASET', { SANITY_DATASET: 'prod!' }, /received "prod!"/],
    ['SANITY_API_VERSION', { SANITY_API_VERSION: 'x2025-02-19' }, /received "x2025-02-19"/],
    ['SANITY_API_VERSION', { SANITY_API_VERSION: '2025-02-19x' }, /received "2025-02-19x"/],
    ['SANITY_API_VERSION', { SANITY_API_VERSION: '2025v-02-19' }, /received "2025v-02-19"/],
    ['SANITY_API_HOST', { SANITY_API_HOST: 'x-http://example.com' }, /received "x-http:\/\/example.com"/],
    ['SANITY_PREVIEW', { SANITY_PREVIEW: 'true', SANITY_TOKEN: '' }, /needs SANITY_TOKEN/],
  ])('%s: %j is one issue naming the variable', (name, bad, message) => {
    const { config, issues } = sanityConfigFromEnv({ ...GOOD, ...bad });
    expect(config).toBeUndefined();
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ where: 'environment', field: name, message: expect.stringMatching(message) });
    expect(JSON.stringify(issues)).not.toContain(SECRET);
  });

  test('values are trimmed; preview takes 1, true, 0, false or nothing; every trailing slash of the host goes', () => {
    const config = (env: Record<string, string>) => sanityConfigFromEnv({ ...GOOD, ...env }).config;
    expect(config({ SANITY_PROJECT_ID: '  local  ', SANITY_DATASET: ' staging ' })).toMatchObject({
      projectId: 'local',
      dataset: 'staging',
    });
    expect(config({ SANITY_PREVIEW: 'true' })?.preview).toBe(true);
    for (const off of ['0', 'false', '']) expect(config({ SANITY_PREVIEW: off })?.preview, off).toBe(false);
    expect(config({ SANITY_API_HOST: 'https://api.example.test//' })?.apiHost).toBe('https://api.example.test');
  });

  test("an issue keeps its refinement's hint; the others have none", () => {
    const { issues } = sanityConfigFromEnv({ SANITY_PROJECT_ID: 'Bad Id', SANITY_DATASET: 'UPPER' });
    expect(issues).toEqual([
      {
        where: 'environment',
        field: 'SANITY_PROJECT_ID',
        message: 'expected a project id of lower-case letters, digits and hyphens, received "Bad Id"',
        hint: 'find it in sanity.io/manage, or use "local" with the local API',
      },
      {
        where: 'environment',
        field: 'SANITY_DATASET',
        message: 'expected a dataset name of lower-case letters, digits, "_" and "-" (at most 64), received "UPPER"',
      },
    ]);
  });

  test('every bad value at once: one issue each, the token never shown', () => {
    const { issues } = sanityConfigFromEnv({
      SANITY_PROJECT_ID: 'Bad Id',
      SANITY_DATASET: 'UPPER',
      SANITY_API_VERSION: '2025-13-01',
      SANITY_API_HOST: 'not a url',
      SANITY_PREVIEW: 'maybe',
      SANITY_TOKEN: `${SECRET} x`,
    });
    expect(issues.map((i) => i.field)).toEqual([
      'SANITY_PROJECT_ID',
      'SANITY_DATASET',
      'SANITY_API_VERSION',
      'SANITY_TOKEN',
      'SANITY_API_HOST',
      'SANITY_PREVIEW',
    ]);
    expect(issues.map(formatIssue).join('\n')).not.toContain(SECRET);
  });
});

describe('siteSourceFromDocuments: the rest of the mapping', () => {
  test('comments: approved and well formed only, never a draft, with their story reference resolved to its id', () => {
    const comment = (id: string, fields: Doc = {}): Doc => ({
      _id: id,
      _type: 'comment',
      story: ref('story-a'),
      name: 'Ana',
      text: 'A fair point.',
      postedAt: '2025-11-20T10:00:00Z',
      state: 'approved',
      ...fields,
    });
    const { comments, issues } = read([
      story('story-a'),
      comment('comment-1'),
      comment('comment-2', { state: 'pending' }),
      comment('drafts.comment-3'),
      comment('comment-4', { text: 7 }),
    ]);
    expect(issues).toEqual([]);
    expect(comments).toEqual([
      { id: 'comment-1', story: 'story-a', name: 'Ana', text: 'A fair point.', postedAt: '2025-11-20T10:00:00.000Z' },
    ]);
  });

  test('a story carries its source, SEO fields and closed comments (open unless closed is true); unset parts are left out', () => {
    const { stories, issues } = read([
      story('story-a', {
        source: { name: 'Reuters', url: 'https://www.reuters.com/x', extra: null },
        seo: { metaTitle: 'A title for search', metaDescription: null },
        commentsClosed: true,
      }),
      story('story-b', { commentsClosed: false }),
    ]);
    expect(issues).toEqual([]);
    const [a, b] = stories.map((s) => s.story);
    expect(a?.source).toEqual({ name: 'Reuters', url: 'https://www.reuters.com/x' });
    expect(a?.seo).toEqual({ metaTitle: 'A title for search' });
    expect(a?.commentsClosed).toBe(true);
    expect(b?.commentsClosed).toBe(false);
    expect(b).not.toHaveProperty('source');
  });

  test('a bad section, author or tag document is an issue on its _id and field; the others are read', () => {
    const { sections, authors, issues } = siteSourceFromDocuments(
      {
        documents: [
          { _id: 'section-ok', _type: 'section', name: 'Ok', slug: slug('ok') },
          { _id: 'section-bad', _type: 'section', name: 'Bad', slug: slug('Not A Slug') },
          { _id: 'author-bad', _type: 'author', slug: slug('ana') },
        ] as SanityDocument[],
        assets: [],
      },
      CONFIG,
    );
    expect(sections.map((s) => s.where)).toEqual(['section-ok']);
    expect(authors).toEqual([]);
    expect(issues.map((i) => [i.where, i.field])).toEqual([
      ['section-bad', 'slug'],
      ['author-bad', 'name'],
    ]);
  });

  test("an author's portrait: the image service's 400 px URL with its alt, or an issue when its asset is gone", () => {
    const author = (id: string, asset: string): Doc => ({
      _id: id,
      _type: 'author',
      name: 'Ana Ruiz',
      slug: slug(id.replace('author-', '')),
      image: { _type: 'image', asset: ref(asset), alt: 'Ana, smiling' },
    });
    const { authors, issues } = read([author('author-ana', ASSET._id), author('author-bo', 'image-gone-10x10-png')]);
    const ana = authors.find((a) => a.where === 'author-ana');
    expect(ana?.def.image).toEqual({
      src: 'http://127.0.0.1:3333/images/local/production/abc123-1200x675.png?w=400',
      alt: 'Ana, smiling',
    });
    expect(authors.find((a) => a.where === 'author-bo')?.def).not.toHaveProperty('image');
    expect(issues.map(formatIssue)).toEqual([
      'author-bo → image.asset: the image asset "image-gone-10x10-png" does not exist (upload the image again)',
    ]);
  });

  test('an inline image whose asset is gone is an issue on its block', () => {
    const image = { _type: 'image', _key: 'i1', asset: ref('image-gone-10x10-png'), alt: 'Gone' };
    expect(formatted([story('story-a', { body: [block('Text.'), image] })])).toContain(
      'story-a → body[1].asset: the image asset "image-gone-10x10-png" does not exist (upload the image again)',
    );
  });

  test('croppedSize: a crop that leaves nothing serves the whole image; an unknown size is none', () => {
    expect(croppedSize({ width: 100, height: 50 }, { left: 0.6, right: 0.5, top: 0, bottom: 0 })).toEqual({
      width: 100,
      height: 50,
    });
    expect(croppedSize({ width: 100 }, undefined)).toBeUndefined();
  });
});
