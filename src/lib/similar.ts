/**
 * Similar News: for every story, the few other stories a reader is most likely to want next.
 *
 * Score of a pair (a, b), between 0 and 1:
 *
 *   score = (1 - tagWeight) * text(a, b) + tagWeight * tags(a, b), then times recency(a, b)
 *
 * - text: cosine of TF-IDF vectors. Terms come from `tokenize` (text.ts). A term's weight in a story is
 *   `titleWeight * (1 + ln titleCount) + (1 + ln bodyCount)` (sublinear tf per field, each field counted
 *   only when the term occurs in it) times `idf = ln(N / df)`. Vectors are L2-normalised.
 * - tags: the summed idf of the tags both stories carry, divided by the geometric mean of each story's
 *   own summed tag idf (a weighted Ochiai coefficient: 1 when the tag sets are equal, 0 when disjoint).
 *   A tag on every story has idf 0 and counts for nothing.
 * - recency: only when both stories have `publishedAt`: `max(recencyFloor, 0.5 ^ (gapDays / recencyHalfLifeDays))`,
 *   so a story 30 days apart counts half by default and nothing is ever excluded by age alone.
 *
 * `signals: 'text'` or `'tags'` keep one term only (the ablations the evaluation compares).
 *
 * Cost: an inverted index (term -> postings, tag -> postings) means a story is only ever compared with the
 * stories it shares a term or a tag with. Terms that occur in only one story never enter the index (they
 * still count in that story's vector norm). Terms found in more than `maxDocFrequency` of all stories, and
 * in more than 100 stories, are dropped from every vector as if they were stop words: their idf is low, so
 * the scores barely move, but their postings would make the cost grow with the square of the corpus.
 *
 * Order of a story's links: pinned ids first (in the editor's order; unknown ids, self and repeats
 * skipped; all kept even beyond `limit`), then similar stories whose score is above `minScore` up to
 * `limit`, then, if still short of `limit`, the latest other stories of the same section (reason
 * 'fallback', score 0). Similar stories are sorted by score (rounded to 1e-9 so that float noise cannot
 * reorder them) descending, then publishedAt descending (undated last), then id ascending (code-unit
 * order). Stories are processed in id order whatever the input order, so the output depends on the set
 * of stories only.
 */
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
  /** Share of stories above which a term is pruned from the index (see the module comment). */
  maxDocFrequency?: number;
  /** Days over which the similarity of two dated stories halves; `Infinity` turns the decay off. */
  recencyHalfLifeDays?: number;
  /** The smallest factor the recency decay can reach, from 0 to 1. */
  recencyFloor?: number;
}

/**
 * The defaults, tuned on the ECB+ relevance set (`npm run eval:similar`): title weight and tag weight
 * were picked on a coarse grid; the scores move little around these values.
 */
export const SIMILAR_DEFAULTS: Readonly<Required<SimilarOptions>> = {
  limit: 5,
  signals: 'hybrid',
  tagWeight: 0.2,
  titleWeight: 2,
  minScore: 0.02,
  maxDocFrequency: 0.1,
  recencyHalfLifeDays: 30,
  recencyFloor: 0.5,
};

/** Below this many stories a term's postings cost too little to be worth pruning. */
const PRUNE_MIN_DF = 100;
const DAY_MS = 86_400_000;
const ROUND = 1e9;

/** Sparse vectors of all stories and the postings of every shared term, in compressed rows. */
interface Index {
  /** Story i's entries are `start[i]` to `start[i + 1]` of `item` and `weight`. */
  docStart: Int32Array;
  docItem: Int32Array;
  docWeight: Float64Array;
  /** Item t's postings are `postStart[t]` to `postStart[t + 1]` of `postDoc` and `postWeight`. */
  postStart: Int32Array;
  postDoc: Int32Array;
  postWeight: Float64Array;
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
  const text = textWeight > 0 ? buildTextIndex(stories, o) : undefined;
  const tags = tagWeight > 0 ? buildTagIndex(stories) : undefined;
  const decays = Number.isFinite(o.recencyHalfLifeDays) && o.recencyFloor < 1;
  const fallbackOrder = sectionOrder(stories, time);

  const accText = new Float64Array(n);
  const accTag = new Float64Array(n);
  const score = new Float64Array(n);
  const seen = new Uint8Array(n);
  const touched = new Int32Array(n);
  const excluded = new Uint8Array(n);
  const better = (a: number, b: number): boolean =>
    score[a] !== score[b] ? (score[a] ?? 0) > (score[b] ?? 0) : time[a] !== time[b] ? (time[a] ?? 0) > (time[b] ?? 0) : a < b;

