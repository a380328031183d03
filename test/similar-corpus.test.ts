/**
 * SimilarIndex over a large generated corpus: its paths (all, linksFor, query, a TermCache, a transfer) agree with
 * one another and with findSimilar. Slow (seconds per case); the rules on small inputs are in
 * similar-index-rules.test.ts.
 */
import { describe, expect, test } from 'vitest';
import type { SimilarInput, SimilarLink, SimilarOptions, SimilarSignals } from '../src/lib/similar/options.ts';
import { findSimilar, SimilarIndex } from '../src/lib/similar/similar-index.ts';
import { TermCache } from '../src/lib/similar/terms.ts';
import { generateCorpus } from '../scripts/lib/eval-similar.ts';

function story(id: string, title: string, text: string, extra: Partial<SimilarInput> = {}): SimilarInput {
  return { id, title, text, tags: [], ...extra };
}

const ids = (links: readonly SimilarLink[] | undefined): string[] => (links ?? []).map((link) => link.id);

/**
 * The generated newsroom of `eval:similar --bench` (Zipf vocabulary, topics, tags, sections, dates),
 * with some undated stories, some pins (unknown ids and self among them), some stories that share no
 * word or tag with any other (they get the fallback) and a story in a section of its own.
 */
const CORPUS: SimilarInput[] = generateCorpus(600).map((doc, i) => {
  const { publishedAt: _publishedAt, ...undated } = doc;
  const dated = i % 10 === 3 ? undated : doc;
  const base = i % 53 === 11 ? { ...dated, title: `lonely${i}`, text: `only${i} here${i}`, tags: [] } : dated;
  if (i % 37 === 0)
    return { ...base, pinned: [`story-${String((i * 7 + 5) % 600).padStart(6, '0')}`, 'no-such-story', doc.id] };
  if (i === 599) return { ...base, section: 'obituaries' };
  return base;
});

const NEW_STORY = story(
  'q',
  'Harbour strike halts container ships',
  'Dock workers at the harbour went on strike, and container ships wait offshore.',
  {
    section: 'business',
    tags: ['labour'],
  },
);

describe('SimilarIndex over a realistic corpus', () => {
  test.each<[string, SimilarOptions]>([
    ['hybrid', {}],
    ['text', { signals: 'text' }],
    ['tags', { signals: 'tags' }],
    // Few probes and candidates: the gather step decides more, so a probe chosen differently shows.
    ['hybrid, 3 probes, 2 candidates, limit 8', { probeTerms: 3, candidates: 2, limit: 8, minScore: 0 }],
  ])('%s: all() is findSimilar, and query of an unchanged story is its linksFor entry', (_name, options) => {
    const index = SimilarIndex.build(CORPUS, options);
    const all = index.all();
    expect([...all.entries()]).toEqual([...findSimilar(CORPUS, options).entries()]);
    expect(index.size).toBe(CORPUS.length);
    expect(index.ids()).toEqual([...all.keys()]);
    // The corpus must exercise pins, the fallback and stories without any similar link.
    const reasons = new Set([...all.values()].flat().map((link) => link.reason));
    expect(reasons).toEqual(new Set(['pinned', 'similar', 'fallback']));

    for (const doc of CORPUS) {
      const expected = index.linksFor([doc.id]).get(doc.id);
      expect(expected).toEqual(all.get(doc.id));
      expect(index.query(doc)).toEqual(expected);
    }
  });

  test('a TermCache told which stories changed builds what a fresh build gives, after edits, removals and additions', () => {
    const terms = new TermCache();
    expect([...SimilarIndex.build(CORPUS, {}, terms).all()]).toEqual([...findSimilar(CORPUS)]);
    const [first, second, ...rest] = CORPUS as [SimilarInput, SimilarInput, ...SimilarInput[]];
    const edited = { ...first, title: `${first.title} and the markets`, text: `${second.text} ${first.text}` };
    const added = { ...second, id: 'zz-added', title: `Another look: ${second.title}` };
    const next = [edited, ...rest.slice(1), added];
    terms.forget(edited.id);
    expect([...SimilarIndex.build(next, {}, terms).all()]).toEqual([...findSimilar(next)]);
    // The same build again reuses every story's terms.
    expect([...SimilarIndex.build(next, {}, terms).all()]).toEqual([...findSimilar(next)]);
  });

  test('linksFor answers only the ids asked, in that order, skipping unknown ids and repeats', () => {
    const index = SimilarIndex.build(CORPUS);
    const all = index.all();
    const asked = ['story-000042', 'no-such-story', 'story-000007', 'story-000042', 'story-000599'];
    const links = index.linksFor(asked);
    expect([...links.keys()]).toEqual(['story-000042', 'story-000007', 'story-000599']);
    for (const [id, list] of links) expect(list).toEqual(all.get(id));
    expect(index.linksFor([]).size).toBe(0);
  });

  test('exclude removes ids from every story asked, and leaves later calls untouched', () => {
    const index = SimilarIndex.build(CORPUS);
    const all = index.all();
    const asked = index.ids().slice(0, 60);
    const exclude = new Set(asked.flatMap((id) => ids(all.get(id)).slice(0, 2)));
    expect(exclude.size).toBeGreaterThan(20);
    for (const [id, list] of index.linksFor(asked, exclude)) {
      expect(ids(list).filter((link) => exclude.has(link))).toEqual([]);
      expect(list.length).toBeGreaterThanOrEqual(Math.min(5, all.get(id)?.length ?? 0) - 1); // others fill in
    }
    expect([...index.linksFor(asked).entries()]).toEqual(asked.map((id) => [id, all.get(id)]));
  });
});

describe('SimilarIndex transfer', () => {
  test.each<SimilarSignals>(['hybrid', 'tags'])(
    '%s: a structured clone with transferred buffers answers the same',
    (signals) => {
      const index = SimilarIndex.build(CORPUS, { signals });
      const all = index.all();
      const some = index.linksFor(['story-000100', 'story-000200'], new Set(['story-000300']));
      const newcomers = [NEW_STORY, { ...(CORPUS[5] as SimilarInput), id: 'fresh', title: 'Fresh title' }];
      const queried = newcomers.map((input) => index.query(input, new Set(['story-000001'])));

      const { data, transfer } = index.toTransfer();
      // Every typed array's buffer, each once, found by walking the data rather than by the list transferList keeps.
      const buffers = new Set<ArrayBufferLike>();
      const walk = (value: unknown): void => {
        if (ArrayBuffer.isView(value)) buffers.add(value.buffer);
        else if (typeof value === 'object' && value !== null) Object.values(value).forEach(walk);
      };
      walk(data);
      expect(new Set(transfer)).toEqual(buffers);
      expect(transfer).toHaveLength(buffers.size);
      const restored = SimilarIndex.fromTransfer(structuredClone(data, { transfer }));
      // The original's buffers moved with the clone.
      expect(transfer.every((buffer) => buffer.byteLength === 0)).toBe(true);
      expect(() => SimilarIndex.fromTransfer(data)).toThrow(
        /expected the data of SimilarIndex\.toTransfer\(\).*were its buffers transferred away/,
      );

      expect(restored.size).toBe(CORPUS.length);
      expect([...restored.all().entries()]).toEqual([...all.entries()]);
      expect([...restored.linksFor(['story-000100', 'story-000200'], new Set(['story-000300'])).entries()]).toEqual([
        ...some.entries(),
      ]);
      expect(newcomers.map((input) => restored.query(input, new Set(['story-000001'])))).toEqual(queried);
    },
  );
});
