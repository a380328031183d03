/**
 * Similar News: for every story, the few other stories a reader is most likely to want next.
 *
 * Score of a pair (a, b), between 0 and 1:
 *
 *   score = (1 - tagWeight) * text(a, b) + tagWeight * tags(a, b), then times recency(a, b)
 *
 * - text: cosine of TF-IDF vectors. Terms come from `tokenize` (text.ts). A term's weight in a story is
 *   `(1 + ln(titleWeight * titleCount + bodyCount)) * ln(N / df)`: a title occurrence counts as
 *   `titleWeight` body occurrences, tf is sublinear, and a term in every story weighs nothing. Vectors are
 *   L2-normalised.
 * - tags: the summed idf of the tags both stories carry, divided by the larger of the two stories' own
 *   summed tag idf (1 when the tag sets are equal, 0 when disjoint). Dividing by the larger sum, rather
 *   than the geometric mean, keeps a story with one common tag from matching everything with that tag at
 *   full strength (on ECB+ the geometric mean made the hybrid worse than text alone).
 * - recency: only when both stories have `publishedAt`: `max(recencyFloor, 0.5 ^ (gapDays / recencyHalfLifeDays))`,
 *   so a story 30 days apart counts half by default and nothing is ever excluded by age alone.
 *
 * `signals: 'text'` or `'tags'` keep one term only (the ablations the evaluation compares).
 *
 * Cost: two steps per story, the "more like this" scheme of search engines.
 * 1. Gather: the story's probes (its `probeTerms` heaviest terms and all its tags) are looked up in an
 *    inverted index (item -> postings); each story found gets a partial score from the probes alone
 *    (recency taken by whole days). Terms and tags found in more than `maxDocFrequency` of all stories,
 *    and in more than 100, are never probes: their idf is low, and their postings would make the cost
 *    grow with the square of the corpus. They still count in step 2. Terms of a single story are left
 *    out of the index (they still count in that story's vector norm).
 * 2. Rescore: the `candidates` best of those get the exact score above (whole vectors, every shared tag,
 *    exact recency), and the best of these are the links.
 * So a story is only compared with stories that share a probe, and the cost grows with stories times
 * candidates. It is an approximation (a story sharing only common or light terms can be missed), but
 * a close one: against exact scoring of every pair, hybrid P@5 on ECB+ is identical and text-only P@5
 * differs by 0.0002; on the generated 3,000-story corpus of `eval:similar --bench` the top-5 lists
 * are identical.
 *
 * Order of a story's links: pinned ids first (in the editor's order; unknown ids, self and repeats
 * skipped; all kept even beyond `limit`), then similar stories whose score is above `minScore` up to
 * `limit`, then, if still short of `limit`, the latest other stories of the same section (reason
 * 'fallback', score 0). Similar stories are sorted by score (rounded to 1e-9 so that float noise cannot
 * reorder them) descending, then publishedAt descending (undated last), then id ascending (code-unit
 * order). Stories are processed in id order whatever the input order, so the output depends on the set
 * of stories only.
 */
import { describeValue } from './content-error.ts';
import { tokenize } from './text.ts';

/** One story as Similar News sees it: plain data, no framework types. */
export interface SimilarInput {
  id: string;
  title: string;
  /** Plain-text body. */
  text: string;
  /** Tag slugs. */
  tags: readonly string[];
  /** ISO 8601; enables the recency rule and the date tie-break. */
  publishedAt?: string;
  section?: string;
  /** Ids an editor pinned as related, in the order they should appear. */
  pinned?: readonly string[];
}

/** One related story of a story, and why it is there. */
export interface SimilarLink {
  id: string;
  score: number;
  reason: 'pinned' | 'similar' | 'fallback';
}

/** Which parts of the score to use: both (default), or one of the two ablations. */
export type SimilarSignals = 'hybrid' | 'text' | 'tags';

