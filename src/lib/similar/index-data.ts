/**
 * Building the index of Similar News (see similar-index.ts): stories in id order, their text and tag signals as
 * compressed rows with postings, sections, fallbacks and pins, all as typed arrays.
 */
import {
  compareIds,
  parseTime,
  probeMaxDf,
  resolveOptions,
  signalWeights,
  type SimilarInput,
  type SimilarOptions,
} from './options.ts';
import { bodyCount, TermCache, titleCount } from './terms.ts';

/** Compressed rows: row r's entries are `start[r]` to `start[r + 1]` of `item`. */
export interface CompressedRows {
  start: Int32Array;
  item: Int32Array;
}

/** Compressed rows with a weight per entry. */
export interface SparseRows extends CompressedRows {
  weight: Float64Array;
}

/**
 * One signal (text terms or tags) of every story. `keys` and `df` give each item (by id) its term or
 * tag and the number of stories that have it. `rows` holds each story's items that it shares with
 * another story, its probes first (entries `start[i]` to `probeEnd[i]`); `queryWeight` is the story's
 * own side of a product (the tf-idf weight for text, 1 for tags) and `rows.weight` the other side (the
 * tf-idf weight, or the tag's idf). `postings` lists, for each probe-able item, the stories that have it.
 */
export interface SignalIndex {
  keys: string[];
  df: Int32Array;
  rows: SparseRows;
  queryWeight: Float64Array;
  probeEnd: Int32Array;
  postings: SparseRows;
}

/** A `SimilarIndex` as plain data (typed arrays, string arrays, numbers), for `structuredClone` and `postMessage`. */
export interface SimilarIndexData {
  format: 1;
  options: Required<SimilarOptions>;
  /** Story ids in id order; every other per-story array follows this order. */
  ids: string[];
  /** publishedAt in ms, -Infinity when undated. */
  time: Float64Array;
  /** Each story's pinned ids, as given: `pinnedIds[pinnedStart[i]]` to `pinnedIds[pinnedStart[i + 1]]`. */
  pinnedStart: Int32Array;
  pinnedIds: string[];
  sections: string[];
  /** Index into `sections` of each story's section, or -1. */
  sectionOf: Int32Array;
  /** Per section, its stories in fallback order (latest first, then id). */
  fallback: CompressedRows;
  text: SignalIndex | null;
  tags: SignalIndex | null;
  /** Each story's summed tag idf. */
  tagNorm: Float64Array;
}

