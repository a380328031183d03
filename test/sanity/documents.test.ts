import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import {
  documentsToContent,
  imagePaths,
  siteSourceToDocuments,
  type SanityDocument,
} from '../../src/lib/sources/sanity/documents.ts';
import type { SiteSource } from '../../src/lib/site/site.ts';
import type { Story } from '../../src/lib/model/story.ts';

// The mapping between content files and Sanity documents, each rule checked against values written out by hand.

const key = (value: string) => createHash('sha1').update(value).digest('hex').slice(0, 12);
const ref = (id: string, k?: string) => ({ _type: 'reference', _ref: id, ...(k ? { _key: k } : {}) });

const story = (fields: Partial<Story> & { id: string; slug: string }): Story => ({
  title: `Title ${fields.slug}`,
  dek: `Dek ${fields.slug}`,
  publishedAt: '2026-01-01T00:00:00Z',
  section: 'world',
  tags: [],
  authors: ['jane'],
  related: [],
  draft: false,
  commentsClosed: false,
  body: { format: 'markdown', value: 'Text.' },
  ...fields,
});

const source = (stories: Story[], more: Partial<SiteSource> = {}): SiteSource => ({
  stories: stories.map((s) => ({ story: s, where: `stories/${s.slug}.md` })),
  rejected: [],
  sections: [],
  authors: [],
  tags: [],
  issues: [],
  ...more,
});

describe('imagePaths', () => {
  test('collects main images, inline markdown images and portraits once each, sorted, without remote URLs', () => {
    const s = source(
      [
        story({
          id: 'a',
          slug: 'a',
          image: { src: '/images/b.jpg', alt: 'B' },
          body: {
            format: 'markdown',
            value: '![x](/images/c.png "t") and ![](https://cdn.example/d.png) ![y](/images/b.jpg)',
          },
        }),
        story({
          id: 'p',
          slug: 'p',
          body: { format: 'portable-text', value: [{ _type: 'image', src: '/images/z.jpg' }] },
        }),
        story({ id: 'r', slug: 'r', image: { src: 'https://example.com/remote.jpg', alt: 'R' } }),
      ],
      {
        authors: [
          { def: { slug: 'jane', name: 'Jane', image: { src: '/images/a.jpg', alt: 'Jane' } }, where: 'authors.yaml' },
          { def: { slug: 'joe', name: 'Joe' }, where: 'authors.yaml' },
        ],
      },
    );
    // A portable-text body's images are not read (they are assets already).
    expect(imagePaths(s)).toEqual(['/images/a.jpg', '/images/b.jpg', '/images/c.png']);
  });
});