/** Tuning knobs; every field is optional and defaults to `SIMILAR_DEFAULTS`. */
export interface SimilarOptions {
  /** Links per story, pinned ones excepted. */
  limit?: number;
  signals?: SimilarSignals;
  /** Share of the tag term in a hybrid score, from 0 to 1. */
  tagWeight?: number;
  /** How much more a term in the title counts than one in the body. */
  titleWeight?: number;
  /** A similar link needs a score above this; below, the fallback fills in. */
  minScore?: number;
  /** Share of stories above which a term or tag is not used to look up candidates (see the module comment). */
  maxDocFrequency?: number;
  /** How many of a story's heaviest terms look up its candidates. */
  probeTerms?: number;
  /** How many candidates per story are scored exactly. */
  candidates?: number;
  /** Days over which the similarity of two dated stories halves; `Infinity` turns the decay off. */
  recencyHalfLifeDays?: number;
  /** The smallest factor the recency decay can reach, from 0 to 1. */
  recencyFloor?: number;
}

/**
 * The defaults. titleWeight and tagWeight were tuned on the whole ECB+ relevance set (`npm run
 * eval:similar`) on a coarse grid, which is flat near the top: hybrid P@5 for titleWeight 1 / 1.5 / 2 / 3
 * is 0.961 / 0.961 / 0.962 / 0.961, for tagWeight 0.05 / 0.1 / 0.15 / 0.2 / 0.3 it is 0.958 / 0.961 /
 * 0.962 / 0.962 / 0.955. minScore 0 to 0.05 changes nothing there. The recency defaults are editorial
 * choices (ECB+ has no dates).
 */
export const SIMILAR_DEFAULTS: Readonly<Required<SimilarOptions>> = {
  limit: 5,
  signals: 'hybrid',
  tagWeight: 0.15,
  titleWeight: 2,
  minScore: 0.02,
  maxDocFrequency: 0.1,
  probeTerms: 30,
  candidates: 20,
  recencyHalfLifeDays: 30,
  recencyFloor: 0.5,
};

/** Below this many stories a term's postings cost too little to be worth skipping. */
const PROBE_MIN_DF = 100;
const DAY_MS = 86_400_000;
const ROUND = 1e9;

/** Per-row sparse entries in compressed form: row r's entries are `start[r]` to `start[r + 1]`. */
interface SparseRows {
  start: Int32Array;
  item: Int32Array;
  weight: Float64Array;
}

/**
 * One signal (text terms or tags) of every story. `rows` holds each story's items that it shares with
 * another story, its probes first (entries `start[i]` to `probeEnd[i]`); `queryWeight` is the story's
 * own side of a product (the tf-idf weight for text, 1 for tags) and `rows.weight` the other side (the
 * tf-idf weight, or the tag's idf). `postings` lists, for each probe-able item, the stories that have it.
 */
interface SignalIndex {
  items: number;
  rows: SparseRows;
  queryWeight: Float64Array;
  probeEnd: Int32Array;
  postings: SparseRows;
}

