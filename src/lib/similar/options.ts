/** Similar News: what it takes (a story, options) and gives (links), the defaults, and the checks of both. */
import { describeValue } from '../model/content-error.ts';

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
export const PROBE_MIN_DF = 100;

export const DAY_MS = 86_400_000;

/** The share of the text and of the tag term in a score; a signal with share 0 is not built at all. */
export function signalWeights(o: Required<SimilarOptions>): { text: number; tags: number } {
  const text = o.signals === 'tags' ? 0 : o.signals === 'text' ? 1 : 1 - o.tagWeight;
  return { text, tags: 1 - text };
}

/** Items found in more stories than this are never probes (see the module comment). */
export function probeMaxDf(o: Required<SimilarOptions>, n: number): number {
  return Math.max(o.maxDocFrequency * n, PROBE_MIN_DF);
}

/** Checks the options once, so that a typo in a weight fails loudly instead of skewing every page. */
export function resolveOptions(options: SimilarOptions, where: string): Required<SimilarOptions> {
  const o = { ...SIMILAR_DEFAULTS };
  for (const [key, value] of Object.entries(options) as [string, unknown][]) {
    if (value !== undefined) Object.assign(o, { [key]: value });
  }
  const fail = (field: string, expected: string, received: unknown): never => {
    throw new RangeError(`${where} options → ${field}: expected ${expected}, received ${describeValue(received)}`);
  };
  if (!Number.isInteger(o.limit) || o.limit < 0) fail('limit', 'a whole number of 0 or more', o.limit);
  if (!['hybrid', 'text', 'tags'].includes(o.signals)) fail('signals', '"hybrid", "text" or "tags"', o.signals);
  if (!(o.tagWeight >= 0 && o.tagWeight <= 1)) fail('tagWeight', 'a number from 0 to 1', o.tagWeight);
  if (!(o.titleWeight >= 0 && Number.isFinite(o.titleWeight)))
    fail('titleWeight', 'a number of 0 or more', o.titleWeight);
  if (!(o.minScore >= 0 && o.minScore < 1)) fail('minScore', 'a number from 0 up to (not including) 1', o.minScore);
  if (!(o.maxDocFrequency > 0 && o.maxDocFrequency <= 1))
    fail('maxDocFrequency', 'a share above 0 and at most 1', o.maxDocFrequency);
  if (!Number.isInteger(o.probeTerms) || o.probeTerms < 1)
    fail('probeTerms', 'a whole number of 1 or more', o.probeTerms);
  if (!Number.isInteger(o.candidates) || o.candidates < 1)
    fail('candidates', 'a whole number of 1 or more', o.candidates);
  if (!(o.recencyHalfLifeDays > 0))
    fail('recencyHalfLifeDays', 'a number of days above 0 (or Infinity)', o.recencyHalfLifeDays);
  if (!(o.recencyFloor >= 0 && o.recencyFloor <= 1)) fail('recencyFloor', 'a number from 0 to 1', o.recencyFloor);
  return o;
}

/** Code-unit order: the same on every machine and locale, unlike `localeCompare`. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Milliseconds since the epoch, or -Infinity for an undated story (sorts it after dated ones). */
export function parseTime(story: SimilarInput, where: string): number {
  if (story.publishedAt === undefined) return -Infinity;
  const t = Date.parse(story.publishedAt);
  if (Number.isNaN(t)) {
    throw new RangeError(
      `${where}: story "${story.id}" → publishedAt: expected an ISO 8601 date like 2025-11-20T14:30:00Z, received ${JSON.stringify(story.publishedAt)}`,
    );
  }
  return t;
}

/** Whether two inputs of a story give it the same links (and it the same place in others' links). */
export function sameSimilarInput(a: SimilarInput, b: SimilarInput): boolean {
  return (
    // Stryker disable next-line ConditionalExpression: a shortcut; an input is field by field the same as itself
    a === b ||
    (a.title === b.title &&
      a.text === b.text &&
      a.publishedAt === b.publishedAt &&
      a.section === b.section &&
      sameList(a.tags, b.tags) &&
      sameList(a.pinned ?? [], b.pinned ?? []))
  );
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => b[i] === x);
}