describe('siteSourceToDocuments', () => {
  const byId = (docs: SanityDocument[]) => new Map(docs.map((d) => [d._id, d]));

  test('sections carry their order, authors their portrait only when it was uploaded', () => {
    const docs = siteSourceToDocuments(
      source([], {
        sections: [
          { def: { slug: 'world', name: 'World', description: 'Abroad' }, where: 's' },
          { def: { slug: 'home', name: 'Home' }, where: 's' },
        ],
        authors: [
          {
            def: { slug: 'jane', name: 'Jane', role: 'Editor', image: { src: '/images/j.jpg', alt: 'J' } },
            where: 'a',
          },
          {
            def: { slug: 'joe', name: 'Joe', bio: 'Bio', image: { src: '/images/missing.jpg', alt: 'M' } },
            where: 'a',
          },
        ],
      }),
      (src) => (src === '/images/j.jpg' ? 'image-j' : undefined),
    );
    expect(docs).toEqual([
      {
        _id: 'section-world',
        _type: 'section',
        name: 'World',
        slug: { _type: 'slug', current: 'world' },
        description: 'Abroad',
        order: 0,
      },
      { _id: 'section-home', _type: 'section', name: 'Home', slug: { _type: 'slug', current: 'home' }, order: 1 },
      {
        _id: 'author-jane',
        _type: 'author',
        name: 'Jane',
        slug: { _type: 'slug', current: 'jane' },
        role: 'Editor',
        image: { _type: 'image', asset: ref('image-j'), alt: 'J' },
      },
      { _id: 'author-joe', _type: 'author', name: 'Joe', slug: { _type: 'slug', current: 'joe' }, bio: 'Bio' },
    ]);
  });

  test('tags: defined ones keep description and aliases, ad-hoc ones are named by the first published spelling', () => {
    const docs = siteSourceToDocuments(
      source(
        [
          story({ id: 'b', slug: 'b', tags: ['Climate Change', 'ELECTIONS'] }),
          story({ id: 'a', slug: 'a', tags: ['climate change', 'Global warming'] }),
          story({ id: '0', slug: 'zero', draft: true, tags: ['elections', 'Only Draft'] }),
        ],
        {
          tags: [
            { def: { name: 'Climate', description: 'Weather', aliases: ['Global warming'] }, where: 't' },
            { def: { name: 'Economy', aliases: [] }, where: 't' },
          ],
        },
      ),
      () => undefined,
    );
    const map = byId(docs);
    expect(map.get('tag-climate')).toEqual({
      _id: 'tag-climate',
      _type: 'tag',
      name: 'Climate',
      slug: { _type: 'slug', current: 'climate' },
      description: 'Weather',
      aliases: ['Global warming'],
    });
    expect(map.get('tag-economy')).toEqual({
      _id: 'tag-economy',
      _type: 'tag',
      name: 'Economy',
      slug: { _type: 'slug', current: 'economy' },
    });
    // Story "a" comes first by id: its spelling names the tag, though "b" is listed first in the source.
    expect(map.get('tag-climate-change')?.['name']).toBe('climate change');
    // The draft "0" sorts first by id, but a published story's spelling wins.
    expect(map.get('tag-elections')?.['name']).toBe('ELECTIONS');
    expect(map.get('tag-only-draft')?.['name']).toBe('Only Draft');
    // "climate change" and "Global warming" in "a": the alias resolves to the defined tag, one reference each.
    expect(map.get('a')?.['tags']).toEqual([
      ref('tag-climate-change', key('climate-change')),
      ref('tag-climate', key('climate')),
    ]);
    // Stories in id order, then the tags (defined first, then ad-hoc in first use).
    expect(docs.map((d) => d._id)).toEqual([
      'drafts.0',
      'a',
      'b',
      'tag-climate',
      'tag-economy',
      'tag-elections',
      'tag-only-draft',
      'tag-climate-change',
    ]);
  });

  test('a story: draft id, optional fields, uploaded images, pins weak to drafts and dropped when unknown', () => {
    const docs = siteSourceToDocuments(
      source([
        story({
          id: 'story-one',
          slug: 'one',
          updatedAt: '2026-01-02T00:00:00Z',
          updateNote: 'Fixed',
          authors: ['jane', 'joe'],
          source: { name: 'Wire', url: 'https://wire.example/x' },
          image: { src: '/images/main.jpg', alt: 'Main', caption: 'Cap' },
          seo: { metaTitle: 'Meta' },
          related: ['two', 'gone', 'three'],
          body: { format: 'markdown', value: '![Inline](/images/in.png)\n\n![Other](/images/out.png)' },
        }),
        story({ id: 'story-two', slug: 'two', draft: true }),
        story({ id: 'story-three', slug: 'three', image: { src: '/images/none.jpg', alt: 'None' } }),
      ]),
      (src) => ({ '/images/main.jpg': 'image-main', '/images/in.png': 'image-in' })[src],
    );
    const map = byId(docs);
    const one = map.get('story-one')!;
    expect(Object.keys(one).sort()).toEqual(
      [
        '_id',
        '_type',
        'title',
        'slug',
        'dek',
        'publishedAt',
        'updatedAt',
        'updateNote',
        'section',
        'tags',
        'authors',
        'source',
        'mainImage',
        'seo',
        'related',
        'body',
      ].sort(),
    );
    expect(one['section']).toEqual(ref('section-world'));
    expect(one['authors']).toEqual([ref('author-jane', key('jane')), ref('author-joe', key('joe'))]);
    expect(one['source']).toEqual({ name: 'Wire', url: 'https://wire.example/x' });
    expect(one['mainImage']).toEqual({ _type: 'image', asset: ref('image-main'), alt: 'Main', caption: 'Cap' });
    expect(one['seo']).toEqual({ metaTitle: 'Meta' });
    expect(one['related']).toEqual([
      { ...ref('story-two', key('two')), _weak: true, _strengthenOnPublish: { type: 'story' } },
      ref('story-three', key('three')),
    ]);
    const images = (one['body'] as Record<string, unknown>[]).filter((b) => b['_type'] === 'image');
    // The uploaded inline image points at its asset and loses `src`; the other keeps its `src`.
    expect(images.map((b) => [b['asset'], b['src']])).toEqual([
      [ref('image-in'), undefined],
      [undefined, '/images/out.png'],
    ]);
    expect(map.has('drafts.story-two')).toBe(true);
    const three = map.get('story-three')!;
    // No upload for its image, no pins, no optional fields: none of those keys.
    for (const k of ['mainImage', 'related', 'seo', 'source', 'updatedAt', 'updateNote'])
      expect(three, k).not.toHaveProperty(k);
    expect(three['tags']).toEqual([]);
  });

  test('a portable-text body is passed through', () => {
    const blocks = [{ _type: 'block', _key: 'k', children: [{ _type: 'span', text: 'Hi' }], markDefs: [] }];
    const [doc] = siteSourceToDocuments(
      source([story({ id: 'p', slug: 'p', body: { format: 'portable-text', value: blocks } })]),
      () => 'never',
    );
    expect(doc?.['body']).toEqual(blocks);
  });
});