/** Finds the related stories of every story; returns a map from each id to its links, in id order. */
export function findSimilar(docs: readonly SimilarInput[], options: SimilarOptions = {}): Map<string, SimilarLink[]> {
  const o = resolveOptions(options);
  const stories = [...docs].sort((a, b) => compareIds(a.id, b.id));
  const n = stories.length;
  const indexOf = new Map<string, number>();
  const time = new Float64Array(n);
  stories.forEach((story, i) => {
    if (typeof story.id !== 'string' || story.id === '') {
      throw new TypeError(`findSimilar: story at position ${i} has an empty id; expected a non-empty string`);
    }
    if (indexOf.has(story.id)) throw new Error(`findSimilar: duplicate story id "${story.id}"; ids must be unique`);
    indexOf.set(story.id, i);
    time[i] = parseTime(story);
  });

  const textWeight = o.signals === 'tags' ? 0 : o.signals === 'text' ? 1 : 1 - o.tagWeight;
  const tagWeight = 1 - textWeight;
  const maxDf = Math.max(o.maxDocFrequency * n, PROBE_MIN_DF);
  const text = textWeight > 0 ? buildTextIndex(stories, o, maxDf) : undefined;
  const tagData = tagWeight > 0 ? buildTagIndex(stories, maxDf) : undefined;
  const tags = tagData?.index;
  const tagNorm = tagData?.norm ?? new Float64Array(n);
  const decays = Number.isFinite(o.recencyHalfLifeDays) && o.recencyFloor < 1;
  const decayRate = Math.LN2 / (o.recencyHalfLifeDays * DAY_MS);
  const dated = Uint8Array.from(time, (t) => (Number.isFinite(t) ? 1 : 0));
  // Up to the day the floor is reached (at most ten half-lives): past it the factor no longer changes much.
  const lastDay = decays ? Math.min(36_500, Math.ceil(o.recencyHalfLifeDays * Math.min(10, Math.log2(1 / Math.max(o.recencyFloor, 1e-3))))) : 0;
  const decayByDay = Float64Array.from({ length: lastDay + 1 }, (_, d) => Math.max(o.recencyFloor, 0.5 ** (d / o.recencyHalfLifeDays)));
  const fallbackOrder = sectionOrder(stories, time);

  const textQuery = new Float64Array(text?.items ?? 0);
  const tagQuery = new Float64Array(tags?.items ?? 0);
  const accText = new Float64Array(n);
  const accTag = new Float64Array(n);
  const approx = new Float64Array(n);
  const score = new Float64Array(n);
  const seen = new Uint8Array(n);
  const touched = new Int32Array(n);
  const excluded = new Uint8Array(n);

  const result = new Map<string, SimilarLink[]>();
  for (let i = 0; i < n; i++) {
    let count = 0;
    // Step 1: gather candidates through the probes' postings, scoring them on the probes alone.
    const gather = (index: SignalIndex | undefined, acc: Float64Array): void => {
      if (!index) return;
      for (let k = index.rows.start[i] ?? 0, end = index.probeEnd[i] ?? 0; k < end; k++) {
        const item = index.rows.item[k] ?? 0;
        const w = index.queryWeight[k] ?? 0;
        const postings = index.postings;
        for (let p = postings.start[item] ?? 0, pEnd = postings.start[item + 1] ?? 0; p < pEnd; p++) {
          const j = postings.item[p] ?? 0;
          if (j === i) continue;
          if (seen[j] === 0) {
            seen[j] = 1;
            touched[count++] = j;
          }
          acc[j] = (acc[j] ?? 0) + w * (postings.weight[p] ?? 0);
        }
      }
    };
    gather(text, accText);
    gather(tags, accTag);

    const tagNormI = tagNorm[i] ?? 0;
    const datedI = decays && dated[i] === 1;
    const timeI = time[i] ?? 0;
    const combine = (textDot: number, sharedTagIdf: number, j: number): number => {
      const tagScore = sharedTagIdf > 0 ? sharedTagIdf / Math.max(tagNormI, tagNorm[j] ?? 0) : 0;
      const gap = Math.abs(timeI - (time[j] ?? 0));
      const decay = datedI && dated[j] === 1 ? Math.max(o.recencyFloor, Math.exp(-gap * decayRate)) : 1;
      return Math.round((textWeight * textDot + tagWeight * tagScore) * decay * ROUND) / ROUND;
    };
    // The approximate score only picks the pool, so it takes the decay from a table of whole days.
    for (let c = 0; c < count; c++) {
      const j = touched[c] ?? 0;
      const sharedTagIdf = accTag[j] ?? 0;
      const tagScore = sharedTagIdf > 0 ? sharedTagIdf / Math.max(tagNormI, tagNorm[j] ?? 0) : 0;
      const days = datedI && dated[j] === 1 ? Math.min(Math.floor(Math.abs(timeI - (time[j] ?? 0)) / DAY_MS), lastDay) : 0;
      approx[j] = (textWeight * (accText[j] ?? 0) + tagWeight * tagScore) * (decayByDay[days] ?? 1);
    }

    // Step 2: score the best candidates exactly, against the story's whole vector and tag set.
    scatter(text, i, textQuery, true);
    scatter(tags, i, tagQuery, true);
    const exact = (j: number): number => combine(dot(text, j, textQuery), dot(tags, j, tagQuery), j);

    const story = stories[i];
    const links: SimilarLink[] = [];
    excluded[i] = 1;
    for (const pinnedId of story?.pinned ?? []) {
      const j = indexOf.get(pinnedId);
      if (j === undefined || excluded[j] === 1) continue;
      excluded[j] = 1;
      links.push({ id: pinnedId, score: exact(j), reason: 'pinned' });
    }

    const pool = selectTop(touched, count, o.candidates, approx, 0, excluded, time);
    for (const j of pool) score[j] = exact(j);
    const top = selectTop(Int32Array.from(pool), pool.length, o.limit - links.length, score, o.minScore, excluded, time);
    for (const j of top) {
      excluded[j] = 1;
      links.push({ id: stories[j]?.id ?? '', score: score[j] ?? 0, reason: 'similar' });
    }

    const section = story?.section;
    if (links.length < o.limit && section !== undefined) {
      for (const j of fallbackOrder.get(section) ?? []) {
        if (links.length >= o.limit) break;
        if (excluded[j] === 1) continue;
        excluded[j] = 1;
        links.push({ id: stories[j]?.id ?? '', score: 0, reason: 'fallback' });
      }
    }

    for (let c = 0; c < count; c++) {
      const j = touched[c] ?? 0;
      accText[j] = 0;
      accTag[j] = 0;
      approx[j] = 0;
      score[j] = 0;
      seen[j] = 0;
    }
    scatter(text, i, textQuery, false);
    scatter(tags, i, tagQuery, false);
    for (const link of links) excluded[indexOf.get(link.id) ?? 0] = 0;
    excluded[i] = 0;
    result.set(story?.id ?? '', links);
  }
  return result;
}

