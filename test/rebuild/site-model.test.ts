import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { readContentDir } from '../../src/lib/sources/content-files.ts';
import { RenderCache } from '../../src/lib/body/render-cache.ts';
import { siteSourceToDocuments, type SanityDocument } from '../../src/lib/sources/sanity/documents.ts';
import type { SiteDocuments } from '../../src/lib/sources/sanity/site-source.ts';
import { SimilarIndex } from '../../src/lib/similar/similar-index.ts';
import { pagesOf } from '../../src/lib/site/pages.ts';
import { SiteModel, type ModelResult, type SettledSimilar } from '../../rebuild/site-model.ts';

// The rebuild service's in-memory model, on the demo content as Sanity documents.
const NOW = new Date('2027-01-01T00:00:00Z');
const CONFIG = { projectId: 'local', dataset: 'production' };
let base: SanityDocument[];

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
});

const stamp = (docs: SanityDocument[]) => {
  const revs = new Map(docs.map((d) => [String(d['_id']), String(d['_rev'])]));
  return (id: string) => revs.get(id);
};
const input = (docs: SanityDocument[]): SiteDocuments => ({ documents: docs, assets: [] });
function ok(result: ModelResult): Extract<ModelResult, { ok: true }> {
  if (!result.ok) throw new Error(`content problems: ${JSON.stringify(result.issues)}`);
  return result;
}

/** A model settled on `docs`, as the service has it after its first build. */
function settledModel(docs: SanityDocument[]): SiteModel {
  const model = new SiteModel(new RenderCache(), CONFIG);
  const first = ok(model.compute(input(docs), { now: NOW, stamp: stamp(docs), links: new Map() }));
  const index = SimilarIndex.build(first.inputs, { limit: 5 });
  model.settle({ index, links: index.all(), inputs: first.inputs, limit: 5 });
  return model;
}

/** What a fresh, full computation gives for `docs`: the pages a full build would render. */
function fullPages(docs: SanityDocument[]) {
  return ok(settledModel(docs).compute(input(docs), { now: NOW, stamp: stamp(docs) }));
}

const keys = (r: Extract<ModelResult, { ok: true }>) => new Map(r.pages.map((p) => [p.path, p.key]));
const story = (slug: string, extra: Record<string, unknown> = {}): SanityDocument => {
  const template = base.find(
    (d) => d['_type'] === 'story' && (d['slug'] as { current: string }).current === 'zelensky-weighs-us-peace-plan',
  );
  return {
    ...template,
    _id: `story-${slug}`,
    _rev: 'r1',
    slug: { _type: 'slug', current: slug },
    title: `Zelensky weighs the new US peace plan again (${slug})`,
    related: [],
    ...extra,
  } as SanityDocument;
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
    const target = before.site.stories.find((s) =>
      before.site.stories.some((o) => o.similar.some((l) => l.id === s.id)),
    );
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
    const docs = base.map((d) =>
      (d['slug'] as { current?: string } | undefined)?.current === 'zelensky-weighs-us-peace-plan'
        ? { ...d, _rev: 'r2', title: 'Zelensky answers the US peace plan' }
        : d,
    );
    const result = ok(model.compute(input(docs), { now: NOW, stamp: stamp(docs) }));
    const cards = result.site.stories
      .flatMap((s) => s.similar)
      .filter((c) => c.slug === 'zelensky-weighs-us-peace-plan');
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

  test('a comment approved, edited or rejected re-renders its story page only, incrementally, as a full computation does', () => {
    const model = settledModel(base);
    const target = base.find((d) => d['_type'] === 'story' && !String(d['_id']).includes('.'));
    const comment = (state: string, text = 'A first comment.'): SanityDocument => ({
      _id: 'comment-one',
      _type: 'comment',
      _rev: `r-${state}-${text.length}`,
      story: { _type: 'reference', _ref: String(target?.['_id']), _weak: true },
      name: 'Reader',
      text,
      postedAt: '2026-12-01T10:00:00Z',
      state,
    });
    const before = keys(ok(model.compute(input(base), { now: NOW, stamp: stamp(base) })));
    const storyPage = `/news/${(target?.['slug'] as { current: string }).current}/`;
    expect(before.has(storyPage)).toBe(true);
    for (const [docs, shown] of [
      [[...base, comment('approved')], ['A first comment.']],
      [[...base, comment('approved', 'An edited comment.')], ['An edited comment.']],
      // Pending and rejected comments are no documents of the site (the queries leave them out); the mapping too.
      [[...base, comment('rejected')], []],
      [[...base, comment('pending')], []],
    ] as const) {
      const result = ok(model.compute(input([...docs]), { now: NOW, stamp: stamp([...docs]) }));
      expect(result.mode).toBe('incremental');
      const page = pagesOf(result.pages, 'story').find((p) => p.path === storyPage);
      expect(page?.props.comments.map((c) => c.text)).toEqual(shown);
      const after = keys(result);
      const changed = [...after].filter(([path, key]) => before.get(path) !== key).map(([path]) => path);
      expect(changed).toEqual(shown.length > 0 ? [storyPage] : []);
      expect(after).toEqual(keys(fullPages([...docs])));
    }
  });
});