describe('documentsToContent', () => {
  // A dump that shows the values exactly, so the expectations are plain JSON.
  const dump = (value: unknown) => `${JSON.stringify(value)}\n`;
  const files = (docs: SanityDocument[], images: Record<string, string> = {}) =>
    new Map(documentsToContent(docs, (id) => images[id], dump).map((f) => [f.path, f.text]));
  const frontMatter = (text: string | undefined) =>
    JSON.parse(/^---\n(.*)\n---\n/s.exec(text ?? '')?.[1] ?? 'null') as Record<string, unknown>;
  const slug = (current: string) => ({ _type: 'slug', current });

  test('sections by order (none last, ties by id), authors and tags by id, drafts left out', () => {
    const out = files(
      [
        { _id: 'section-c', _type: 'section', name: 'C', slug: slug('c') },
        { _id: 'section-b', _type: 'section', name: 'B', slug: slug('b'), order: 1 },
        { _id: 'section-a', _type: 'section', name: 'A', slug: slug('a'), order: 1, description: 'First' },
        { _id: 'section-z', _type: 'section', name: 'Z', slug: slug('z'), order: 0 },
        { _id: 'drafts.section-d', _type: 'section', name: 'D', slug: slug('d'), order: 0 },
        {
          _id: 'author-b',
          _type: 'author',
          name: 'B',
          slug: slug('b'),
          role: 'Editor',
          image: { asset: { _ref: 'image-b' }, alt: 'Portrait' },
        },
        { _id: 'author-a', _type: 'author', name: 'A', slug: slug('a'), bio: 'Bio', image: { asset: { _ref: 'x' } } },
        { _id: 'author-c', _type: 'author', name: 'C', slug: slug('c'), image: {} },
        { _id: 'tag-b', _type: 'tag', name: 'B', slug: slug('b'), aliases: [] },
        { _id: 'tag-a', _type: 'tag', name: 'A', slug: slug('a'), description: 'D', aliases: ['Alpha'] },
      ],
      { 'image-b': '/images/b.jpg' },
    );
    expect(out.get('sections.yaml')).toBe(
      dump([
        { slug: 'z', name: 'Z' },
        { slug: 'a', name: 'A', description: 'First' },
        { slug: 'b', name: 'B' },
        { slug: 'c', name: 'C' },
      ]),
    );
    expect(out.get('authors.yaml')).toBe(
      dump([
        { slug: 'a', name: 'A', bio: 'Bio' },
        { slug: 'b', name: 'B', role: 'Editor', image: { src: '/images/b.jpg', alt: 'Portrait' } },
        { slug: 'c', name: 'C' },
      ]),
    );
    expect(out.get('tags.yaml')).toBe(
      dump([
        { name: 'A', slug: 'a', description: 'D', aliases: ['Alpha'] },
        { name: 'B', slug: 'b' },
      ]),
    );
  });

  test('stories: references become slugs and names, a draft only when nothing is published, files named by id', () => {
    const out = files(
      [
        { _id: 'section-world', _type: 'section', slug: slug('world') },
        { _id: 'author-jane', _type: 'author', slug: slug('jane') },
        { _id: 'tag-x', _type: 'tag', name: 'Tag X', slug: slug('x') },
        {
          _id: 'story-one',
          _type: 'story',
          title: 'One',
          slug: slug('one-slug'),
          dek: 'Dek',
          publishedAt: '2026-01-01T00:00:00Z',
          updatedAt: '2026-01-02T00:00:00Z',
          updateNote: 'Note',
          section: ref('section-world'),
          tags: [ref('tag-x'), ref('tag-missing'), {}],
          authors: [ref('author-jane')],
          source: { name: 'Wire' },
          mainImage: { asset: { _ref: 'image-main' }, alt: 'Alt', credit: 'Cr' },
          related: [ref('draft-only'), ref('nowhere')],
          seo: { metaDescription: 'Desc' },
          body: [
            { _type: 'block', _key: 'a', style: 'normal', markDefs: [], children: [{ _type: 'span', text: 'Hello.' }] },
            { _type: 'image', _key: 'b', asset: { _ref: 'image-in' }, alt: 'In' },
          ],
        },
        // Published and draft of one story: the published one is the content.
        { _id: 'story-one-more', _type: 'story', title: 'Published', slug: slug('more') },
        { _id: 'drafts.story-one-more', _type: 'story', title: 'Draft', slug: slug('more') },
        // Only a draft: exported, marked as one; not `story-`: the file is named by its slug.
        { _id: 'drafts.draft-only', _type: 'story', title: 'Draft only', slug: slug('draft-slug') },
        // No slug and an id without the prefix: the file is named by the id.
        { _id: 'plain', _type: 'story', title: 'Plain', source: {}, seo: {}, body: 'not a list' },
      ],
      { 'image-main': '/images/main.jpg', 'image-in': '/images/in.png' },
    );
    expect([...out.keys()].filter((p) => p.startsWith('stories/')).sort()).toEqual([
      'stories/draft-slug.md',
      'stories/one-more.md',
      'stories/one.md',
      'stories/plain.md',
    ]);
    const one = out.get('stories/one.md');
    expect(frontMatter(one)).toEqual({
      title: 'One',
      slug: 'one-slug',
      dek: 'Dek',
      publishedAt: '2026-01-01T00:00:00Z',
      updatedAt: '2026-01-02T00:00:00Z',
      updateNote: 'Note',
      section: 'world',
      // An unknown tag and a reference without `_ref` have no name (null once dumped).
      tags: ['Tag X', null, null],
      authors: ['jane'],
      source: { name: 'Wire' },
      image: { src: '/images/main.jpg', alt: 'Alt', credit: 'Cr' },
      related: ['draft-slug'],
      seo: { metaDescription: 'Desc' },
    });
    expect(one).toMatch(/---\n\nHello\.\n\n!\[In\]\(\/images\/in\.png\)/);
    expect(frontMatter(out.get('stories/one-more.md'))['title']).toBe('Published');
    expect(frontMatter(out.get('stories/draft-slug.md'))).toEqual({
      title: 'Draft only',
      slug: 'draft-slug',
      tags: [],
      authors: [],
      draft: true,
    });
    // Empty source and seo objects are left out; a body that is not a list is an empty body.
    expect(out.get('stories/plain.md')).toBe(`---\n${dump({ title: 'Plain', tags: [], authors: [] })}---\n\n`);
  });

  test('an image block whose asset has no path keeps no src', () => {
    const out = files([
      {
        _id: 'story-i',
        _type: 'story',
        title: 'I',
        body: [
          { _type: 'image', _key: 'b', asset: { _ref: 'image-unknown' }, alt: 'Gone' },
          { _type: 'image', _key: 'c', alt: 'No asset' },
        ],
      },
    ]);
    expect(out.get('stories/i.md')).not.toContain('](');
  });
});