/** Writes story i's query weights into a dense vector (or clears them), so a dot product is one pass. */
function scatter(index: SignalIndex | undefined, i: number, dense: Float64Array, set: boolean): void {
  if (!index) return;
  for (let k = index.rows.start[i] ?? 0, end = index.rows.start[i + 1] ?? 0; k < end; k++) {
    dense[index.rows.item[k] ?? 0] = set ? (index.queryWeight[k] ?? 0) : 0;
  }
}

/** Story j's row against a dense query vector: the text cosine, or the summed idf of shared tags. */
function dot(index: SignalIndex | undefined, j: number, dense: Float64Array): number {
  if (!index) return 0;
  const { start, item, weight } = index.rows;
  let sum = 0;
  for (let k = start[j] ?? 0, end = start[j + 1] ?? 0; k < end; k++) sum += (dense[item[k] ?? 0] ?? 0) * (weight[k] ?? 0);
  return sum;
}

/** Checks the options once, so that a typo in a weight fails loudly instead of skewing every page. */
function resolveOptions(options: SimilarOptions): Required<SimilarOptions> {
  const o = { ...SIMILAR_DEFAULTS };
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined) Object.assign(o, { [key]: value });
  }
  const fail = (field: string, expected: string, received: unknown): never => {
    throw new RangeError(`findSimilar options → ${field}: expected ${expected}, received ${describeValue(received)}`);
  };
  if (!Number.isInteger(o.limit) || o.limit < 0) fail('limit', 'a whole number of 0 or more', o.limit);
  if (!['hybrid', 'text', 'tags'].includes(o.signals)) fail('signals', '"hybrid", "text" or "tags"', o.signals);
  if (!(o.tagWeight >= 0 && o.tagWeight <= 1)) fail('tagWeight', 'a number from 0 to 1', o.tagWeight);
  if (!(o.titleWeight >= 0 && Number.isFinite(o.titleWeight))) fail('titleWeight', 'a number of 0 or more', o.titleWeight);
  if (!(o.minScore >= 0 && o.minScore < 1)) fail('minScore', 'a number from 0 up to (not including) 1', o.minScore);
  if (!(o.maxDocFrequency > 0 && o.maxDocFrequency <= 1)) fail('maxDocFrequency', 'a share above 0 and at most 1', o.maxDocFrequency);
  if (!Number.isInteger(o.probeTerms) || o.probeTerms < 1) fail('probeTerms', 'a whole number of 1 or more', o.probeTerms);
  if (!Number.isInteger(o.candidates) || o.candidates < 1) fail('candidates', 'a whole number of 1 or more', o.candidates);
  if (!(o.recencyHalfLifeDays > 0)) fail('recencyHalfLifeDays', 'a number of days above 0 (or Infinity)', o.recencyHalfLifeDays);
  if (!(o.recencyFloor >= 0 && o.recencyFloor <= 1)) fail('recencyFloor', 'a number from 0 to 1', o.recencyFloor);
  return o;
}

