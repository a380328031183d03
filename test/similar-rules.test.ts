/**
 * Similar News against its documented rules, computed here independently of the search code: a brute-force
 * top-k, a brute-force scorer of every pair (the formula of similar-index.ts written out plainly), and
 * hand-computed scores. The other suites mostly compare two paths through the same search, which a bug in scoring
 * or selection changes equally.
 */
import { describe, expect, test } from 'vitest';
import type { SimilarInput, SimilarLink, SimilarOptions } from '../src/lib/similar/options.ts';
import { SIMILAR_DEFAULTS } from '../src/lib/similar/options.ts';
import { findSimilar, SimilarIndex } from '../src/lib/similar/similar-index.ts';
import { tokenize } from '../src/lib/similar/text.ts';
import { selectTop } from '../src/lib/similar/top-k.ts';

/** A small deterministic generator (mulberry32), so a failure names a seed that reproduces it. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('selectTop against a brute-force sort', () => {
  test.each(Array.from({ length: 40 }, (_, seed) => seed))('seed %i', (seed) => {
    const next = random(seed);
    const n = 1 + Math.floor(next() * 60);
    // Few distinct scores and times, so that ties and the time and index tie-breaks are common.
    const score = Float64Array.from({ length: n }, () => Math.floor(next() * 6) / 5);
    const time = Float64Array.from({ length: n }, () => (next() < 0.2 ? -Infinity : Math.floor(next() * 3)));
    const excluded = Uint8Array.from({ length: n }, () => (next() < 0.15 ? 1 : 0));
    const candidates = Int32Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [candidates[i], candidates[j]] = [candidates[j] ?? 0, candidates[i] ?? 0];
    }
    const count = Math.floor(next() * (n + 1));
    const above = next() < 0.5 ? 0 : 0.4;
    for (const k of [0, 1, 2, 3, 5, n]) {
      const expected = [...candidates.subarray(0, count)]
        .filter((j) => (score[j] ?? 0) > above && excluded[j] === 0)
        .sort((a, b) => (score[b] ?? 0) - (score[a] ?? 0) || (time[b] ?? 0) - (time[a] ?? 0) || a - b || 0)
        .slice(0, k);
      expect(selectTop(candidates, count, k, score, above, excluded, time)).toEqual(expected);
    }
  });

  test('undated entries (time -Infinity) rank after dated ones of the same score', () => {
    const score = Float64Array.of(0.5, 0.5, 0.5);
    const time = Float64Array.of(-Infinity, 10, -Infinity);
    expect(selectTop(Int32Array.of(0, 1, 2), 3, 3, score, 0, new Uint8Array(3), time)).toEqual([1, 0, 2]);
  });
});

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const ROUND = 1e9;
const DAY = 86_400_000;

/** Every story's links by the documented rules, scoring every pair: the reference the index is checked against. */
function bruteForce(docs: readonly SimilarInput[], options: SimilarOptions): Map<string, SimilarLink[]> {
  const o = { ...SIMILAR_DEFAULTS, ...options };
  const stories = [...docs].sort((a, b) => compare(a.id, b.id));
  const n = stories.length;
  const tagWeight = o.signals === 'text' ? 0 : o.signals === 'tags' ? 1 : o.tagWeight;
  const time = stories.map((s) => (s.publishedAt === undefined ? -Infinity : Date.parse(s.publishedAt)));

  // Text: tf = 1 + ln(titleWeight * titleCount + bodyCount), times ln(n / df), L2-normalised.
  const counts = stories.map((s) => {
    const c = new Map<string, number>();
    for (const t of tokenize(s.title)) c.set(t, (c.get(t) ?? 0) + o.titleWeight);
    for (const t of tokenize(s.text)) c.set(t, (c.get(t) ?? 0) + 1);
    return c;
  });
  const df = new Map<string, number>();
  for (const c of counts) for (const t of c.keys()) df.set(t, (df.get(t) ?? 0) + 1);
  const vectors = counts.map((c) => {
    const v = new Map<string, number>();
    for (const [t, count] of c) v.set(t, (count >= 1 ? 1 + Math.log(count) : count) * Math.log(n / (df.get(t) ?? 1)));
    const norm = Math.hypot(...v.values());
    if (norm > 0) for (const [t, x] of v) v.set(t, x / norm);
    return v;
  });
  // Tags: shared idf over the larger of the two stories' summed idf.
  const tagDf = new Map<string, number>();
  for (const s of stories) for (const t of new Set(s.tags)) tagDf.set(t, (tagDf.get(t) ?? 0) + 1);
  const idf = (t: string): number => Math.log(n / (tagDf.get(t) ?? 1));
  const tagSum = stories.map((s) => [...new Set(s.tags)].reduce((sum, t) => sum + idf(t), 0));

  const pair = (i: number, j: number): number => {
    let cosine = 0;
    for (const [t, x] of vectors[i] ?? []) cosine += x * (vectors[j]?.get(t) ?? 0);
    const shared = [...new Set(stories[i]?.tags)].filter((t) => stories[j]?.tags.includes(t));
    const sharedIdf = shared.reduce((sum, t) => sum + idf(t), 0);
    const tags = sharedIdf > 0 ? sharedIdf / Math.max(tagSum[i] ?? 0, tagSum[j] ?? 0) : 0;
    const [ti, tj] = [time[i] ?? 0, time[j] ?? 0];
    const decay =
      Number.isFinite(ti) && Number.isFinite(tj) && Number.isFinite(o.recencyHalfLifeDays)
        ? Math.max(o.recencyFloor, 0.5 ** (Math.abs(ti - tj) / DAY / o.recencyHalfLifeDays))
        : 1;
    return Math.round(((1 - tagWeight) * cosine + tagWeight * tags) * decay * ROUND) / ROUND;
  };
  const byTimeThenId = (a: number, b: number): number =>
    (time[b] ?? 0) - (time[a] ?? 0) || compare(stories[a]?.id ?? '', stories[b]?.id ?? '');

  const result = new Map<string, SimilarLink[]>();
  stories.forEach((story, i) => {
    const links: SimilarLink[] = [];
    const used = new Set([story.id]);
    for (const id of story.pinned ?? []) {
      const j = stories.findIndex((s) => s.id === id);
      if (j < 0 || used.has(id)) continue;
      used.add(id);
      links.push({ id, score: pair(i, j), reason: 'pinned' });
    }
    const similar = stories
      .map((_, j) => j)
      .filter((j) => !used.has(stories[j]?.id ?? '') && pair(i, j) > o.minScore)
      .sort((a, b) => pair(i, b) - pair(i, a) || byTimeThenId(a, b))
      .slice(0, Math.max(0, o.limit - links.length));
    for (const j of similar) {
      used.add(stories[j]?.id ?? '');
      links.push({ id: stories[j]?.id ?? '', score: pair(i, j), reason: 'similar' });
    }
    if (story.section !== undefined) {
      const section = stories
        .map((_, j) => j)
        .filter((j) => stories[j]?.section === story.section && !used.has(stories[j]?.id ?? ''))
        .sort(byTimeThenId);
      for (const j of section) {
        if (links.length >= o.limit) break;
        links.push({ id: stories[j]?.id ?? '', score: 0, reason: 'fallback' });
      }
    }
    result.set(story.id, links);
  });
  return result;
}