  const result = new Map<string, SimilarLink[]>();
  for (let i = 0; i < n; i++) {
    let count = 0;
    const visit = (index: Index | undefined, acc: Float64Array): void => {
      if (!index) return;
      for (let k = index.docStart[i] ?? 0, end = index.docStart[i + 1] ?? 0; k < end; k++) {
        const item = index.docItem[k] ?? 0;
        const w = index.docWeight[k] ?? 0;
        for (let p = index.postStart[item] ?? 0, pEnd = index.postStart[item + 1] ?? 0; p < pEnd; p++) {
          const j = index.postDoc[p] ?? 0;
          if (j === i) continue;
          if (seen[j] === 0) {
            seen[j] = 1;
            touched[count++] = j;
          }
          acc[j] = (acc[j] ?? 0) + w * (index.postWeight[p] ?? 0);
        }
      }
    };
    visit(text?.index, accText);
    visit(tags?.index, accTag);

    const tagNormI = tags?.norm[i] ?? 0;
    for (let c = 0; c < count; c++) {
      const j = touched[c] ?? 0;
      let s = textWeight * (accText[j] ?? 0);
      if (tags && tagNormI > 0) s += (tagWeight * (accTag[j] ?? 0)) / Math.sqrt(tagNormI * (tags.norm[j] ?? 0));
      if (decays && Number.isFinite(time[i]) && Number.isFinite(time[j])) {
        const gapDays = Math.abs((time[i] ?? 0) - (time[j] ?? 0)) / DAY_MS;
        s *= Math.max(o.recencyFloor, 0.5 ** (gapDays / o.recencyHalfLifeDays));
      }
      score[j] = Math.round(s * ROUND) / ROUND;
    }

    const story = stories[i];
    const links: SimilarLink[] = [];
    excluded[i] = 1;
    for (const pinnedId of story?.pinned ?? []) {
      const j = indexOf.get(pinnedId);
      if (j === undefined || excluded[j] === 1) continue;
      excluded[j] = 1;
      links.push({ id: pinnedId, score: seen[j] === 1 ? (score[j] ?? 0) : 0, reason: 'pinned' });
    }

    const top = selectTop(touched, count, o.limit - links.length, (j) => excluded[j] === 0 && (score[j] ?? 0) > o.minScore, better);
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
      score[j] = 0;
      seen[j] = 0;
    }
    for (const link of links) excluded[indexOf.get(link.id) ?? 0] = 0;
    excluded[i] = 0;
    result.set(story?.id ?? '', links);
  }
  return result;
}

/** Checks the options once, so that a typo in a weight fails loudly instead of skewing every page. */
function resolveOptions(options: SimilarOptions): Required<SimilarOptions> {
  const o = { ...SIMILAR_DEFAULTS };
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined) Object.assign(o, { [key]: value });
  }
  const fail = (field: string, expected: string, received: unknown): never => {
    throw new RangeError(`findSimilar options → ${field}: expected ${expected}, received ${String(received)}`);
  };
  if (!Number.isInteger(o.limit) || o.limit < 0) fail('limit', 'a whole number of 0 or more', o.limit);
  if (!['hybrid', 'text', 'tags'].includes(o.signals)) fail('signals', '"hybrid", "text" or "tags"', o.signals);
  if (!(o.tagWeight >= 0 && o.tagWeight <= 1)) fail('tagWeight', 'a number from 0 to 1', o.tagWeight);
  if (!(o.titleWeight >= 0 && Number.isFinite(o.titleWeight))) fail('titleWeight', 'a number of 0 or more', o.titleWeight);
  if (!(o.minScore >= 0 && o.minScore < 1)) fail('minScore', 'a number from 0 up to (not including) 1', o.minScore);
  if (!(o.maxDocFrequency > 0 && o.maxDocFrequency <= 1)) fail('maxDocFrequency', 'a share above 0 and at most 1', o.maxDocFrequency);
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
 * The best `k` of the first `count` entries of `candidates` that pass `keep`, best first. A bounded
 * min-heap keeps this at O(count log k), so a story touching thousands of candidates stays cheap.
 */
function selectTop(
  candidates: Int32Array,
  count: number,
  k: number,
  keep: (j: number) => boolean,
  better: (a: number, b: number) => boolean,
): number[] {
  if (k <= 0) return [];
  const heap: number[] = []; // heap[0] is the worst of the best k so far
  const worse = (a: number, b: number): boolean => better(b, a);
  const siftDown = (start: number): void => {
    let parent = start;
    for (;;) {
      const left = 2 * parent + 1;
      const right = left + 1;
      let worst = parent;
      if (left < heap.length && worse(heap[left] ?? 0, heap[worst] ?? 0)) worst = left;
      if (right < heap.length && worse(heap[right] ?? 0, heap[worst] ?? 0)) worst = right;
      if (worst === parent) return;
      [heap[parent], heap[worst]] = [heap[worst] ?? 0, heap[parent] ?? 0];
      parent = worst;
    }
  };
  for (let c = 0; c < count; c++) {
    const j = candidates[c] ?? 0;
    if (!keep(j)) continue;
    if (heap.length < k) {
      heap.push(j);
      for (let child = heap.length - 1; child > 0; ) {
        const parent = (child - 1) >> 1;
        if (!worse(heap[child] ?? 0, heap[parent] ?? 0)) break;
        [heap[parent], heap[child]] = [heap[child] ?? 0, heap[parent] ?? 0];
        child = parent;
      }
    } else if (better(j, heap[0] ?? 0)) {
      heap[0] = j;
      siftDown(0);
    }
  }
  return heap.sort((a, b) => (better(a, b) ? -1 : 1));
}

