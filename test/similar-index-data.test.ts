/** The index of Similar News as data (index-data.ts): its documented layout and weights, computed here by hand. */
import { describe, expect, test } from 'vitest';
import { rowOrder, termFrequency, tfIdf, tagIdf } from '../src/lib/similar/index-data.ts';
import type { SimilarInput } from '../src/lib/similar/options.ts';
import { findSimilar, SimilarIndex } from '../src/lib/similar/similar-index.ts';
import { TermCache } from '../src/lib/similar/terms.ts';

const near = (x: number): number => expect.closeTo(x, 12) as number;

function story(id: string, title: string, text: string, extra: Partial<SimilarInput> = {}): SimilarInput {
  return { id, title, text, tags: [], ...extra };
}

describe('weights', () => {
  test.each<[number, number, number, number]>([
    [0, 0, 2, 0],
    [0, 1, 2, 1],
    [1, 0, 2, 1 + Math.log(2)],
    [2, 3, 2, 1 + Math.log(7)],
    // Below one occurrence (a title weight under 1), tf is the count itself.
    [1, 0, 0.5, 0.5],
    [1, 0, 0, 0],
  ])('termFrequency(%d title, %d body, title weight %d) = %d', (title, body, weight, expected) => {
    expect(termFrequency(title, body, weight)).toBeCloseTo(expected, 12);
  });

  test('tfIdf: tf times ln(n / df), L2-normalised; a term nobody has counts as a term of one story', () => {
    const w = Float64Array.of(1, 2, 1);
    tfIdf(Int32Array.of(0, 1, -1), w, [2, 4], 4);
    // Before the norm: ln 2, 0 (a term in every story), ln 4 = 2 ln 2; the norm is ln 2 times the root of 5.
    expect([...w].map((x) => x * Math.sqrt(5))).toEqual([expect.closeTo(1, 12), 0, expect.closeTo(2, 12)]);
    const zero = Float64Array.of(3);
    tfIdf(Int32Array.of(1), zero, [2, 4], 4);
    expect([...zero]).toEqual([0]);
  });

  test('tagIdf: ln(n / df) per tag, an unknown tag as a tag of one story, and their sum', () => {
    const { idf, norm } = tagIdf(Int32Array.of(0, -1), [2], 8);
    expect([...idf]).toEqual([expect.closeTo(Math.log(4), 12), expect.closeTo(Math.log(8), 12)]);
    expect(norm).toBeCloseTo(Math.log(32), 12);
  });
});

describe('rowOrder', () => {
  // df: items 1, 3, 5 and 7 in two stories, 9 in one (never kept), 11 in fifty (kept, never a probe at maxDf 10).
  const df = [0, 2, 0, 2, 0, 2, 0, 2, 0, 1, 0, 50];

  test('probes are the heaviest items, ties at the cut-off taken in item order; then the other kept items', () => {
    const ids = Int32Array.of(7, 3, 5, 1, 9, 11, 1);
    const ws = Float64Array.of(0.5, 0.9, 0.5, 0.2, 0.8, 0.7, 0);
    // 0.9 is above the cut-off (0.5); of the two at 0.5, item 5 comes before item 7. Item 9 (one story) and the
    // weightless last entry are dropped; item 11 is kept but too common to be a probe.
    expect(rowOrder(ids, ws, df, 10, 2)).toEqual({ order: [1, 2, 0, 3, 5], probeCount: 2 });
    expect(rowOrder(ids, ws, df, 10, 1)).toEqual({ order: [1, 0, 2, 3, 5], probeCount: 1 });
    expect(rowOrder(ids, ws, df, 10, 3)).toEqual({ order: [0, 1, 2, 3, 5], probeCount: 3 });
  });

  test('with room for every candidate all are probes, in the story order; a common item is a probe under a high maxDf', () => {
    const ids = Int32Array.of(7, 3, 11);
    const ws = Float64Array.of(0.1, 0.9, 0.5);
    expect(rowOrder(ids, ws, df, 10, 4)).toEqual({ order: [0, 1, 2], probeCount: 2 });
    expect(rowOrder(ids, ws, df, 50, 4)).toEqual({ order: [0, 1, 2], probeCount: 3 });
    expect(rowOrder(ids, ws, df, 49, 2)).toEqual({ order: [0, 1, 2], probeCount: 2 });
  });
});

