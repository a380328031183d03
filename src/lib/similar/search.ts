/** The search of Similar News (see similar-index.ts): one story's links, gathered through postings, then rescored. */
import { rowOrder, type SignalIndex, type SimilarIndexData } from './index-data.ts';
import { DAY_MS, signalWeights, type SimilarLink } from './options.ts';
import { selectTop } from './top-k.ts';

/** The most postings one search reads per signal (see the top). */
const GATHER_BUDGET = 1000;

const ROUND = 1e9;

/**
 * One story's side of a search, whether it is in the index or not: its items with their query
 * weights (entries `start` to `end`, the probes first, up to `probeEnd`), per signal.
 */
export interface RowSpan {
  item: Int32Array;
  weight: Float64Array;
  start: number;
  probeEnd: number;
  end: number;
}

/** Everything the search needs about the story it finds links for; `self` is its index position or -1. */
export interface QueryRow {
  text: RowSpan | null;
  tags: RowSpan | null;
  tagNorm: number;
  time: number;
  pinned: readonly string[];
  section: number;
  self: number;
}

/** Per-index working arrays of one search, allocated on first use and left zeroed after each search. */
export interface Scratch {
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

/** What every search of one index reads besides its data: lookups and the recency table, made once per index. */
export interface SearchContext {
  data: SimilarIndexData;
  indexOf: Map<string, number>;
  /** 1 for a dated story. */
  dated: Uint8Array;
  textWeight: number;
  tagWeight: number;
  decays: boolean;
  decayRate: number;
  lastDay: number;
  decayByDay: Float64Array;
}

/** The search context of an index's data. */
export function searchContext(data: SimilarIndexData): SearchContext {
  const o = data.options;
  const weights = signalWeights(o);
  // Without decay (no half-life, or a floor of 1) every factor is 1 whether or not this is set: it only skips work.
  // Stryker disable next-line ConditionalExpression,LogicalOperator,EqualityOperator: equivalent, see above
  const decays = Number.isFinite(o.recencyHalfLifeDays) && o.recencyFloor < 1;
  // Up to the day the floor is reached (a floor under 1/1000 counts as 1/1000: about ten half-lives): past it the
  // factor no longer changes much.
  const lastDay = decays
    ? Math.min(36_500, Math.ceil(o.recencyHalfLifeDays * Math.log2(1 / Math.max(o.recencyFloor, 1e-3))))
    : 0;
  return {
    data,
    indexOf: new Map(data.ids.map((id, i) => [id, i])),
    dated: Uint8Array.from(data.time, (t) => (Number.isFinite(t) ? 1 : 0)),
    textWeight: weights.text,
    tagWeight: weights.tags,
    decays,
    decayRate: Math.LN2 / (o.recencyHalfLifeDays * DAY_MS),
    lastDay,
    decayByDay: Float64Array.from({ length: lastDay + 1 }, (_, d) =>
      Math.max(o.recencyFloor, 0.5 ** (d / o.recencyHalfLifeDays)),
    ),
  };
}

/**
 * The links of one row: the one search behind `SimilarIndex` `all`, `linksFor` and `query` (see the module comment:
 * gather, rescore, then pinned, similar and fallback links). Leaves `scratch` as it found it.
 */
export function search(context: SearchContext, row: QueryRow, scratch: Scratch): SimilarLink[] {
  const d = context.data;
  const o = d.options;
  const { time, tagNorm } = d;
  const dated = context.dated;
  const textWeight = context.textWeight;
  const tagWeight = context.tagWeight;
  const { textQuery, tagQuery, accText, accTag, approx, score, seen, touched, excluded } = scratch;
  const self = row.self;
  let count = 0;
  // Step 1: gather candidates through the probes' postings, scoring them on the probes alone.
  const gather = (index: SignalIndex | null, span: RowSpan | null, acc: Float64Array): void => {
    // Stryker disable next-line LogicalOperator: equivalent, a row has a span exactly when the index has the signal
    if (!index || !span) return;
    const postings = index.postings;
    const length = (k: number): number =>
      (postings.start[(span.item[k] ?? 0) + 1] ?? 0) - (postings.start[span.item[k] ?? 0] ?? 0);
    const probes: number[] = [];
    let total = 0;
    for (let k = span.start; k < span.probeEnd; k++) {
      probes.push(k);
      total += length(k);
    }
    // Over the budget: the rarest probes first, until the budget is spent; a probe with more postings than the
    // whole budget is read at a stride (see the module comment). Within the budget every probe is read whole: the
    // stride is 1 and the budget is spent, if at all, by the last probe (each has postings: two stories at least).
    if (total > GATHER_BUDGET)
      probes.sort((a, b) => length(a) - length(b) || (span.item[a] ?? 0) - (span.item[b] ?? 0));
    let remaining = GATHER_BUDGET;
    for (const k of probes) {
      if (remaining <= 0) break;
      const item = span.item[k] ?? 0;
      const w = span.weight[k] ?? 0;
      const size = length(k);
      const stride = Math.ceil(size / GATHER_BUDGET);
      remaining -= Math.ceil(size / stride);
      for (let p = postings.start[item] ?? 0, pEnd = postings.start[item + 1] ?? 0; p < pEnd; p += stride) {
        // The row's own story may be gathered too: it is excluded below, before the pool is picked.
        const j = postings.item[p] ?? 0;
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
  const datedI = context.decays && Number.isFinite(row.time);
  const timeI = row.time;
  const combine = (textDot: number, sharedTagIdf: number, j: number): number => {
    const tagScore = sharedTagIdf > 0 ? sharedTagIdf / Math.max(tagNormI, tagNorm[j] ?? 0) : 0;
    const gap = Math.abs(timeI - (time[j] ?? 0));
    const decay = datedI && dated[j] === 1 ? Math.max(o.recencyFloor, Math.exp(-gap * context.decayRate)) : 1;
    return Math.round((textWeight * textDot + tagWeight * tagScore) * decay * ROUND) / ROUND;
  };
  // The approximate score only picks the pool, so it takes the decay from a table of whole days.
  for (const j of touched.subarray(0, count)) {
    const sharedTagIdf = accTag[j] ?? 0;
    const tagScore = sharedTagIdf > 0 ? sharedTagIdf / Math.max(tagNormI, tagNorm[j] ?? 0) : 0;
    const days =
      datedI && dated[j] === 1 ? Math.min(Math.floor(Math.abs(timeI - (time[j] ?? 0)) / DAY_MS), context.lastDay) : 0;
    approx[j] = (textWeight * (accText[j] ?? 0) + tagWeight * tagScore) * (context.decayByDay[days] ?? 1);
  }

  // Step 2: score the best candidates exactly, against the row's whole vector and tag set.
  scatter(row.text, textQuery, true);
  scatter(row.tags, tagQuery, true);
  const exact = (j: number): number => combine(dot(d.text, j, textQuery), dot(d.tags, j, tagQuery), j);

  const ids = d.ids;
  const links: SimilarLink[] = [];
  // Marks set by this search only: ids excluded by the caller stay excluded after it.
  // Stryker disable next-line ArrayDeclaration: equivalent, a non-numeric key written on a typed array changes no entry
  const marked: number[] = [];
  const exclude = (j: number): void => {
    excluded[j] = 1;
    marked.push(j);
  };
  if (self >= 0 && excluded[self] === 0) exclude(self);
  for (const pinnedId of row.pinned) {
    const j = context.indexOf.get(pinnedId);
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

  // The fallback comes last: its ids are distinct and nothing is added after them, so they need no exclusion mark.
  if (row.section >= 0) {
    const { start, item } = d.fallback;
    for (let f = start[row.section] ?? 0, end = start[row.section + 1] ?? 0; f < end && links.length < o.limit; f++) {
      const j = item[f] ?? 0;
      if (excluded[j] === 0) links.push({ id: ids[j] ?? '', score: 0, reason: 'fallback' });
    }
  }

  for (const j of touched.subarray(0, count)) {
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
  for (let k = start[j] ?? 0, end = start[j + 1] ?? 0; k < end; k++)
    sum += (dense[item[k] ?? 0] ?? 0) * (weight[k] ?? 0);
  return sum;
}

/** A story's row outside the index: its kept items with their query weights, ordered as in `buildSignal`. */
export function inputSpan(
  ids: Int32Array,
  ws: Float64Array,
  qs: Float64Array,
  df: ArrayLike<number>,
  maxDf: number,
  probes: number,
): RowSpan {
  const { order, probeCount } = rowOrder(ids, ws, df, maxDf, probes);
  return {
    item: Int32Array.from(order, (e) => ids[e] ?? 0),
    weight: Float64Array.from(order, (e) => qs[e] ?? 0),
    start: 0,
    probeEnd: probeCount,
    end: order.length,
  };
}