/** TF-IDF vectors of title and body, with common terms pruned as the module comment explains. */
function buildTextIndex(stories: readonly SimilarInput[], o: Required<SimilarOptions>): { index: Index } {
  const n = stories.length;
  const termIds = new Map<string, number>();
  const df: number[] = [];
  const docTerms: Int32Array[] = [];
  const docTf: Float64Array[] = [];
  for (const story of stories) {
    const counts = new Map<number, { title: number; body: number }>();
    const add = (value: string, field: 'title' | 'body'): void => {
      for (const term of tokenize(value)) {
        let id = termIds.get(term);
        if (id === undefined) {
          id = df.length;
          termIds.set(term, id);
          df.push(0);
        }
        const entry = counts.get(id);
        if (entry) entry[field]++;
        else counts.set(id, field === 'title' ? { title: 1, body: 0 } : { title: 0, body: 1 });
      }
    };
    add(story.title, 'title');
    add(story.text, 'body');
    const terms = new Int32Array(counts.size);
    const tf = new Float64Array(counts.size);
    let k = 0;
    for (const [id, c] of counts) {
      terms[k] = id;
      tf[k] = (c.title > 0 ? o.titleWeight * (1 + Math.log(c.title)) : 0) + (c.body > 0 ? 1 + Math.log(c.body) : 0);
      df[id] = (df[id] ?? 0) + 1;
      k++;
    }
    docTerms.push(terms);
    docTf.push(tf);
  }
  const maxDf = Math.max(o.maxDocFrequency * n, PRUNE_MIN_DF);
  const idf = df.map((d) => (d > maxDf ? 0 : Math.log(n / d)));
  const indexed = df.map((d, t) => d >= 2 && (idf[t] ?? 0) > 0);
  const weights = docTf.map((tf, i) => {
    const terms = docTerms[i] ?? new Int32Array(0);
    const w = tf.map((x, k) => x * (idf[terms[k] ?? 0] ?? 0));
    let squares = 0;
    for (const x of w) squares += x * x;
    return squares > 0 ? w.map((x) => x / Math.sqrt(squares)) : w;
  });
  return { index: compress(n, df.length, docTerms, weights, (t) => indexed[t] === true) };
}

/** Tag postings weighted by idf, and each story's summed tag idf (the Ochiai denominator). */
function buildTagIndex(stories: readonly SimilarInput[]): { index: Index; norm: Float64Array } {
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
  const idf = df.map((d) => Math.log(n / d));
  const norm = new Float64Array(n);
  // The query side of a shared tag weighs 1 and its posting carries the idf, so the accumulated
  // sum is the summed idf of the shared tags.
  const weights = docTags.map((tags, i) => {
    let sum = 0;
    for (const t of tags) sum += idf[t] ?? 0;
    norm[i] = sum;
    return new Float64Array(tags.length).fill(1);
  });
  const keep = (t: number): boolean => (df[t] ?? 0) >= 2 && (idf[t] ?? 0) > 0;
  return { index: compress(n, df.length, docTags, weights, keep, (t) => idf[t] ?? 0), norm };
}

/** Packs per-story sparse vectors into compressed rows and builds the postings of the kept items. */
function compress(
  n: number,
  items: number,
  docItems: readonly Int32Array[],
  docWeights: readonly Float64Array[],
  keep: (item: number) => boolean,
  postingWeight: (item: number, docWeight: number) => number = (_item, docWeight) => docWeight,
): Index {
  const docStart = new Int32Array(n + 1);
  const postCount = new Int32Array(items + 1);
  for (let i = 0; i < n; i++) {
    let kept = 0;
    for (const t of docItems[i] ?? []) {
      if (!keep(t)) continue;
      kept++;
      postCount[t + 1] = (postCount[t + 1] ?? 0) + 1;
    }
    docStart[i + 1] = (docStart[i] ?? 0) + kept;
  }
  const total = docStart[n] ?? 0;
  const docItem = new Int32Array(total);
  const docWeight = new Float64Array(total);
  const postStart = new Int32Array(items + 1);
  for (let t = 0; t < items; t++) postStart[t + 1] = (postStart[t] ?? 0) + (postCount[t + 1] ?? 0);
  const fill = postStart.slice(0, items);
  const postDoc = new Int32Array(total);
  const postWeight = new Float64Array(total);
  for (let i = 0; i < n; i++) {
    const ids = docItems[i] ?? new Int32Array(0);
    const ws = docWeights[i] ?? new Float64Array(0);
    let k = docStart[i] ?? 0;
    for (let e = 0; e < ids.length; e++) {
      const t = ids[e] ?? 0;
      if (!keep(t)) continue;
      docItem[k] = t;
      docWeight[k] = ws[e] ?? 0;
      k++;
      const p = fill[t] ?? 0;
      postDoc[p] = i;
      postWeight[p] = postingWeight(t, ws[e] ?? 0);
      fill[t] = p + 1;
    }
  }
  return { docStart, docItem, docWeight, postStart, postDoc, postWeight };
}
