import { beforeAll, describe, expect, test } from 'vitest';
import { previewPlan } from '../../rebuild/preview-model.ts';
import { SiteModel } from '../../rebuild/site-model.ts';
import { RenderCache } from '../../src/lib/body/render-cache.ts';
import { SimilarIndex } from '../../src/lib/similar/similar-index.ts';
import type { SanityDocument } from '../../src/lib/sources/sanity/documents.ts';
import type { SitePage } from '../../src/lib/site/pages.ts';
import { contentDocuments } from './content-documents.ts';

// The rules of a draft preview's render plan (rebuild/preview-model.ts) one by one, over the content of content/:
// the draft's own page for each type, the time a story is shown at, the render and Similar News it is given.
const NOW = new Date('2027-01-01T00:00:00Z');
const SANITY = { projectId: 'local', dataset: 'production' };
let documents: SanityDocument[];

beforeAll(async () => {
  documents = await contentDocuments();
});

const byType = (type: string) => documents.find((d) => d['_type'] === type) as SanityDocument;
const plan = (doc: SanityDocument, now = NOW) => previewPlan({ doc, documents, assets: [], sanity: SANITY, now });

describe('the rules of the preview plan, one by one', () => {
  const ownPage = <K extends SitePage['kind']>(result: ReturnType<typeof previewPlan>) => {
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    return result.plan.pages.find((p) => p.path === result.path) as SitePage<K>;
  };
  const newest = () =>
    documents
      .filter((d) => d['_type'] === 'story')
      .reduce((a, b) => (String(a['publishedAt']) >= String(b['publishedAt']) ? a : b));
  const oldest = () =>
    documents
      .filter((d) => d['_type'] === 'story')
      .reduce((a, b) => (String(a['publishedAt']) <= String(b['publishedAt']) ? a : b));

  test('a story never published is shown as published at the moment of the preview', () => {
    const { publishedAt: _publishedAt, ...unstamped } = byType('story');
    for (const draft of [unstamped, { ...unstamped, publishedAt: '' }]) {
      const page = ownPage<'story'>(plan(draft));
      expect(page.props.story.publishedAt).toBe(NOW.toISOString());
    }
  });

  test('the site around a story published earlier is the site as of now: the newest story still leads', () => {
    const old = oldest();
    const result = plan({ ...old, title: 'An old story, edited' });
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    const home = result.plan.pages.find((p) => p.kind === 'home') as SitePage<'home'>;
    expect(home.props.lead?.id).toBe(newest()['_id']);
    expect(result.plan.pages.filter((p) => p.kind === 'story').map((p) => p.path)).toEqual([result.path]);
  });

  test('an author no story names yet has a page of its own, empty', () => {
    const result = plan({ _id: 'author-new', _type: 'author', name: 'New Writer', slug: { current: 'new-writer' } });
    const page = ownPage<'author'>(result);
    expect(page.path).toBe('/authors/new-writer/');
    expect(page.props.author.name).toBe('New Writer');
    expect(page.props.page.items).toEqual([]);
  });

  test('a type without pages is named in the refusal', () => {
    expect(plan({ _id: 'image-1', _type: 'sanity.imageAsset' })).toEqual({
      ok: false,
      issues: [{ where: 'image-1', field: '_type', message: 'a sanity.imageAsset document has no page on the site' }],
    });
  });

  test("a tag's draft: the front page of its listing, and no other listing", () => {
    const tag = byType('tag');
    const result = plan({ ...tag, description: 'Described in a draft' });
    const page = ownPage<'tag'>(result);
    expect(page.kind).toBe('tag');
    expect(page.params).toEqual({ slug: (tag['slug'] as { current: string }).current, page: undefined });
    expect(page.props.tag.description).toBe('Described in a draft');
    if (!result.ok) return;
    const listings = result.plan.pages.filter((p) => ['section', 'tag', 'author'].includes(p.kind));
    expect(listings.every((p) => p.kind === 'tag' && p.params['slug'] === page.params['slug'])).toBe(true);
  });

  test("an author's draft: the front page of the author's listing", () => {
    const author = byType('author');
    const page = ownPage<'author'>(plan({ ...author, role: 'Editor at large' }));
    expect(page.kind).toBe('author');
    expect(page.params).toEqual({ slug: (author['slug'] as { current: string }).current, page: undefined });
    expect(page.props.author.role).toBe('Editor at large');
  });

  test('a tag no published story carries has no page yet', () => {
    const result = plan({ _id: 'tag-brand-new', _type: 'tag', name: 'Brand new', slug: { current: 'brand-new' } });
    expect(result).toEqual({
      ok: false,
      issues: [
        {
          where: 'tag-brand-new',
          field: '',
          message: 'the tag has no page on the site (a tag has one only once a published story carries it)',
        },
      ],
    });
  });

  test('a body the cache has rendered is used; one that cannot be rendered comes back as a problem', () => {
    const story = byType('story');
    const cached = previewPlan({
      doc: story,
      documents,
      assets: [],
      sanity: SANITY,
      now: NOW,
      cachedBody: () => ({ html: '<p>From the cache</p>', text: 'From the cache' }),
    });
    expect(ownPage<'story'>(cached).props.story.html).toBe('<p>From the cache</p>');
    const broken = previewPlan({
      doc: story,
      documents,
      assets: [],
      sanity: SANITY,
      now: NOW,
      cachedBody: () => {
        throw new Error('unreadable');
      },
    });
    expect(broken.ok).toBe(false);
    if (broken.ok) return;
    expect(broken.issues).toContainEqual(
      expect.objectContaining({ where: story['_id'], field: 'body', message: expect.stringContaining('unreadable') }),
    );
  });

  test('a tag without a slug has no page either', () => {
    const result = plan({ _id: 'tag-slugless', _type: 'tag', name: 'Slugless' });
    expect(result.ok).toBe(false);
  });

  test('an error that is not about content is thrown, not shown as a problem', () => {
    const story = byType('story');
    const similar = () => {
      throw new Error('Similar News broke');
    };
    expect(() => previewPlan({ doc: story, documents, assets: [], sanity: SANITY, now: NOW, similar })).toThrow(
      'Similar News broke',
    );
  });

  test("a section's draft with the live model given: the whole site computes it", () => {
    const section = byType('section');
    const model = new SiteModel(new RenderCache(), SANITY);
    const first = model.compute({ documents, assets: [] }, { now: NOW, stamp: () => 'r1', links: new Map() });
    if (!first.ok) throw new Error(JSON.stringify(first.issues));
    const index = SimilarIndex.build(first.inputs, { limit: 5 });
    model.settle({ index, links: index.all(), inputs: first.inputs, limit: 5 });
    const result = previewPlan({
      doc: { ...section, name: 'Renamed with a model' },
      documents,
      assets: [],
      sanity: SANITY,
      now: NOW,
      model,
    });
    expect(ownPage<'section'>(result).props.section.name).toBe('Renamed with a model');
  });

  test('Similar News comes from the function given, when one is', () => {
    const [story, other] = documents.filter((d) => d['_type'] === 'story') as [SanityDocument, SanityDocument];
    const result = previewPlan({
      doc: story,
      documents,
      assets: [],
      sanity: SANITY,
      now: NOW,
      similar: () =>
        new Map([[String(story['_id']), [{ id: String(other['_id']), score: 1, reason: 'similar' as const }]]]),
    });
    expect(ownPage<'story'>(result).props.story.similar.map((s) => s.id)).toEqual([other['_id']]);
  });
});