const WORDS = 'harbour strike ships budget vote match goal film bank rates comet lab'.split(' ');
const TAGS = ['labour', 'economy', 'sport', 'culture', 'science'];
const DATES = ['2025-01-01T00:00:00Z', '2025-01-21T00:00:00Z', '2025-03-01T00:00:00Z'];

/** A small random newsroom: a few words and tags (many shared, some stories identical), dates, sections, pins. */
function newsroom(seed: number): SimilarInput[] {
  const next = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
  const n = 6 + Math.floor(next() * 20);
  const id = (i: number): string => `s${String(i).padStart(2, '0')}`;
  const stories: SimilarInput[] = [];
  for (let i = 0; i < n; i++) {
    const copy = i > 0 && next() < 0.15 ? stories[Math.floor(next() * i)] : undefined;
    const words = (k: number): string => Array.from({ length: k }, () => pick(WORDS)).join(' ');
    const story: SimilarInput = {
      id: id(i),
      title: copy?.title ?? words(1 + Math.floor(next() * 2)),
      text: copy?.text ?? words(Math.floor(next() * 6)),
      tags: copy?.tags ?? [...new Set(Array.from({ length: Math.floor(next() * 3) }, () => pick(TAGS)))],
    };
    if (next() < 0.7) story.publishedAt = pick(DATES);
    if (next() < 0.8) story.section = pick(['news', 'sport', 'arts']);
    if (next() < 0.15) story.pinned = [id(Math.floor(next() * n)), 'missing', id(Math.floor(next() * n))];
    stories.push(story);
  }
  // Shuffled: the output must not depend on the input order.
  return stories.sort(() => next() - 0.5);
}

/** Options under which the gather step reaches every story sharing a term or tag, so the search is exact. */
const EXACT: SimilarOptions = { candidates: 1000, probeTerms: 1000, maxDocFrequency: 1 };