/** The index's data: stories in id order, their signals, times, sections and pins. `where` names the caller in errors. */
export function indexData(
  docs: readonly SimilarInput[],
  options: SimilarOptions,
  where: string,
  terms?: TermCache,
): SimilarIndexData {
  const o = resolveOptions(options, where);
  const stories = [...docs].sort((a, b) => compareIds(a.id, b.id));
  const n = stories.length;
  const seen = new Set<string>();
  const time = new Float64Array(n);
  stories.forEach((story, i) => {
    if (typeof story.id !== 'string' || story.id === '') {
      throw new TypeError(`${where}: story at position ${i} has an empty id; expected a non-empty string`);
    }
    if (seen.has(story.id)) throw new Error(`${where}: duplicate story id "${story.id}"; ids must be unique`);
    seen.add(story.id);
    time[i] = parseTime(story, where);
  });

  const maxDf = probeMaxDf(o, n);
  const weights = signalWeights(o);
  const text = weights.text > 0 ? buildTextIndex(stories, o, maxDf, terms ?? new TermCache()) : null;
  const tagData = weights.tags > 0 ? buildTagIndex(stories, maxDf) : undefined;

  const sections: string[] = [];
  const sectionOf = new Int32Array(n).fill(-1);
  const fallbackStart = [0];
  const fallbackItem: number[] = [];
  for (const [section, list] of sectionOrder(stories, time)) {
    for (const i of list) sectionOf[i] = sections.length;
    sections.push(section);
    fallbackItem.push(...list);
    fallbackStart.push(fallbackItem.length);
  }

  const pinnedStart = new Int32Array(n + 1);
  const pinnedIds: string[] = [];
  stories.forEach((story, i) => {
    pinnedIds.push(...(story.pinned ?? []));
    pinnedStart[i + 1] = pinnedIds.length;
  });

  return {
    format: 1,
    options: o,
    ids: stories.map((story) => story.id),
    time,
    pinnedStart,
    pinnedIds,
    sections,
    sectionOf,
    fallback: { start: Int32Array.from(fallbackStart), item: Int32Array.from(fallbackItem) },
    text,
    tags: tagData?.index ?? null,
    tagNorm: tagData?.norm ?? new Float64Array(n),
  };
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

/** Sublinear tf of a term, a title occurrence counting `titleWeight` times; continuous and non-negative below 1. */
export function termFrequency(titleCount: number, bodyCount: number, titleWeight: number): number {
  const count = titleWeight * titleCount + bodyCount;
  return count >= 1 ? 1 + Math.log(count) : count;
}

/**
 * Turns a story's tf (in place) into its L2-normalised tf-idf vector over `n` stories. A term that no
 * story has (id -1, or df 0) weighs as a term of one story: it counts in the norm only.
 */
export function tfIdf(terms: Int32Array, w: Float64Array, df: ArrayLike<number>, n: number): void {
  let squares = 0;
  for (let k = 0; k < w.length; k++) {
    const x = (w[k] ?? 0) * Math.log(n / Math.max(df[terms[k] ?? 0] ?? 0, 1));
    w[k] = x;
    squares += x * x;
  }
  const norm = Math.sqrt(squares);
  if (norm > 0) for (let k = 0; k < w.length; k++) w[k] = (w[k] ?? 0) / norm;
}

/** A story's tags' idf over `n` stories (an unknown tag, id -1, as a tag of one story) and their sum. */
export function tagIdf(tags: Int32Array, df: ArrayLike<number>, n: number): { idf: Float64Array; norm: number } {
  const idf = Float64Array.from(tags, (t) => Math.log(n / Math.max(df[t] ?? 0, 1)));
  let norm = 0;
  for (const x of idf) norm += x;
  return { idf, norm };
}

/** TF-IDF vectors of title and body, their probes and postings (see the module comment). */
function buildTextIndex(
  stories: readonly SimilarInput[],
  o: Required<SimilarOptions>,
  maxDf: number,
  cache: TermCache,
): SignalIndex {
  const n = stories.length;
  // Term ids in order of first occurrence (stories in id order, each story's terms title first), from the cache's
  // own numbering of every term it has seen.
  const keys: string[] = [];
  const df: number[] = [];
  let idOf = new Int32Array(0);
  const docTerms: Int32Array[] = [];
  const docWeights: Float64Array[] = [];
  cache.startBuild();
  for (const story of stories) {
    const { terms: numbers, counts } = cache.tokenized(story);
    if (idOf.length < cache.size) {
      const grown = new Int32Array(Math.max(cache.size, idOf.length * 2)).fill(-1);
      grown.set(idOf);
      idOf = grown;
    }
    const terms = new Int32Array(numbers.length);
    const tf = new Float64Array(numbers.length);
    for (let k = 0; k < numbers.length; k++) {
      const number = numbers[k] ?? 0;
      let id = idOf[number] ?? -1;
      if (id === -1) {
        id = keys.length;
        idOf[number] = id;
        keys.push(cache.term(number));
      }
      terms[k] = id;
      const packed = counts[k] ?? 0;
      tf[k] = termFrequency(titleCount(packed), bodyCount(packed), o.titleWeight);
      df[id] = (df[id] ?? 0) + 1;
    }
    docTerms.push(terms);
    docWeights.push(tf);
  }
  cache.endBuild();
  for (let i = 0; i < n; i++) tfIdf(docTerms[i] ?? new Int32Array(0), docWeights[i] ?? new Float64Array(0), df, n);
  return buildSignal(keys, df, docTerms, docWeights, docWeights, maxDf, o.probeTerms);
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
        id = tagIds.size;
        tagIds.set(tag, id);
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
    const { idf, norm: sum } = tagIdf(tags, df, n);
    norm[i] = sum;
    return idf;
  });
  const ones = docTags.map((tags) => new Float64Array(tags.length).fill(1));
  return { index: buildSignal([...tagIds.keys()], df, docTags, idfs, ones, maxDf, Infinity), norm };
}

/** Whether an item goes into rows at all: another story has it too, and it weighs something. */
function kept(df: ArrayLike<number>, t: number, w: number): boolean {
  return (df[t] ?? 0) >= 2 && w > 0;
}

/**
 * The order of a story's row: positions (into `ids`) of its kept items, probes first, each part in
 * the story's own item order. The probes are the `probes` heaviest probe-able items (in at most
 * `maxDf` stories); a native sort of the weights finds the cut-off, and items exactly at the cut-off
 * are taken in item-id order, so that token order does not matter.
 */