describe('SimilarIndex data layout', () => {
  const docs = [
    story('b', 'Strike', 'harbour harbour', {
      tags: ['port', 'labour'],
      section: 'news',
      publishedAt: '2025-01-02T00:00:00Z',
      pinned: ['a', 'x'],
    }),
    story('a', 'Vote', 'strike', { tags: ['labour'], section: 'politics', publishedAt: '2025-01-01T00:00:00Z' }),
    story('d', 'Ships', 'harbour', { tags: ['port', 'labour', 'port'], section: 'news' }),
    story('c', 'Quiet', '', { section: 'news', publishedAt: '2025-01-02T00:00:00Z' }),
    story('e', 'Later', '', { section: 'news', publishedAt: '2025-01-03T00:00:00Z', pinned: ['b'] }),
  ];

  test('stories in id order with their times, pins, sections and fallback order', () => {
    const { data } = SimilarIndex.build(docs).toTransfer();
    expect(data.ids).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect([...data.time]).toEqual([
      Date.UTC(2025, 0, 1),
      Date.UTC(2025, 0, 2),
      Date.UTC(2025, 0, 2),
      -Infinity,
      Date.UTC(2025, 0, 3),
    ]);
    expect([...data.pinnedStart]).toEqual([0, 0, 2, 2, 2, 3]);
    expect(data.pinnedIds).toEqual(['a', 'x', 'b']);
    // Sections in order of their first story (by id); each section's stories latest first, then by id, undated last.
    expect(data.sections).toEqual(['politics', 'news']);
    expect([...data.sectionOf]).toEqual([0, 1, 1, 1, 1]);
    expect([...data.fallback.start]).toEqual([0, 1, 5]);
    expect([...data.fallback.item]).toEqual([0, 4, 1, 2, 3]);
  });

  test('terms numbered by first occurrence, stories in id order and titles first, whatever a cache saw before', () => {
    const cache = new TermCache();
    SimilarIndex.build([story('z', 'zebra crossing', 'ships')], {}, cache);
    for (const terms of [undefined, cache]) {
      const text = SimilarIndex.build(docs, {}, terms).toTransfer().data.text;
      expect(text?.keys).toEqual(['vote', 'strike', 'harbour', 'quiet', 'ships', 'later']);
      expect([...(text?.df ?? [])]).toEqual([1, 2, 2, 1, 1, 1]);
    }
  });

  test('tags: df counts a story once, and each story has its summed idf', () => {
    const { data } = SimilarIndex.build(docs).toTransfer();
    expect(data.tags?.keys).toEqual(['labour', 'port']);
    expect([...(data.tags?.df ?? [])]).toEqual([3, 2]);
    const [labour, port] = [Math.log(5 / 3), Math.log(5 / 2)];
    expect([...data.tagNorm]).toEqual([
      expect.closeTo(labour, 12),
      expect.closeTo(port + labour, 12),
      0,
      expect.closeTo(port + labour, 12),
      0,
    ]);
  });

  test('rows keep the items shared with another story, probes first; postings list the stories by item', () => {
    const { data } = SimilarIndex.build(docs, { signals: 'tags' }).toTransfer();
    expect(data.text).toBeNull();
    const tags = data.tags;
    expect([...(tags?.rows.start ?? [])]).toEqual([0, 1, 3, 3, 5, 5]);
    expect([...(tags?.rows.item ?? [])]).toEqual([0, 1, 0, 1, 0]);
    const [labour, port] = [Math.log(5 / 3), Math.log(5 / 2)];
    expect([...(tags?.rows.weight ?? [])]).toEqual([labour, port, labour, port, labour].map(near));
    expect([...(tags?.queryWeight ?? [])]).toEqual([1, 1, 1, 1, 1]);
    expect([...(tags?.probeEnd ?? [])]).toEqual([1, 3, 3, 5, 5]);
    expect([...(tags?.postings.start ?? [])]).toEqual([0, 3, 5]);
    expect([...(tags?.postings.item ?? [])]).toEqual([0, 1, 3, 1, 3]);
    expect([...(tags?.postings.weight ?? [])]).toEqual([labour, labour, labour, port, port].map(near));
  });
});

