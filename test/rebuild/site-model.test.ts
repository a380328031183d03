import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { readContentDir } from '../../src/lib/content-files.ts';
import { RenderCache } from '../../src/lib/render-cache.ts';
import { siteSourceToDocuments } from '../../src/lib/sanity/documents.ts';
import type { SiteDocuments } from '../../src/lib/sanity/source.ts';
import { SimilarIndex } from '../../src/lib/similar.ts';
import { SiteModel, type ModelResult } from '../../scripts/rebuild/site-model.ts';

// The rebuild service's in-memory model, on the demo content as Sanity documents.
const NOW = new Date('2027-01-01T00:00:00Z');
const CONFIG = { projectId: 'local', dataset: 'production' };
type Doc = SiteDocuments['documents'][number];
let base: Doc[];

beforeAll(async () => {
  const source = await readContentDir(path.resolve('content'));
  const withoutImages = source.stories.map(({ story, where }) => {
    const { image: _image, ...rest } = story;
    return { story: rest, where };
  });
  base = siteSourceToDocuments({ ...source, stories: withoutImages }, () => undefined).map((d) => ({ ...d, _rev: 'r1' }));
});

const stamp = (docs: Doc[]) => {
  const revs = new Map(docs.map((d) => [String(d['_id']), String(d['_rev'])]));
  return (id: string) => revs.get(id);
};
const input = (docs: Doc[]): SiteDocuments => ({ documents: docs, assets: [] });
function ok(result: ModelResult): Extract<ModelResult, { ok: true }> {
  if (!result.ok) throw new Error(`content problems: ${JSON.stringify(result.issues)}`);
  return result;
}

/** A model settled on `docs`, as the service has it after its first build. */
function settledModel(docs: Doc[]): SiteModel {
  const model = new SiteModel(new RenderCache(), CONFIG);
  const first = ok(model.compute(input(docs), { now: NOW, stamp: stamp(docs), links: new Map() }));
  const index = SimilarIndex.build(first.inputs, { limit: 5 });
  model.settle({ index, links: index.all(), inputs: first.inputs, limit: 5 });
  return model;
}

/** What a fresh, full computation gives for `docs`: the pages a full build would render. */
function fullPages(docs: Doc[]) {
  return ok(settledModel(docs).compute(input(docs), { now: NOW, stamp: stamp(docs) }));
}

const keys = (r: Extract<ModelResult, { ok: true }>) => new Map(r.pages.map((p) => [p.path, p.key]));
const story = (slug: string, extra: Record<string, unknown> = {}): Doc => {
  const template = base.find((d) => d['_type'] === 'story' && (d['slug'] as { current: string }).current === 'zelensky-weighs-us-peace-plan');
  return { ...template, _id: `story-${slug}`, _rev: 'r1', slug: { _type: 'slug', current: slug }, title: `Zelensky weighs the new US peace plan again (${slug})`, related: [], ...extra } as Doc;
};

describe('SiteModel', () => {
  test('unchanged content: settled, and the same keys as a full computation', () => {
    const model = settledModel(base);
    const result = ok(model.compute(input(base), { now: NOW, stamp: stamp(base) }));
    expect(result.settled).toBe(true);
    expect(result.provisional).toBe(0);
    expect(keys(result)).toEqual(keys(fullPages(base)));
  });

  test('a new story gets Similar News at once, from a query; the result is provisional until settled', () => {
    const model = settledModel(base);
    const docs = [...base, story('new-one')];
    const result = ok(model.compute(input(docs), { now: NOW, stamp: stamp(docs) }));
    expect(result.settled).toBe(false);
    expect(result.provisional).toBe(1);
    const view = result.site.stories.find((s) => s.slug === 'new-one');
    expect(view?.similar).toHaveLength(5);
    expect(view?.similar.map((s) => s.slug)).toContain('zelensky-weighs-us-peace-plan');
    expect(view?.similar.map((s) => s.slug)).not.toContain('new-one');

    // Settling on the new content gives exactly what a full computation gives.
    const index = SimilarIndex.build(result.inputs, { limit: 5 });
    model.settle({ index, links: index.all(), inputs: result.inputs, limit: 5 });
    const settled = ok(model.compute(input(docs), { now: NOW, stamp: stamp(docs) }));
    expect(settled.settled).toBe(true);
    expect(keys(settled)).toEqual(keys(fullPages(docs)));
  });

  test('an unpublished story leaves no link behind: stories that listed it are re-ranked without it', () => {
    const model = settledModel(base);
    const before = ok(model.compute(input(base), { now: NOW, stamp: stamp(base) }));
    const target = before.site.stories.find((s) => before.site.stories.some((o) => o.similar.some((l) => l.id === s.id)));
    expect(target).toBeDefined();
    const listing = before.site.stories.filter((o) => o.similar.some((l) => l.id === target?.id)).length;
    const docs = base.filter((d) => d['_id'] !== target?.id);
    const result = ok(model.compute(input(docs), { now: NOW, stamp: stamp(docs) }));
    expect(result.provisional).toBe(listing);
    for (const s of result.site.stories) expect(s.similar.map((l) => l.id)).not.toContain(target?.id);
    expect(result.pages.map((p) => JSON.stringify(p.props)).filter((p) => p.includes(`"${target?.url}"`))).toEqual([]);
  });

  test('an edited story keeps its place in other lists until settled, with its new headline on every card', () => {
    const model = settledModel(base);
    const docs = base.map((d) => ((d['slug'] as { current?: string } | undefined)?.current === 'zelensky-weighs-us-peace-plan' ? { ...d, _rev: 'r2', title: 'Zelensky answers the US peace plan' } : d));
    const result = ok(model.compute(input(docs), { now: NOW, stamp: stamp(docs) }));
    const cards = result.site.stories.flatMap((s) => s.similar).filter((c) => c.slug === 'zelensky-weighs-us-peace-plan');
    expect(cards.length).toBeGreaterThan(0);
    for (const card of cards) expect(card.title).toBe('Zelensky answers the US peace plan');
  });

  test('content problems come back with the document id and field, and nothing else', () => {
    const model = settledModel(base);
    const docs = [...base, story('broken', { title: '' })];
    const result = model.compute(input(docs), { now: NOW, stamp: stamp(docs) });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues).toEqual([expect.objectContaining({ where: 'story-broken', field: 'title' })]);
  });
});
