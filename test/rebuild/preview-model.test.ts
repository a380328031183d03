import { beforeAll, describe, expect, test, vi } from 'vitest';
import { previewPlan } from '../../rebuild/preview-model.ts';
import { SiteModel } from '../../rebuild/site-model.ts';
import { RenderCache } from '../../src/lib/body/render-cache.ts';
import { SimilarIndex } from '../../src/lib/similar/similar-index.ts';
import type { SanityDocument } from '../../src/lib/sources/sanity/documents.ts';
import { STATIC_KINDS, type SitePage } from '../../src/lib/site/pages.ts';
import { contentDocuments } from './content-documents.ts';

// A draft preview's render plan: the live content with one document replaced by its draft, and that document's page.
const NOW = new Date('2027-01-01T00:00:00Z');
const SANITY = { projectId: 'local', dataset: 'production' };
let documents: SanityDocument[];

beforeAll(async () => {
  documents = await contentDocuments();
});

const byType = (type: string) => documents.find((d) => d['_type'] === type) as SanityDocument;
const plan = (doc: SanityDocument, now = NOW) => previewPlan({ doc, documents, assets: [], sanity: SANITY, now });

test("a story draft: its page with the draft's headline, the routes every build renders, the preview layout", () => {
  const story = byType('story');
  const result = plan({ ...story, title: 'A headline only the draft has' });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  expect(result.plan.layout.preview).toBe(true);
  const own = result.plan.pages.find((p) => p.path === result.path) as SitePage<'story'>;
  expect(own.kind).toBe('story');
  expect(own.props.story.title).toBe('A headline only the draft has');
  const kinds = result.plan.pages.map((p) => p.kind);
  for (const kind of STATIC_KINDS) expect(kinds).toContain(kind);
  expect(kinds.filter((k) => k === 'story')).toHaveLength(1);
});

test('a story scheduled for later is previewed too, with the site as of its time', () => {
  const story = byType('story');
  const result = plan({ ...story, title: 'Scheduled', publishedAt: '2030-01-01T09:00:00.000Z' });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  const own = result.plan.pages.find((p) => p.path === result.path) as SitePage<'story'>;
  expect(own.props.story.publishedAt).toBe('2030-01-01T09:00:00.000Z');
});

test("a section draft: its listing's front page with the draft's name", () => {
  const section = byType('section');
  const result = plan({ ...section, name: 'Renamed in a draft' });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  const own = result.plan.pages.find((p) => p.path === result.path) as SitePage<'section'>;
  expect(own.kind).toBe('section');
  expect(own.props.section.name).toBe('Renamed in a draft');
  expect(result.plan.layout.sections.map((s) => s.name)).toContain('Renamed in a draft');
});

test('an invalid draft comes back as its problems, and a type without pages is refused', () => {
  const story = byType('story');
  const invalid = plan({ ...story, section: { _type: 'reference', _ref: 'section-nowhere' } });
  expect(invalid.ok).toBe(false);
  const other = plan({ _id: 'x', _type: 'sanity.imageAsset' });
  expect(other).toEqual({ ok: false, issues: [expect.objectContaining({ field: '_type' })] });
});

describe("a story's draft from the live site's model", () => {
  /** A model as the service has it: computed, settled, then computed again from the settled Similar News. */
  function liveModel(): SiteModel {
    const model = new SiteModel(new RenderCache(), SANITY);
    const first = model.compute({ documents, assets: [] }, { now: NOW, stamp: () => 'r1', links: new Map() });
    if (!first.ok) throw new Error(JSON.stringify(first.issues));
    const index = SimilarIndex.build(first.inputs, { limit: 5 });
    model.settle({ index, links: index.all(), inputs: first.inputs, limit: 5 });
    return model;
  }
  const storyPageOf = (result: ReturnType<typeof previewPlan>) => {
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    return result.plan.pages.find((p) => p.path === result.path) as SitePage<'story'>;
  };

  test('gives the page the whole site computed with the draft gives, and the live routes without parameters', () => {
    const model = liveModel();
    const spy = vi.spyOn(model, 'previewStory');
    const story = byType('story');
    for (const draft of [
      { ...story, title: 'A headline only the draft has' },
      // A draft that moves the story to another section and tags: its Similar News changes.
      {
        ...story,
        section: { _type: 'reference', _ref: String(byType('section')['_id']) },
        tags: [{ _type: 'reference', _ref: String(byType('tag')['_id']), _key: 't' }],
        body: [],
      },
    ]) {
      spy.mockClear();
      const quick = previewPlan({ doc: draft, documents, assets: [], sanity: SANITY, now: NOW, model });
      expect(spy).toHaveLastReturnedWith(expect.objectContaining({ ok: true }));
      const whole = plan(draft);
      const page = storyPageOf(quick);
      expect(page.props).toEqual(storyPageOf(whole).props);
      expect(page.props.story.similar.length).toBeGreaterThan(0);
      if (!quick.ok) return;
      expect(quick.plan.layout.preview).toBe(true);
      expect(quick.plan.pages.map((p) => p.kind).sort()).toEqual([...STATIC_KINDS, 'story'].sort());
    }
  });

  test("a draft's problems come back from it too, and a draft the story alone cannot show computes the site", () => {
    const model = liveModel();
    const story = byType('story');
    const invalid = model.previewStory({
      doc: { ...story, title: '' },
      documents,
      assets: [],
      now: NOW,
      render: () => ({ html: '', text: '' }),
    });
    expect(invalid).toEqual({ ok: false, issues: [expect.objectContaining({ where: story['_id'], field: 'title' })] });
    // Another story's slug: the whole site decides (it reports the clash).
    const other = documents.filter((d) => d['_type'] === 'story')[1] as SanityDocument;
    const clash = { ...story, slug: other['slug'] };
    const render = () => ({ html: '', text: '' });
    expect(model.previewStory({ doc: clash, documents, assets: [], now: NOW, render })).toBeUndefined();
    expect(previewPlan({ doc: clash, documents, assets: [], sanity: SANITY, now: NOW, model }).ok).toBe(false);
    // No settled Similar News yet: nothing to query.
    const fresh = new SiteModel(new RenderCache(), SANITY);
    expect(fresh.previewStory({ doc: story, documents, assets: [], now: NOW, render })).toBeUndefined();
  });
});