export function rowOrder(
  ids: Int32Array,
  ws: Float64Array,
  df: ArrayLike<number>,
  maxDf: number,
  probes: number,
): { order: number[]; probeCount: number } {
  const candidates: number[] = [];
  for (let e = 0; e < ids.length; e++) {
    const t = ids[e] ?? 0;
    if (kept(df, t, ws[e] ?? 0) && (df[t] ?? 0) <= maxDf) candidates.push(e);
  }
  const isProbe = new Uint8Array(ids.length);
  if (candidates.length <= probes) {
    for (const e of candidates) isProbe[e] = 1;
  } else {
    const sorted = new Float64Array(candidates.length);
    candidates.forEach((e, c) => (sorted[c] = ws[e] ?? 0));
    sorted.sort();
    const cutoff = sorted[sorted.length - probes] ?? 0;
    let room = probes;
    for (const e of candidates) {
      if ((ws[e] ?? 0) > cutoff) {
        isProbe[e] = 1;
        room--;
      }
    }
    const atCutoff = candidates.filter((e) => ws[e] === cutoff).sort((a, b) => (ids[a] ?? 0) - (ids[b] ?? 0));
    for (const e of atCutoff.slice(0, room)) isProbe[e] = 1;
  }
  const order: number[] = [];
  for (let e = 0; e < ids.length; e++) if (isProbe[e] === 1) order.push(e);
  const probeCount = order.length;
  for (let e = 0; e < ids.length; e++) if (isProbe[e] === 0 && kept(df, ids[e] ?? 0, ws[e] ?? 0)) order.push(e);
  return { order, probeCount };
}

/**
 * Packs per-story items into rows (in `rowOrder`) and builds the postings of the probe-able items. A
 * row keeps the items the story shares with another story and whose weight is above 0.
 */
function buildSignal(
  keys: string[],
  dfList: readonly number[],
  docItems: readonly Int32Array[],
  docWeights: readonly Float64Array[],
  queryWeights: readonly Float64Array[],
  maxDf: number,
  probes: number,
): SignalIndex {
  const n = docItems.length;
  const df = Int32Array.from(dfList);
  const items = df.length;
  const probeable = (t: number): boolean => (df[t] ?? 0) <= maxDf;
  const start = new Int32Array(n + 1);
  const postStart = new Int32Array(items + 1);
  for (let i = 0; i < n; i++) {
    const ids = docItems[i] ?? new Int32Array(0);
    const ws = docWeights[i] ?? new Float64Array(0);
    let count = 0;
    for (let e = 0; e < ids.length; e++) {
      const t = ids[e] ?? 0;
      if (!kept(df, t, ws[e] ?? 0)) continue;
      count++;
      if (probeable(t)) postStart[t + 1] = (postStart[t + 1] ?? 0) + 1;
    }
    start[i + 1] = (start[i] ?? 0) + count;
  }
  for (let t = 0; t < items; t++) postStart[t + 1] = (postStart[t + 1] ?? 0) + (postStart[t] ?? 0);

  const total = start[n] ?? 0;
  const item = new Int32Array(total);
  const weight = new Float64Array(total);
  // For text both sides of a product are the tf-idf weight: one array serves as both (a hundred megabytes at 100,000 stories).
  const sameWeights = queryWeights === docWeights;
  const queryWeight = sameWeights ? weight : new Float64Array(total);
  const probeEnd = new Int32Array(n);
  const fill = postStart.slice(0, items);
  const postDoc = new Int32Array(postStart[items] ?? 0);
  const postWeight = new Float64Array(postStart[items] ?? 0);
  for (let i = 0; i < n; i++) {
    const ids = docItems[i] ?? new Int32Array(0);
    const ws = docWeights[i] ?? new Float64Array(0);
    const qs = queryWeights[i] ?? new Float64Array(0);
    const { order, probeCount } = rowOrder(ids, ws, df, maxDf, probes);
    let k = start[i] ?? 0;
    probeEnd[i] = k + probeCount;
    for (const e of order) {
      const t = ids[e] ?? 0;
      item[k] = t;
      weight[k] = ws[e] ?? 0;
      if (!sameWeights) queryWeight[k] = qs[e] ?? 0;
      k++;
      if (probeable(t)) {
        const p = fill[t] ?? 0;
        postDoc[p] = i;
        postWeight[p] = ws[e] ?? 0;
        fill[t] = p + 1;
      }
    }
  }
  return {
    keys,
    df,
    rows: { start, item, weight },
    queryWeight,
    probeEnd,
    postings: { start: postStart, item: postDoc, weight: postWeight },
  };
}