/** Code-unit order: the same on every machine and locale, unlike `localeCompare`. */
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Milliseconds since the epoch, or -Infinity for an undated story (sorts it after dated ones). */
function parseTime(story: SimilarInput): number {
  if (story.publishedAt === undefined) return -Infinity;
  const t = Date.parse(story.publishedAt);
  if (Number.isNaN(t)) {
    throw new RangeError(
      `findSimilar: story "${story.id}" → publishedAt: expected an ISO 8601 date like 2025-11-20T14:30:00Z, received ${JSON.stringify(story.publishedAt)}`,
    );
  }
  return t;
}

/** Each section's stories, latest first, then by id: the fallback's order. */
function sectionOrder(stories: readonly SimilarInput[], time: Float64Array): Map<string, number[]> {
  const bySection = new Map<string, number[]>();
  stories.forEach((story, i) => {
    if (story.section === undefined) return;
    const list = bySection.get(story.section) ?? [];
    list.push(i);
    bySection.set(story.section, list);
  });
  for (const list of bySection.values()) {
    // Unequal times differ by a non-zero amount (an infinite one for an undated story), never NaN.
    list.sort((a, b) => (time[a] !== time[b] ? (time[b] ?? 0) - (time[a] ?? 0) : a - b));
  }
  return bySection;
}

/**
 * The best `k` of the first `count` entries of `candidates` whose score is above `above` and that are
 * not excluded, best first: score descending, then time descending, then index (id order) ascending.
 * A bounded min-heap keeps this at O(count log k), and most candidates are turned away by one
 * comparison with the worst kept so far.
 */
function selectTop(
  candidates: Int32Array,
  count: number,
  k: number,
  score: Float64Array,
  above: number,
  excluded: Uint8Array,
  time: Float64Array,
): number[] {
  if (k <= 0) return [];
  const better = (a: number, b: number): boolean =>
    score[a] !== score[b] ? (score[a] ?? 0) > (score[b] ?? 0) : time[a] !== time[b] ? (time[a] ?? 0) > (time[b] ?? 0) : a < b;
  const heap: number[] = []; // heap[0] is the worst of the best k so far
  for (let c = 0; c < count; c++) {
    const j = candidates[c] ?? 0;
    const s = score[j] ?? 0;
    if (!(s > above) || excluded[j] === 1) continue;
    if (heap.length < k) {
      heap.push(j);
      for (let child = heap.length - 1; child > 0; ) {
        const parent = (child - 1) >> 1;
        if (!better(heap[parent] ?? 0, heap[child] ?? 0)) break;
        [heap[parent], heap[child]] = [heap[child] ?? 0, heap[parent] ?? 0];
        child = parent;
      }
      continue;
    }
    const worst = heap[0] ?? 0;
    if (s < (score[worst] ?? 0) || !better(j, worst)) continue;
    heap[0] = j;
    for (let parent = 0; ; ) {
      const left = 2 * parent + 1;
      const right = left + 1;
      let lowest = parent;
      if (left < heap.length && better(heap[lowest] ?? 0, heap[left] ?? 0)) lowest = left;
      if (right < heap.length && better(heap[lowest] ?? 0, heap[right] ?? 0)) lowest = right;
      if (lowest === parent) break;
      [heap[parent], heap[lowest]] = [heap[lowest] ?? 0, heap[parent] ?? 0];
      parent = lowest;
    }
  }
  return heap.sort((a, b) => (better(a, b) ? -1 : 1));
}