/** A deterministic random generator, so that a failing sequence can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('SiteModel, incremental', () => {
  /**
   * What a full computation gives for `docs` from the same settled Similar News: the incremental result must be
   * exactly this, page for page.
   */
  function fullFrom(settled: SettledSimilar | undefined, docs: SanityDocument[]) {
    const model = new SiteModel(new RenderCache(), CONFIG);
    if (settled) model.settle(settled);
    const result = ok(model.compute(input(docs), { now: NOW, stamp: stamp(docs) }));
    expect(result.mode).toBe('full');
    return result;
  }
  const pageMap = (r: Extract<ModelResult, { ok: true }>) =>
    new Map(r.pages.map((p) => [p.path, `${p.key} ${p.kind} ${JSON.stringify(p.props)}`]));

  test.each([7, 11, 23])(
    'random publishes, edits, moves, reschedules and deletions give what a full computation gives (seed %i)',
    (seed) => {
      const rand = random(seed);
      const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
      const sections = base.filter((d) => d['_type'] === 'section').map((d) => d['_id']);
      const tags = base.filter((d) => d['_type'] === 'tag').map((d) => d['_id']);
      const authors = base.filter((d) => d['_type'] === 'author').map((d) => d['_id']);
      let docs = base;
      const model = settledModel(docs);
      let settled = model.settled;
      let incremental = 0;
      for (let step = 0; step < 40; step += 1) {
        // One to three changes at once, as a burst of webhooks coalesces into one build.
        for (let n = Math.floor(rand() * 3); n >= 0; n -= 1) {
          const stories = docs.filter((d) => d['_type'] === 'story' && !String(d['_id']).includes('.'));
          const target = pick(stories);
          const rev = `s${step}-${n}`;
          const change = Math.floor(rand() * 8);
          const edit = (fields: Record<string, unknown>) =>
            (docs = docs.map((d) => (d === target ? { ...d, ...fields, _rev: rev } : d)));
          if (change === 0)
            docs = [
              ...docs,
              story(`new-${step}-${n}`, {
                _rev: rev,
                publishedAt: new Date(NOW.getTime() - rand() * 4e9).toISOString(),
              }),
            ];
          else if (change === 1) edit({ title: `${String(target['title'])} (updated ${step})` });
          else if (change === 2) docs = docs.filter((d) => d !== target);
          else if (change === 3) edit({ section: { _type: 'reference', _ref: pick(sections) } });
          else if (change === 4)
            edit({
              tags: [{ _type: 'reference', _ref: pick(tags), _key: 't' }],
              authors: [{ _type: 'reference', _ref: pick(authors), _key: 'a' }],
            });
          else if (change === 5)
            edit({
              publishedAt: new Date(NOW.getTime() + (rand() < 0.5 ? 1 : -1) * rand() * 4e9).toISOString(),
              updatedAt: undefined,
            });
          else if (change === 6) {
            // A tag renamed: every page that shows it changes, computed in full.
            const tag = pick(tags);
            docs = docs.map((d) => (d['_id'] === tag ? { ...d, _rev: rev, name: `${String(d['name'])} ${step}` } : d));
          } else {
            // Settle, as the service does after a publish.
            const current = ok(model.compute(input(docs), { now: NOW, stamp: stamp(docs) }));
            const index = SimilarIndex.build(current.inputs, { limit: 5 });
            model.settle({ index, links: index.all(), inputs: current.inputs, limit: 5 });
            settled = model.settled;
          }
        }
        const result = ok(model.compute(input(docs), { now: NOW, stamp: stamp(docs) }));
        expect(model.incrementalError).toBeUndefined();
        if (result.mode === 'incremental') incremental += 1;
        const full = fullFrom(settled, docs);
        expect([...pageMap(result)].sort()).toEqual([...pageMap(full)].sort());
        expect(result.pages.map((p) => p.path)).toEqual(full.pages.map((p) => p.path));
        expect(result.provisional).toBe(full.provisional);
        expect(result.settled).toBe(full.settled);
        expect(result.site.stories.map((s) => JSON.stringify(s))).toEqual(
          full.site.stories.map((s) => JSON.stringify(s)),
        );
        expect(JSON.stringify(result.site)).toBe(JSON.stringify(full.site));
      }
      expect(incremental).toBeGreaterThan(15);
    },
    // 80 computations compared page by page, feeds and sitemaps included: about 10 s alone, more on a busy machine.
    90_000,
  );

  test('a changed section, tag or author computes in full', () => {
    const model = settledModel(base);
    const docs = base.map((d) => (d['_type'] === 'section' ? { ...d, _rev: 'r2', name: `${String(d['name'])}!` } : d));
    expect(ok(model.compute(input(docs), { now: NOW, stamp: stamp(docs) })).mode).toBe('full');
    const again = [...docs, story('one-more')];
    expect(ok(model.compute(input(again), { now: NOW, stamp: stamp(again) })).mode).toBe('incremental');
  });

  test('a story that ages out of the share-card window gets its section’s card in an incremental computation too', () => {
    const saved = { days: process.env['NEWS_SHARE_CARD_DAYS'], stories: process.env['NEWS_SHARE_CARD_STORIES'] };
    process.env['NEWS_SHARE_CARD_DAYS'] = '30';
    process.env['NEWS_SHARE_CARD_STORIES'] = '0';
    try {
      // Published 2026-10-26T11:00Z: inside the window on 2026-11-20, outside it on 2026-11-30.
      const aging = '/news/midterms-2026-final-stretch/';
      const model = new SiteModel(new RenderCache(), CONFIG);
      const first = ok(
        model.compute(input(base), { now: new Date('2026-11-20T00:00:00Z'), stamp: stamp(base), links: new Map() }),
      );
      const index = SimilarIndex.build(first.inputs, { limit: 5 });
      model.settle({ index, links: index.all(), inputs: first.inputs, limit: 5 });
      expect(pagesOf(first.pages, 'story').find((p) => p.path === aging)?.props.shareImage).toBe(
        '/share/midterms-2026-final-stretch.jpg',
      );
      // Settled (Similar News in place), then nothing edited: the model computes incrementally at the later time.
      ok(model.compute(input(base), { now: new Date('2026-11-20T00:00:00Z'), stamp: stamp(base) }));
      const docs = base;
      const later = { now: new Date('2026-11-30T00:00:00Z'), stamp: stamp(docs) };
      const result = ok(model.compute(input(docs), later));
      expect(result.mode).toBe('incremental');
      expect(pagesOf(result.pages, 'story').find((p) => p.path === aging)?.props.shareImage).toBe(
        '/share/sections/us-politics.jpg',
      );
      expect(pagesOf(result.pages, 'share').map((p) => p.path)).toEqual([
        '/share/midterm-ballots-counting-house-control.jpg',
      ]);
      const fresh = new SiteModel(new RenderCache(), CONFIG);
      const freshFirst = ok(fresh.compute(input(docs), { ...later, links: new Map() }));
      const freshIndex = SimilarIndex.build(freshFirst.inputs, { limit: 5 });
      fresh.settle({ index: freshIndex, links: freshIndex.all(), inputs: freshFirst.inputs, limit: 5 });
      expect(keys(result)).toEqual(keys(ok(fresh.compute(input(docs), later))));
    } finally {
      for (const [name, value] of [
        ['NEWS_SHARE_CARD_DAYS', saved.days],
        ['NEWS_SHARE_CARD_STORIES', saved.stories],
      ] as const)
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
    }
  });
});