describe('Similar News against a brute-force scorer', () => {
  const optionSets: [string, SimilarOptions][] = [
    ['defaults', {}],
    ['text only, limit 3', { signals: 'text', limit: 3 }],
    ['tags only, minScore 0.3', { signals: 'tags', minScore: 0.3 }],
    ['hybrid, tagWeight 0.5, no decay, minScore 0', { tagWeight: 0.5, recencyHalfLifeDays: Infinity, minScore: 0 }],
    ['hybrid, short half-life, floor 0.2, limit 8', { recencyHalfLifeDays: 5, recencyFloor: 0.2, limit: 8 }],
  ];
  test.each(optionSets)('%s', (_name, options) => {
    for (let seed = 1; seed <= 25; seed++) {
      const docs = newsroom(seed);
      const expected = bruteForce(docs, options);
      const actual = findSimilar(docs, { ...EXACT, ...options });
      expect([...actual.keys()], `seed ${seed}`).toEqual([...expected.keys()]);
      for (const [id, links] of expected) {
        const got = actual.get(id) ?? [];
        expect(
          got.map((link) => [link.id, link.reason]),
          `seed ${seed}, story ${id}`,
        ).toEqual(links.map((link) => [link.id, link.reason]));
        got.forEach((link, k) => expect(link.score).toBeCloseTo(links[k]?.score ?? NaN, 9));
      }
    }
  });
});

describe('Similar News hand-computed rules', () => {
  // Tags only, no dates: a and b share x (idf ln 2) and a also has y (idf ln 4), so tags(a, b) = ln 2 / 3 ln 2.
  const docs: SimilarInput[] = [
    { id: 'a', title: 'one', text: '', tags: ['x', 'y'] },
    { id: 'b', title: 'two', text: '', tags: ['x'] },
    { id: 'c', title: 'three', text: '', tags: ['z'] },
    { id: 'd', title: 'four', text: '', tags: ['w'] },
  ];

  test('the tag score is the shared idf over the larger summed idf', () => {
    const links = findSimilar(docs, { signals: 'tags', minScore: 0 }).get('a');
    expect(links).toEqual([{ id: 'b', score: expect.closeTo(1 / 3, 9) as number, reason: 'similar' }]);
  });

  test('a similar link needs a score above minScore, not equal to it', () => {
    const third = Math.round(ROUND / 3) / ROUND;
    expect(findSimilar(docs, { signals: 'tags', minScore: third - 1e-6 }).get('a')).toHaveLength(1);
    expect(findSimilar(docs, { signals: 'tags', minScore: third }).get('a')).toEqual([]);
    expect(findSimilar(docs, { signals: 'tags', minScore: 0.5 }).get('a')).toEqual([]);
  });

  test('the recency factor halves the score of stories a half-life apart', () => {
    const dated = docs.map((d, i) => ({ ...d, publishedAt: new Date(Date.UTC(2025, 0, 1 + 10 * i)).toISOString() }));
    const links = findSimilar(dated, { signals: 'tags', minScore: 0, recencyHalfLifeDays: 10, recencyFloor: 0 });
    expect(links.get('a')?.[0]?.score).toBeCloseTo(1 / 6, 9);
    const floored = findSimilar(dated, { signals: 'tags', minScore: 0, recencyHalfLifeDays: 10, recencyFloor: 0.9 });
    expect(floored.get('a')?.[0]?.score).toBeCloseTo(0.3, 9);
  });

  test('equal scores and dates are ordered by id, in code-unit order', () => {
    const twins: SimilarInput[] = ['b', 'B', 'a', 'c'].map((id) => ({ id, title: 'same', text: '', tags: ['t'] }));
    twins.push({ id: 'q', title: 'other', text: '', tags: ['t'] }, { id: 'z', title: 'none', text: '', tags: [] });
    expect(
      findSimilar(twins, { signals: 'tags' })
        .get('q')
        ?.map((link) => link.id),
    ).toEqual(['B', 'a', 'b', 'c']);
  });
});

describe('SimilarIndex.query: what the index does not know matches nothing', () => {
  // Every word, tag and section here is in two or more stories, so a lookup landing on a known id would match.
  const docs: SimilarInput[] = ['a', 'b', 'c', 'd'].map((id, i) => ({
    id,
    title: i < 2 ? 'harbour strike' : 'budget vote',
    text: i < 2 ? 'harbour ships' : 'budget parliament',
    tags: i < 2 ? ['labour', 'port'] : ['economy', 'politics'],
    section: i < 2 ? 'news' : 'politics',
  }));
  const index = SimilarIndex.build(docs, { minScore: 0 });

  test('a known word, tag or section does match (the control)', () => {
    expect(index.query({ id: 'q', title: 'strike', text: '', tags: [] }).map((l) => l.id)).toEqual(['a', 'b']);
    expect(index.query({ id: 'q', title: '', text: '', tags: ['politics'] }).map((l) => l.id)).toEqual(['c', 'd']);
    expect(index.query({ id: 'q', title: '', text: '', tags: [], section: 'politics' }).length).toBe(2);
  });

  test.each<[string, SimilarInput]>([
    ['an unknown word', { id: 'q', title: 'comet', text: 'telescope', tags: [] }],
    ['an unknown tag', { id: 'q', title: '', text: '', tags: ['astronomy'] }],
    ['an unknown section', { id: 'q', title: '', text: '', tags: [], section: 'science' }],
  ])('%s', (_name, input) => {
    expect(index.query(input)).toEqual([]);
  });
});