/** TF-IDF vectors of title and body, their probes and postings (see the module comment). */
function buildTextIndex(stories: readonly SimilarInput[], o: Required<SimilarOptions>, maxDf: number): SignalIndex {
  const n = stories.length;
  const termIds = new Map<string, number>();
  // Per-term counters, indexed by term id and cleared after each story: cheaper than a Map per story.
  const df: number[] = [];
  const titleCount: number[] = [];
  const bodyCount: number[] = [];
  const docTerms: Int32Array[] = [];
  const docWeights: Float64Array[] = [];
  for (const story of stories) {
    const ids: number[] = [];
    for (const [value, counts] of [
      [story.title, titleCount],
      [story.text, bodyCount],
    ] as const) {
      for (const term of tokenize(value)) {
        let id = termIds.get(term);
        if (id === undefined) {
          id = df.length;
          termIds.set(term, id);
          df.push(0);
          titleCount.push(0);
          bodyCount.push(0);
        }
        if (titleCount[id] === 0 && bodyCount[id] === 0) ids.push(id);
        counts[id] = (counts[id] ?? 0) + 1;
      }
    }
    const terms = Int32Array.from(ids);
    const tf = new Float64Array(terms.length);
    terms.forEach((id, k) => {
      // Sublinear tf, kept continuous and non-negative below 1 (which a titleWeight under 1 can give).
      const count = o.titleWeight * (titleCount[id] ?? 0) + (bodyCount[id] ?? 0);
      tf[k] = count >= 1 ? 1 + Math.log(count) : count;
      df[id] = (df[id] ?? 0) + 1;
      titleCount[id] = 0;
      bodyCount[id] = 0;
    });
    docTerms.push(terms);
    docWeights.push(tf);
  }
  for (let i = 0; i < n; i++) {
    const terms = docTerms[i] ?? new Int32Array(0);
    const w = docWeights[i] ?? new Float64Array(0);
    let squares = 0;
    for (let k = 0; k < w.length; k++) {
      const x = (w[k] ?? 0) * Math.log(n / (df[terms[k] ?? 0] ?? 1));
      w[k] = x;
      squares += x * x;
    }
    const norm = Math.sqrt(squares);
    if (norm > 0) for (let k = 0; k < w.length; k++) w[k] = (w[k] ?? 0) / norm;
  }
  return buildSignal(df, docTerms, docWeights, docWeights, maxDf, o.probeTerms);
}

/** Tags weighted by idf, and each story's summed tag idf (the denominator of the tag score). */
function buildTagIndex(stories: readonly SimilarInput[], maxDf: number): { index: SignalIndex; norm: Float64Array } {
  const n = stories.length;
  const tagIds = new Map<string, number>();
  const df: number[] = [];
  const docTags = stories.map((story) => {
    const ids = new Set<number>();
    for (const tag of story.tags) {
      let id = tagIds.get(tag);
      if (id === undefined) {
        id = df.length;
        tagIds.set(tag, id);
        df.push(0);
      }
      if (!ids.has(id)) {
        ids.add(id);
        df[id] = (df[id] ?? 0) + 1;
      }
    }
    return Int32Array.from(ids);
  });
  const norm = new Float64Array(n);
  const idfs = docTags.map((tags, i) => {
    const w = Float64Array.from(tags, (t) => Math.log(n / (df[t] ?? 1)));
    norm[i] = w.reduce((sum, x) => sum + x, 0);
    return w;
  });
  const ones = docTags.map((tags) => new Float64Array(tags.length).fill(1));
  return { index: buildSignal(df, docTags, idfs, ones, maxDf, Infinity), norm };
}

