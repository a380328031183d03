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
 *    out of the index (they still count in that story's vector norm). A share alone does not bound the
 *    cost where no term is rare: in the generated 100,000-story corpus (remixes of the 59 demo stories)
 *    every probe has thousands of postings, and the search took 13 minutes. So a search reads about
 *    `GATHER_BUDGET` postings per signal: when a story's probes have more, the rarest are read first
 *    until that many are read (the last one whole), and a probe with more postings than the budget is
 *    read at an even stride (every k-th posting). A story whose probes have fewer postings, as in real
 *    news text where names are rare, is searched as before: ECB+ figures are unchanged; on the generated
 *    10,000-story corpus 96% of the link lists are unchanged (99% of the links), in a fifth of the time.
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
 *
 * `SimilarIndex` keeps the index between searches, for the rebuild service's fast path: scoring all
 * 10,000 stories of a large site takes seconds, too long to put a just-published story live in time.
 * `SimilarIndex.build(docs).all()` is `findSimilar(docs)`; `linksFor(ids)` runs the search for a few
 * stories only; `query(story)` runs it for a story the index does not hold (or holds with older
 * content, which is then never a link), with the index's story count and df frozen: a term the index
 * lacks, or has in one story only, counts in the query's norm but matches nothing. The same search
 * code serves all three. `exclude` keeps ids unpublished since the build out of every kind of link.
 * `toTransfer()` gives the index as typed arrays and string lists, so a worker thread can build it
 * and post it to the main thread without copying the arrays; `fromTransfer` restores it. The service
 * answers from the last index at once, then recomputes everything in the worker ("settle"). Tokenizing
 * is most of the cost of a build (100,000 stories: 40 s of 45): a `TermCache` passed to `build` keeps
 * each story's terms, so that building again after a few stories changed (the caller names them) tokenizes
 * only those.
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
/** The most postings one search reads per signal (see the top). */
const GATHER_BUDGET = 1000;
const DAY_MS = 86_400_000;
const ROUND = 1e9;
/** Compressed rows: row r's entries are `start[r]` to `start[r + 1]` of `item`. */
interface CompressedRows {
  start: Int32Array;
  item: Int32Array;
}

/** Compressed rows with a weight per entry. */
interface SparseRows extends CompressedRows {
  weight: Float64Array;
}

/**
 * One signal (text terms or tags) of every story. `keys` and `df` give each item (by id) its term or
 * tag and the number of stories that have it. `rows` holds each story's items that it shares with
 * another story, its probes first (entries `start[i]` to `probeEnd[i]`); `queryWeight` is the story's
 * own side of a product (the tf-idf weight for text, 1 for tags) and `rows.weight` the other side (the
 * tf-idf weight, or the tag's idf). `postings` lists, for each probe-able item, the stories that have it.
 */
interface SignalIndex {
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

/**
 * One story's side of a search, whether it is in the index or not: its items with their query
 * weights (entries `start` to `end`, the probes first, up to `probeEnd`), per signal.
 */
interface RowSpan {
  item: Int32Array;
  weight: Float64Array;
  start: number;
  probeEnd: number;
  end: number;
}

/** Everything the search needs about the story it finds links for; `self` is its index position or -1. */
interface QueryRow {
  text: RowSpan | null;
  tags: RowSpan | null;
  tagNorm: number;
  time: number;
  pinned: readonly string[];
  section: number;
  self: number;
}

/** Per-index working arrays of one search, allocated on first use and left zeroed after each search. */
interface Scratch {
  textQuery: Float64Array;
  tagQuery: Float64Array;
  accText: Float64Array;
  accTag: Float64Array;
  approx: Float64Array;
  score: Float64Array;
  seen: Uint8Array;
  touched: Int32Array;
  excluded: Uint8Array;
}

/** Finds the related stories of every story; returns a map from each id to its links, in id order. */
export function findSimilar(docs: readonly SimilarInput[], options: SimilarOptions = {}): Map<string, SimilarLink[]> {
  // Through the index's data form rather than `SimilarIndex.build`, so that errors name findSimilar.
  return SimilarIndex.fromTransfer(indexData(docs, options, 'findSimilar')).all();
}

/** Similar News over a fixed set of stories: all links, some stories' links, or links for a new or changed story. */
export class SimilarIndex {
  readonly #data: SimilarIndexData;
  readonly #indexOf: Map<string, number>;
  readonly #sectionIndex: Map<string, number>;
  readonly #dated: Uint8Array;
  readonly #textWeight: number;
  readonly #tagWeight: number;
  readonly #maxDf: number;
  readonly #decays: boolean;
  readonly #decayRate: number;
  readonly #lastDay: number;
  readonly #decayByDay: Float64Array;
  // Built on the first query only: `all` and `linksFor` never look a term or a tag up by name.
  #termIds: Map<string, number> | undefined;
  #tagIds: Map<string, number> | undefined;
  #scratch: Scratch | undefined;

  private constructor(data: SimilarIndexData) {
    const problem =
      typeof data !== 'object' || data === null
        ? describeValue(data)
        : data.format !== 1
          ? `format ${describeValue(data.format)}`
          : !Array.isArray(data.ids) || !(data.time instanceof Float64Array)
            ? 'no ids list or no time array'
            : data.time.length !== data.ids.length
              ? `${data.ids.length} ids but ${data.time.length} times (were its buffers transferred away already?)`
              : undefined;
    if (problem !== undefined) {
      throw new TypeError(`SimilarIndex.fromTransfer: expected the data of SimilarIndex.toTransfer() (format 1), received ${problem}`);
    }
    const o = data.options;
    const n = data.ids.length;
    const weights = signalWeights(o);
    this.#data = data;
    this.#indexOf = new Map(data.ids.map((id, i) => [id, i]));
    this.#sectionIndex = new Map(data.sections.map((section, s) => [section, s]));
    this.#dated = Uint8Array.from(data.time, (t) => (Number.isFinite(t) ? 1 : 0));
    this.#textWeight = weights.text;
    this.#tagWeight = weights.tags;
    this.#maxDf = probeMaxDf(o, n);
    this.#decays = Number.isFinite(o.recencyHalfLifeDays) && o.recencyFloor < 1;
    this.#decayRate = Math.LN2 / (o.recencyHalfLifeDays * DAY_MS);
    // Up to the day the floor is reached (at most ten half-lives): past it the factor no longer changes much.
    this.#lastDay = this.#decays
      ? Math.min(36_500, Math.ceil(o.recencyHalfLifeDays * Math.min(10, Math.log2(1 / Math.max(o.recencyFloor, 1e-3)))))
      : 0;
    this.#decayByDay = Float64Array.from({ length: this.#lastDay + 1 }, (_, d) => Math.max(o.recencyFloor, 0.5 ** (d / o.recencyHalfLifeDays)));
  }

  /**
   * Builds the index of `docs` (the work of `findSimilar` before the per-story search); throws on bad input like it.
   * With `terms`, stories tokenized by an earlier build with the same cache are not tokenized again.
   */
  static build(docs: readonly SimilarInput[], options: SimilarOptions = {}, terms?: TermCache): SimilarIndex {
    // (With `terms`, a story's title and text are read only if the cache does not hold it.)
    return new SimilarIndex(indexData(docs, options, 'SimilarIndex.build', terms));
  }

  /** Restores an index from `toTransfer().data`, typically after `postMessage` from a worker thread. */
  static fromTransfer(data: SimilarIndexData): SimilarIndex {
    return new SimilarIndex(data);
  }

  /**
   * The index as structured-cloneable data, and the buffers to transfer with it. Once transferred
   * (`postMessage(data, transfer)`), this index's arrays are detached: use the restored copy only.
   */
  toTransfer(): { data: SimilarIndexData; transfer: ArrayBuffer[] } {
    const d = this.#data;
    const arrays: ArrayBufferView[] = [d.time, d.pinnedStart, d.sectionOf, d.fallback.start, d.fallback.item, d.tagNorm];
    for (const signal of [d.text, d.tags]) {
      if (!signal) continue;
      const { df, rows, queryWeight, probeEnd, postings } = signal;
      arrays.push(df, rows.start, rows.item, rows.weight, queryWeight, probeEnd, postings.start, postings.item, postings.weight);
    }
    const buffers = new Set<ArrayBuffer>();
    for (const array of arrays) if (array.buffer instanceof ArrayBuffer) buffers.add(array.buffer);
    return { data: d, transfer: [...buffers] };
  }

  /** Story ids, in id order (code units). */
  ids(): readonly string[] {
    return this.#data.ids;
  }

  /** Number of stories in the index. */
  get size(): number {
    return this.#data.ids.length;
  }

  /** Every story's links, in id order: exactly what `findSimilar` returns. */
  all(): Map<string, SimilarLink[]> {
    const result = new Map<string, SimilarLink[]>();
    const scratch = this.#scratchArrays();
    for (let i = 0; i < this.size; i++) result.set(this.#data.ids[i] ?? '', this.#search(this.#storyRow(i), scratch));
    return result;
  }

  /**
   * The links of the given stories, in the order asked (ids not in the index and repeats skipped), as
   * `all()` has them; `exclude` lists ids that must not appear as links. Costs only the stories asked.
   */
  linksFor(ids: Iterable<string>, exclude?: ReadonlySet<string>): Map<string, SimilarLink[]> {
    return this.#excluding(exclude, (scratch) => {
      const result = new Map<string, SimilarLink[]>();
      for (const id of ids) {
        const i = this.#indexOf.get(id);
        if (i !== undefined && !result.has(id)) result.set(id, this.#search(this.#storyRow(i), scratch));
      }
      return result;
    });
  }

  /**
   * The links of a story that is not in the index, or is with older content, scored against the index
   * as it is (its story count and document frequencies stay frozen). The index's entry with the same
   * id, if any, is never a link; `exclude` lists further ids that must not appear.
   */
  query(input: SimilarInput, exclude?: ReadonlySet<string>): SimilarLink[] {
    if (typeof input.id !== 'string' || input.id === '') {
      throw new TypeError(`SimilarIndex.query: the story has an empty id (received ${describeValue(input.id)}); expected a non-empty string`);
    }
    const time = parseTime(input, 'SimilarIndex.query');
    if (this.size === 0) return [];
    const row = this.#inputRow(input, time);
    return this.#excluding(exclude, (scratch) => this.#search(row, scratch));
  }

  /** Story i's row, read from the index. */
  #storyRow(i: number): QueryRow {
    const d = this.#data;
    const span = (signal: SignalIndex | null): RowSpan | null =>
      signal && {
        item: signal.rows.item,
        weight: signal.queryWeight,
        start: signal.rows.start[i] ?? 0,
        probeEnd: signal.probeEnd[i] ?? 0,
        end: signal.rows.start[i + 1] ?? 0,
      };
    return {
      text: span(d.text),
      tags: span(d.tags),
      tagNorm: d.tagNorm[i] ?? 0,
      time: d.time[i] ?? 0,
      pinned: d.pinnedIds.slice(d.pinnedStart[i] ?? 0, d.pinnedStart[i + 1] ?? 0),
      section: d.sectionOf[i] ?? -1,
      self: i,
    };
  }

  /** The row of a story given as input: the index's rules with its frozen story count and df. */
  #inputRow(input: SimilarInput, time: number): QueryRow {
    const d = this.#data;
    const n = this.size;
    const o = d.options;
    let text: RowSpan | null = null;
    if (d.text) {
      const termIds = (this.#termIds ??= new Map(d.text.keys.map((key, t) => [key, t])));
      // Distinct terms in first-occurrence order, title then body, as the index build counts them.
      const position = new Map<string, number>();
      const ids: number[] = [];
      const titleCount: number[] = [];
      const bodyCount: number[] = [];
      for (const [value, counts] of [
        [input.title, titleCount],
        [input.text, bodyCount],
      ] as const) {
        for (const term of tokenize(value)) {
          let e = position.get(term);
          if (e === undefined) {
            e = ids.length;
            position.set(term, e);
            ids.push(termIds.get(term) ?? -1); // unknown: weighs as a term of one story, matches nothing
            titleCount.push(0);
            bodyCount.push(0);
          }
          counts[e] = (counts[e] ?? 0) + 1;
        }
      }
      const terms = Int32Array.from(ids);
      const weights = Float64Array.from(ids, (_, e) => termFrequency(titleCount[e] ?? 0, bodyCount[e] ?? 0, o.titleWeight));
      tfIdf(terms, weights, d.text.df, n);
      text = inputSpan(terms, weights, weights, d.text.df, this.#maxDf, o.probeTerms);
    }
    let tags: RowSpan | null = null;
    let tagNorm = 0;
    if (d.tags) {
      const tagIds = (this.#tagIds ??= new Map(d.tags.keys.map((key, t) => [key, t])));
      const ids = Int32Array.from(new Set(input.tags), (tag) => tagIds.get(tag) ?? -1);
      const { idf, norm } = tagIdf(ids, d.tags.df, n);
      tags = inputSpan(ids, idf, new Float64Array(ids.length).fill(1), d.tags.df, this.#maxDf, Infinity);
      tagNorm = norm;
    }
    return {
      text,
      tags,
      tagNorm,
      time,
      pinned: input.pinned ?? [],
      section: input.section === undefined ? -1 : (this.#sectionIndex.get(input.section) ?? -1),
      self: this.#indexOf.get(input.id) ?? -1,
    };
  }

  /** Runs `search` with the `exclude` ids marked as excluded, and unmarks them afterwards. */
  #excluding<T>(exclude: ReadonlySet<string> | undefined, search: (scratch: Scratch) => T): T {
    const scratch = this.#scratchArrays();
    const marked: number[] = [];
    for (const id of exclude ?? []) {
      const j = this.#indexOf.get(id);
      if (j !== undefined && scratch.excluded[j] === 0) {
        scratch.excluded[j] = 1;
        marked.push(j);
      }
    }
    try {
      return search(scratch);
    } finally {
      for (const j of marked) scratch.excluded[j] = 0;
    }
  }

  #scratchArrays(): Scratch {
    const n = this.size;
    return (this.#scratch ??= {
      textQuery: new Float64Array(this.#data.text?.keys.length ?? 0),
      tagQuery: new Float64Array(this.#data.tags?.keys.length ?? 0),
      accText: new Float64Array(n),
      accTag: new Float64Array(n),
      approx: new Float64Array(n),
      score: new Float64Array(n),
      seen: new Uint8Array(n),
      touched: new Int32Array(n),
      excluded: new Uint8Array(n),
    });
  }

  /**
   * The links of one row: the one search behind `all`, `linksFor` and `query` (see the module comment:
   * gather, rescore, then pinned, similar and fallback links). Leaves `scratch` as it found it.
   */
  #search(row: QueryRow, scratch: Scratch): SimilarLink[] {
    const d = this.#data;
    const o = d.options;
    const { time, tagNorm } = d;
    const dated = this.#dated;
    const textWeight = this.#textWeight;
    const tagWeight = this.#tagWeight;
    const { textQuery, tagQuery, accText, accTag, approx, score, seen, touched, excluded } = scratch;
    const self = row.self;
    let count = 0;
    // Step 1: gather candidates through the probes' postings, scoring them on the probes alone.
    const gather = (index: SignalIndex | null, span: RowSpan | null, acc: Float64Array): void => {
      if (!index || !span) return;
      const postings = index.postings;
      const length = (k: number): number => (postings.start[(span.item[k] ?? 0) + 1] ?? 0) - (postings.start[span.item[k] ?? 0] ?? 0);
      const probes: number[] = [];
      let total = 0;
      for (let k = span.start; k < span.probeEnd; k++) {
        probes.push(k);
        total += length(k);
      }
      // Over the budget: the rarest probes first, until the budget is spent; a probe with more postings than the
      // whole budget is read at a stride (see the module comment).
      const over = total > GATHER_BUDGET;
      if (over) probes.sort((a, b) => length(a) - length(b) || (span.item[a] ?? 0) - (span.item[b] ?? 0));
      let remaining = GATHER_BUDGET;
      for (const k of probes) {
        if (over && remaining <= 0) break;
        const item = span.item[k] ?? 0;
        const w = span.weight[k] ?? 0;
        const size = length(k);
        const stride = over && size > GATHER_BUDGET ? Math.ceil(size / GATHER_BUDGET) : 1;
        remaining -= Math.ceil(size / stride);
        for (let p = postings.start[item] ?? 0, pEnd = postings.start[item + 1] ?? 0; p < pEnd; p += stride) {
          const j = postings.item[p] ?? 0;
          if (j === self) continue;
          if (seen[j] === 0) {
            seen[j] = 1;
            touched[count++] = j;
          }
          acc[j] = (acc[j] ?? 0) + w * (postings.weight[p] ?? 0);
        }
      }
    };
    gather(d.text, row.text, accText);
    gather(d.tags, row.tags, accTag);

    const tagNormI = row.tagNorm;
    const datedI = this.#decays && Number.isFinite(row.time);
    const timeI = row.time;
    const combine = (textDot: number, sharedTagIdf: number, j: number): number => {
      const tagScore = sharedTagIdf > 0 ? sharedTagIdf / Math.max(tagNormI, tagNorm[j] ?? 0) : 0;
      const gap = Math.abs(timeI - (time[j] ?? 0));
      const decay = datedI && dated[j] === 1 ? Math.max(o.recencyFloor, Math.exp(-gap * this.#decayRate)) : 1;
      return Math.round((textWeight * textDot + tagWeight * tagScore) * decay * ROUND) / ROUND;
    };
    // The approximate score only picks the pool, so it takes the decay from a table of whole days.
    for (let c = 0; c < count; c++) {
      const j = touched[c] ?? 0;
      const sharedTagIdf = accTag[j] ?? 0;
      const tagScore = sharedTagIdf > 0 ? sharedTagIdf / Math.max(tagNormI, tagNorm[j] ?? 0) : 0;
      const days = datedI && dated[j] === 1 ? Math.min(Math.floor(Math.abs(timeI - (time[j] ?? 0)) / DAY_MS), this.#lastDay) : 0;
      approx[j] = (textWeight * (accText[j] ?? 0) + tagWeight * tagScore) * (this.#decayByDay[days] ?? 1);
    }

    // Step 2: score the best candidates exactly, against the row's whole vector and tag set.
    scatter(row.text, textQuery, true);
    scatter(row.tags, tagQuery, true);
    const exact = (j: number): number => combine(dot(d.text, j, textQuery), dot(d.tags, j, tagQuery), j);

    const ids = d.ids;
    const links: SimilarLink[] = [];
    // Marks set by this search only: ids excluded by the caller stay excluded after it.
    const marked: number[] = [];
    const exclude = (j: number): void => {
      excluded[j] = 1;
      marked.push(j);
    };
    if (self >= 0 && excluded[self] === 0) exclude(self);
    for (const pinnedId of row.pinned) {
      const j = this.#indexOf.get(pinnedId);
      if (j === undefined || excluded[j] === 1) continue;
      exclude(j);
      links.push({ id: pinnedId, score: exact(j), reason: 'pinned' });
    }

    const pool = selectTop(touched, count, o.candidates, approx, 0, excluded, time);
    for (const j of pool) score[j] = exact(j);
    const top = selectTop(Int32Array.from(pool), pool.length, o.limit - links.length, score, o.minScore, excluded, time);
    for (const j of top) {
      exclude(j);
      links.push({ id: ids[j] ?? '', score: score[j] ?? 0, reason: 'similar' });
    }

    if (links.length < o.limit && row.section >= 0) {
      const { start, item } = d.fallback;
      for (let f = start[row.section] ?? 0, end = start[row.section + 1] ?? 0; f < end && links.length < o.limit; f++) {
        const j = item[f] ?? 0;
        if (excluded[j] === 1) continue;
        exclude(j);
        links.push({ id: ids[j] ?? '', score: 0, reason: 'fallback' });
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
    scatter(row.text, textQuery, false);
    scatter(row.tags, tagQuery, false);
    for (const j of marked) excluded[j] = 0;
    return links;
  }
}

/** Writes a row's query weights into a dense vector (or clears them), so a dot product is one pass. */
function scatter(span: RowSpan | null, dense: Float64Array, set: boolean): void {
  if (!span) return;
  for (let k = span.start; k < span.end; k++) dense[span.item[k] ?? 0] = set ? (span.weight[k] ?? 0) : 0;
}

/** Story j's row against a dense query vector: the text cosine, or the summed idf of shared tags. */
function dot(index: SignalIndex | null, j: number, dense: Float64Array): number {
  if (!index) return 0;
  const { start, item, weight } = index.rows;
  let sum = 0;
  for (let k = start[j] ?? 0, end = start[j + 1] ?? 0; k < end; k++) sum += (dense[item[k] ?? 0] ?? 0) * (weight[k] ?? 0);
  return sum;
}

/** The index's data: stories in id order, their signals, times, sections and pins. `where` names the caller in errors. */
function indexData(docs: readonly SimilarInput[], options: SimilarOptions, where: string, terms?: TermCache): SimilarIndexData {
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

/** The share of the text and of the tag term in a score; a signal with share 0 is not built at all. */
function signalWeights(o: Required<SimilarOptions>): { text: number; tags: number } {
  const text = o.signals === 'tags' ? 0 : o.signals === 'text' ? 1 : 1 - o.tagWeight;
  return { text, tags: 1 - text };
}

/** Items found in more stories than this are never probes (see the module comment). */
function probeMaxDf(o: Required<SimilarOptions>, n: number): number {
  return Math.max(o.maxDocFrequency * n, PROBE_MIN_DF);
}

/** Checks the options once, so that a typo in a weight fails loudly instead of skewing every page. */
function resolveOptions(options: SimilarOptions, where: string): Required<SimilarOptions> {
  const o = { ...SIMILAR_DEFAULTS };
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined) Object.assign(o, { [key]: value });
  }
  const fail = (field: string, expected: string, received: unknown): never => {
    throw new RangeError(`${where} options → ${field}: expected ${expected}, received ${describeValue(received)}`);
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
function parseTime(story: SimilarInput, where: string): number {
  if (story.publishedAt === undefined) return -Infinity;
  const t = Date.parse(story.publishedAt);
  if (Number.isNaN(t)) {
    throw new RangeError(
      `${where}: story "${story.id}" → publishedAt: expected an ISO 8601 date like 2025-11-20T14:30:00Z, received ${JSON.stringify(story.publishedAt)}`,
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

/** Sublinear tf of a term, a title occurrence counting `titleWeight` times; continuous and non-negative below 1. */
function termFrequency(titleCount: number, bodyCount: number, titleWeight: number): number {
  const count = titleWeight * titleCount + bodyCount;
  return count >= 1 ? 1 + Math.log(count) : count;
}

/**
 * Turns a story's tf (in place) into its L2-normalised tf-idf vector over `n` stories. A term that no
 * story has (id -1, or df 0) weighs as a term of one story: it counts in the norm only.
 */
function tfIdf(terms: Int32Array, w: Float64Array, df: ArrayLike<number>, n: number): void {
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
function tagIdf(tags: Int32Array, df: ArrayLike<number>, n: number): { idf: Float64Array; norm: number } {
  const idf = Float64Array.from(tags, (t) => Math.log(n / Math.max(df[t] ?? 0, 1)));
  let norm = 0;
  for (const x of idf) norm += x;
  return { idf, norm };
}

/** TF-IDF vectors of title and body, their probes and postings (see the module comment). */
function buildTextIndex(stories: readonly SimilarInput[], o: Required<SimilarOptions>, maxDf: number, cache: TermCache): SignalIndex {
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
        df.push(0);
      }
      terms[k] = id;
      const packed = counts[k] ?? 0;
      tf[k] = termFrequency(Math.floor(packed / COUNT_SPLIT), packed % COUNT_SPLIT, o.titleWeight);
      df[id] = (df[id] ?? 0) + 1;
    }
    docTerms.push(terms);
    docWeights.push(tf);
  }
  cache.endBuild();
  for (let i = 0; i < n; i++) tfIdf(docTerms[i] ?? new Int32Array(0), docWeights[i] ?? new Float64Array(0), df, n);
  return buildSignal(keys, df, docTerms, docWeights, docWeights, maxDf, o.probeTerms);
}

/** A story's distinct terms (numbered by a `TermCache`) in order of first occurrence, title first, with their counts. */
interface Tokenized {
  terms: Int32Array;
  /** Per term, `titleCount * COUNT_SPLIT + bodyCount`. */
  counts: Float64Array;
}

/** Packs a term's two counts into one number (a body of 1 MB has fewer than 2^25 terms; exact in a double). */
const COUNT_SPLIT = 2 ** 26;

/**
 * The terms of stories by id, kept from one `SimilarIndex.build` to the next, so that a story is tokenized once: the
 * caller says which stories changed (`forget`) before the next build. A build drops the stories it did not have. The
 * cache keeps no text: its owner need not keep the stories' texts either (the rebuild service's worker does not).
 */
export class TermCache {
  readonly #terms: string[] = [];
  readonly #numbers = new Map<string, number>();
  #stories = new Map<string, Tokenized>();
  #used = new Map<string, Tokenized>();
  // Per-term counters while tokenizing one story, indexed by term number and cleared after it.
  #titleCount = new Int32Array(1024);
  #bodyCount = new Int32Array(1024);

  /** Number of distinct terms seen. */
  get size(): number {
    return this.#terms.length;
  }

  /** The term numbered `number`. */
  term(number: number): string {
    return this.#terms[number] ?? '';
  }

  /** Starts a build: the stories it tokenizes or reuses are the ones kept after it. */
  startBuild(): void {
    this.#used = new Map();
  }

  /** Ends a build: stories it did not have are forgotten. */
  endBuild(): void {
    this.#stories = this.#used;
    this.#used = new Map();
  }

  /** Forgets a story's terms: its title or text changed. */
  forget(id: string): void {
    this.#stories.delete(id);
  }

  /** A story's terms and counts, from an earlier build unless forgotten since. */
  tokenized(story: SimilarInput): Tokenized {
    const value = this.#stories.get(story.id) ?? this.#tokenize(story);
    this.#used.set(story.id, value);
    return value;
  }

  #tokenize(story: SimilarInput): Tokenized {
    const numbers: number[] = [];
    for (const [value, isTitle] of [
      [story.title, true],
      [story.text, false],
    ] as const) {
      for (const term of tokenize(value)) {
        let number = this.#numbers.get(term);
        if (number === undefined) {
          number = this.#terms.length;
          this.#numbers.set(term, number);
          this.#terms.push(term);
        }
        if (number >= this.#titleCount.length) {
          const size = Math.max(number + 1, this.#titleCount.length * 2);
          const title = new Int32Array(size);
          title.set(this.#titleCount);
          const body = new Int32Array(size);
          body.set(this.#bodyCount);
          this.#titleCount = title;
          this.#bodyCount = body;
        }
        if (this.#titleCount[number] === 0 && this.#bodyCount[number] === 0) numbers.push(number);
        if (isTitle) this.#titleCount[number] = (this.#titleCount[number] ?? 0) + 1;
        else this.#bodyCount[number] = (this.#bodyCount[number] ?? 0) + 1;
      }
    }
    const terms = Int32Array.from(numbers);
    const counts = new Float64Array(numbers.length);
    for (let k = 0; k < numbers.length; k++) {
      const number = numbers[k] ?? 0;
      counts[k] = (this.#titleCount[number] ?? 0) * COUNT_SPLIT + (this.#bodyCount[number] ?? 0);
      this.#titleCount[number] = 0;
      this.#bodyCount[number] = 0;
    }
    return { terms, counts };
  }
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
function rowOrder(ids: Int32Array, ws: Float64Array, df: ArrayLike<number>, maxDf: number, probes: number): { order: number[]; probeCount: number } {
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
    for (const e of candidates) if ((ws[e] ?? 0) > cutoff) (isProbe[e] = 1), room--;
    const atCutoff = candidates.filter((e) => ws[e] === cutoff).sort((a, b) => (ids[a] ?? 0) - (ids[b] ?? 0));
    for (const e of atCutoff.slice(0, room)) isProbe[e] = 1;
  }
  const order: number[] = [];
  for (let e = 0; e < ids.length; e++) if (isProbe[e] === 1) order.push(e);
  const probeCount = order.length;
  for (let e = 0; e < ids.length; e++) if (isProbe[e] === 0 && kept(df, ids[e] ?? 0, ws[e] ?? 0)) order.push(e);
  return { order, probeCount };
}

/** A story's row outside the index: its kept items with their query weights, ordered as in `buildSignal`. */
function inputSpan(ids: Int32Array, ws: Float64Array, qs: Float64Array, df: ArrayLike<number>, maxDf: number, probes: number): RowSpan {
  const { order, probeCount } = rowOrder(ids, ws, df, maxDf, probes);
  return {
    item: Int32Array.from(order, (e) => ids[e] ?? 0),
    weight: Float64Array.from(order, (e) => qs[e] ?? 0),
    start: 0,
    probeEnd: probeCount,
    end: order.length,
  };
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
