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
 *
 * The modules: `options.ts` (input, links, options and their checks), `terms.ts` (counting a story's terms;
 * `text.ts` splits text into them), `index-data.ts` (building the index as typed arrays), `search.ts` (one story's
 * links), `top-k.ts` (the best k candidates), `transfer.ts` (the index between threads) and this one, the API.
 */
import { describeValue } from '../model/content-error.ts';
import { indexData, tagIdf, termFrequency, tfIdf, type SignalIndex, type SimilarIndexData } from './index-data.ts';
import { parseTime, probeMaxDf, type SimilarInput, type SimilarLink, type SimilarOptions } from './options.ts';
import {
  inputSpan,
  search,
  searchContext,
  type QueryRow,
  type RowSpan,
  type Scratch,
  type SearchContext,
} from './search.ts';
import { bodyCount, TermCounter, TermNumbers, titleCount, type TermCache } from './terms.ts';
import { checkTransferred, transferList } from './transfer.ts';

/** Finds the related stories of every story; returns a map from each id to its links, in id order. */
export function findSimilar(docs: readonly SimilarInput[], options: SimilarOptions = {}): Map<string, SimilarLink[]> {
  // Through the index's data form rather than `SimilarIndex.build`, so that errors name findSimilar.
  return SimilarIndex.fromTransfer(indexData(docs, options, 'findSimilar')).all();
}

/** Similar News over a fixed set of stories: all links, some stories' links, or links for a new or changed story. */
export class SimilarIndex {
  readonly #data: SimilarIndexData;
  readonly #search: SearchContext;
  readonly #sectionIndex: Map<string, number>;
  readonly #maxDf: number;
  // Built on the first query only: `all` and `linksFor` never look a term or a tag up by name.
  #termIds: Map<string, number> | undefined;
  #tagIds: Map<string, number> | undefined;
  #scratch: Scratch | undefined;

  private constructor(data: SimilarIndexData) {
    checkTransferred(data);
    this.#data = data;
    this.#search = searchContext(data);
    this.#sectionIndex = new Map(data.sections.map((section, s) => [section, s]));
    this.#maxDf = probeMaxDf(data.options, data.ids.length);
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
    return { data: this.#data, transfer: transferList(this.#data) };
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
    for (let i = 0; i < this.size; i++)
      result.set(this.#data.ids[i] ?? '', search(this.#search, this.#storyRow(i), scratch));
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
        const i = this.#search.indexOf.get(id);
        if (i !== undefined && !result.has(id)) result.set(id, search(this.#search, this.#storyRow(i), scratch));
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
      throw new TypeError(
        `SimilarIndex.query: the story has an empty id (received ${describeValue(input.id)}); expected a non-empty string`,
      );
    }
    const time = parseTime(input, 'SimilarIndex.query');
    if (this.size === 0) return [];
    const row = this.#inputRow(input, time);
    return this.#excluding(exclude, (scratch) => search(this.#search, row, scratch));
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
      // Counted as the index build counts (distinct terms in first-occurrence order, title then body), numbered
      // for this query only; a term the index lacks weighs as a term of one story and matches nothing.
      const local = new TermNumbers();
      const counted = new TermCounter().count(input.title, input.text, (term) => local.numberOf(term));
      const terms = Int32Array.from(counted.terms, (number) => termIds.get(local.term(number)) ?? -1);
      const weights = Float64Array.from(counted.counts, (packed) =>
        termFrequency(titleCount(packed), bodyCount(packed), o.titleWeight),
      );
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
      self: this.#search.indexOf.get(input.id) ?? -1,
    };
  }

  /** Runs `search` with the `exclude` ids marked as excluded, and unmarks them afterwards. */
  #excluding<T>(exclude: ReadonlySet<string> | undefined, search: (scratch: Scratch) => T): T {
    const scratch = this.#scratchArrays();
    const marked: number[] = [];
    for (const id of exclude ?? []) {
      const j = this.#search.indexOf.get(id);
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
}