/**
 * Packs per-story items into rows and builds the postings of the probe-able items. A row keeps the
 * items the story shares with another story and whose weight is above 0, its probes first: the
 * `probes` heaviest items (ties by item id, so that token order does not matter) among those found
 * in at most `maxDf` stories.
 */
function buildSignal(
  df: readonly number[],
  docItems: readonly Int32Array[],
  docWeights: readonly Float64Array[],
  queryWeights: readonly Float64Array[],
  maxDf: number,
  probes: number,
): SignalIndex {
  const n = docItems.length;
  const items = df.length;
  const kept = (t: number, w: number): boolean => (df[t] ?? 0) >= 2 && w > 0;
  const probeable = (t: number): boolean => (df[t] ?? 0) <= maxDf;
  const start = new Int32Array(n + 1);
  const postStart = new Int32Array(items + 1);
  for (let i = 0; i < n; i++) {
    const ids = docItems[i] ?? new Int32Array(0);
    const ws = docWeights[i] ?? new Float64Array(0);
    let count = 0;
    for (let e = 0; e < ids.length; e++) {
      const t = ids[e] ?? 0;
      if (!kept(t, ws[e] ?? 0)) continue;
      count++;
      if (probeable(t)) postStart[t + 1] = (postStart[t + 1] ?? 0) + 1;
    }
    start[i + 1] = (start[i] ?? 0) + count;
  }
  for (let t = 0; t < items; t++) postStart[t + 1] = (postStart[t + 1] ?? 0) + (postStart[t] ?? 0);

  const total = start[n] ?? 0;
  const item = new Int32Array(total);
  const weight = new Float64Array(total);
  const queryWeight = new Float64Array(total);
  const probeEnd = new Int32Array(n);
  const fill = postStart.slice(0, items);
  const postDoc = new Int32Array(postStart[items] ?? 0);
  const postWeight = new Float64Array(postStart[items] ?? 0);
  for (let i = 0; i < n; i++) {
    const ids = docItems[i] ?? new Int32Array(0);
    const ws = docWeights[i] ?? new Float64Array(0);
    const qs = queryWeights[i] ?? new Float64Array(0);
    // The probes: the `probes` heaviest probe-able items. A native sort of the weights finds the
    // cut-off; items exactly at the cut-off are taken in item-id order, so ties are deterministic.
    const candidates: number[] = [];
    for (let e = 0; e < ids.length; e++) if (kept(ids[e] ?? 0, ws[e] ?? 0) && probeable(ids[e] ?? 0)) candidates.push(e);
    const isProbe = new Uint8Array(ids.length);
    if (candidates.length <= probes) {
      for (const e of candidates) isProbe[e] = 1;
    } else {
      const sorted = new Float64Array(candidates.length);
      candidates.forEach((e, c) => (sorted[c] = ws[e] ?? 0));
      sorted.sort();
      const cutoff = sorted[sorted.length - probes] ?? 0;
      let room = probes;
      for (const e of candidates) if ((ws[e] ?? 0) > cutoff) (isProbe[e] = 1), room--;
      const atCutoff = candidates.filter((e) => ws[e] === cutoff).sort((a, b) => (ids[a] ?? 0) - (ids[b] ?? 0));
      for (const e of atCutoff.slice(0, room)) isProbe[e] = 1;
    }
    let k = start[i] ?? 0;
    for (const pass of [1, 0]) {
      for (let e = 0; e < ids.length; e++) {
        const t = ids[e] ?? 0;
        if (isProbe[e] !== pass || !kept(t, ws[e] ?? 0)) continue;
        item[k] = t;
        weight[k] = ws[e] ?? 0;
        queryWeight[k] = qs[e] ?? 0;
        k++;
        if (probeable(t)) {
          const p = fill[t] ?? 0;
          postDoc[p] = i;
          postWeight[p] = ws[e] ?? 0;
          fill[t] = p + 1;
        }
      }
      if (pass === 1) probeEnd[i] = k;
    }
  }
  return { items, rows: { start, item, weight }, queryWeight, probeEnd, postings: { start: postStart, item: postDoc, weight: postWeight } };
}