describe('SimilarIndex data: signals and probes', () => {
  test('an ablation builds one signal only', () => {
    const docs = [story('a', 'harbour', '', { tags: ['port'] }), story('b', 'harbour', '', { tags: ['port'] })];
    const text = SimilarIndex.build(docs, { signals: 'text' }).toTransfer().data;
    expect(text.tags).toBeNull();
    expect([...text.tagNorm]).toEqual([0, 0]);
    expect(text.text?.keys).toEqual(['harbour']);
    const tags = SimilarIndex.build(docs, { signals: 'tags' }).toTransfer().data;
    expect(tags.text).toBeNull();
    expect(tags.tags?.keys).toEqual(['port']);
  });

  test('an item in up to maxDocFrequency of the stories (here 100 of 200) has postings, one in more has none', () => {
    const docs = Array.from({ length: 200 }, (_, i) =>
      story(`s${String(i).padStart(3, '0')}`, '', '', {
        tags: [...(i < 100 ? ['half'] : []), ...(i < 101 ? [] : ['most'])],
      }),
    );
    // "half" is in s000 to s099, "most" in s101 to s199 (99 stories): both have postings; still with "most" in 100
    // stories, no longer in 101.
    const postings = (list: SimilarInput[]): number[] => [
      ...(SimilarIndex.build(list, { signals: 'tags', maxDocFrequency: 0.5 }).toTransfer().data.tags?.postings.start ??
        []),
    ];
    expect(postings(docs)).toEqual([0, 100, 199]);
    const more = docs.map((doc, i) => (i === 100 ? { ...doc, tags: ['most'] } : doc));
    expect(postings(more)).toEqual([0, 100, 200]);
    const tooMany = more.map((doc, i) => (i === 99 ? { ...doc, tags: ['half', 'most'] } : doc));
    expect(postings(tooMany)).toEqual([0, 100, 100]);
  });
});

describe('SimilarIndex.build with a TermCache', () => {
  test('a story not forgotten keeps the terms of the build before, even with a new text', () => {
    const cache = new TermCache();
    const docs = [story('a', 'harbour', ''), story('b', 'harbour', ''), story('c', 'vote', '')];
    SimilarIndex.build(docs, {}, cache);
    const changed = docs.map((doc) => (doc.id === 'c' ? { ...doc, title: 'harbour' } : doc));
    expect(SimilarIndex.build(changed, {}, cache).toTransfer().data.text?.keys).toEqual(['harbour', 'vote']);
    cache.forget('c');
    expect(SimilarIndex.build(changed, {}, cache).toTransfer().data.text?.keys).toEqual(['harbour']);
  });

  test('a build that failed half-way keeps nothing', () => {
    const cache = new TermCache();
    const bad = { ...story('z', '', ''), title: 42 as never };
    expect(() => SimilarIndex.build([story('a', 'harbour', ''), bad], {}, cache)).toThrow(TypeError);
    SimilarIndex.build([story('b', 'vote', '')], {}, cache);
    // "a" was not in the last build that ended: it is tokenized again.
    const keys = SimilarIndex.build([story('a', 'budget', '')], {}, cache).toTransfer().data.text?.keys;
    expect(keys).toEqual(['budget']);
  });
});

describe('findSimilar input checks name findSimilar', () => {
  test.each([
    ['a duplicate id', [story('x', 'A', 'a'), story('x', 'B', 'b')], /^findSimilar: duplicate story id "x"/],
    [
      'an id that is no string',
      [story('a', 'A', 'a'), { ...story('b', 'B', 'b'), id: 42 as never }],
      /^findSimilar: story at position 1 has an empty id/,
    ],
  ])('%s', (_name, docs, message) => {
    expect(() => findSimilar(docs)).toThrow(message);
  });
});
