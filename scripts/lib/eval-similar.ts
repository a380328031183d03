/**
 * The library behind `npm run eval:similar`: reads a relevance set (JSON lines of id, title, body,
 * entities, event and optionally topic), runs `findSimilar` with each signal, and scores the rankings.
 *
 * Only `title`, `body` and `entities` reach the algorithm. Ids in ECB+ spell out the topic ("1_10ecb"),
 * so each article goes in under an opaque key instead (see `algorithmKeys`).
 */
import { describeValue } from '../../src/lib/model/content-error.ts';
import type { SimilarInput, SimilarLink, SimilarOptions, SimilarSignals } from '../../src/lib/similar/options.ts';
import { findSimilar } from '../../src/lib/similar/similar-index.ts';

/** One line of a relevance set. */
export interface EvalArticle {
  /** 1-based line number in the file, for error messages and the shuffle of `algorithmKeys`. */
  line: number;
  id: string;
  title: string;
  body: string;
  entities: string[];
  event: string;
  topic?: string;
}

/** Scores of one method over all queries. Rates are shares from 0 to 1. */
export interface MethodMetrics {
  /** Articles whose event has at least one other article. */
  queries: number;
  /** Mean share of the top 5 that are the same event (a short list still divides by 5). */
  p5: number;
  /** Mean of 1 / rank of the first same-event link in the ranking (0 when none is ranked; see `evaluateMethod`). */
  mrr: number;
  /** Share of queries with at least one same-event link in the top 5. */
  coverage1: number;
  /** Share of queries whose top 5 are all the same event. */
  coverage5: number;
  /** Share of top-5 links going to the other event of the same topic; null when the file has no topic. */
  wrongEvent: number | null;
  /** Top-5 links returned over all queries. */
  links: number;
  /** Wall time of `findSimilar`, in milliseconds. */
  ms: number;
}

/** The three methods the evaluation compares, in table order. */
export const METHODS: readonly SimilarSignals[] = ['tags', 'text', 'hybrid'];

/** How many links a story shows, and so the cut-off of P@5 and coverage. */
export const K = 5;

/** A relevance set that cannot be read; carries one line per problem, each naming line and field. */
export class EvalDataError extends Error {
  readonly issues: string[];
  constructor(fileName: string, issues: string[]) {
    const shown = issues.slice(0, 20).map((issue) => `  - ${issue}`);
    if (issues.length > shown.length) shown.push(`  - ... and ${issues.length - shown.length} more`);
    super(`${fileName}: ${issues.length} problem${issues.length === 1 ? '' : 's'} found:\n${shown.join('\n')}`);
    this.name = 'EvalDataError';
    this.issues = issues;
  }
}

/** Parses and checks a JSON-lines relevance set; reports every bad line, not only the first. */
export function parseEvalJsonl(source: string, fileName: string): EvalArticle[] {
  const issues: string[] = [];
  const articles: EvalArticle[] = [];
  const firstLineOfId = new Map<string, number>();
  let withTopic: number | undefined;
  let withoutTopic: number | undefined;
  source.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    const where = `line ${line}`;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      issues.push(`${where}: expected one JSON object, but it does not parse (${(error as Error).message})`);
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      issues.push(`${where}: expected a JSON object, received ${describeValue(value)}`);
      return;
    }
    const row = value as Record<string, unknown>;
    const before = issues.length;
    const text = (field: string, nonEmpty: boolean): string => {
      const v = row[field];
      if (typeof v === 'string' && (!nonEmpty || v.trim() !== '')) return v;
      issues.push(
        `${where} → ${field}: expected ${nonEmpty ? 'a non-empty string' : 'a string'}, received ${describeValue(v)}`,
      );
      return '';
    };
    const id = text('id', true);
    const title = text('title', false);
    const body = text('body', false);
    const event = text('event', true);
    const entities: string[] = [];
    if (!Array.isArray(row['entities'])) {
      issues.push(`${where} → entities: expected a list of strings, received ${describeValue(row['entities'])}`);
    } else {
      row['entities'].forEach((entity: unknown, i: number) => {
        if (typeof entity === 'string') entities.push(entity);
        else issues.push(`${where} → entities[${i}]: expected a string, received ${describeValue(entity)}`);
      });
    }
    let topic: string | undefined;
    if (row['topic'] === undefined || row['topic'] === null) withoutTopic ??= line;
    else {
      withTopic ??= line;
      topic = text('topic', true);
    }
    const seenOn = firstLineOfId.get(id);
    if (id !== '' && seenOn !== undefined)
      issues.push(`${where} → id: "${id}" was already used on line ${seenOn}; ids must be unique`);
    else if (id !== '') firstLineOfId.set(id, line);
    if (issues.length > before) return;
    articles.push({ line, id, title, body, entities, event, ...(topic === undefined ? {} : { topic }) });
  });
  if (withTopic !== undefined && withoutTopic !== undefined) {
    issues.push(
      `line ${withoutTopic} → topic: missing, but line ${withTopic} has one; give every line a topic or none (it only scores the wrong-event rate)`,
    );
  }
  if (issues.length === 0 && articles.length === 0) issues.push('no articles: expected one JSON object per line');
  if (issues.length > 0) throw new EvalDataError(fileName, issues);
  return articles;
}

/** The algorithm's view of the articles: an opaque key as id, entities as tags, nothing else. */
export function toSimilarInputs(articles: readonly EvalArticle[]): SimilarInput[] {
  const keys = algorithmKeys(articles);
  return articles.map((a, n) => ({ id: keys[n] ?? '', title: a.title, text: a.body, tags: a.entities }));
}

/**
 * The id findSimilar sees for each article: its position in a fixed shuffle of the file. Not the
 * line number itself: ECB+ lines are in topic order and the id is findSimilar's last tie-break, so
 * tied scores (frequent with tags only) would lean towards the first topics.
 */
export function algorithmKeys(articles: readonly EvalArticle[]): string[] {
  const rand = random(0x5eed);
  const shuffled = articles.map((a) => ({ line: a.line, r: rand() })).sort((x, y) => x.r - y.r || x.line - y.line);
  const position = new Map(shuffled.map((entry, n) => [entry.line, n]));
  const width = String(Math.max(0, articles.length - 1)).length;
  return articles.map((a) => String(position.get(a.line) ?? 0).padStart(width, '0'));
}

/** Scores rankings (keyed by `algorithmKeys`) against the event labels. */
export function scoreRankings(
  articles: readonly EvalArticle[],
  rankings: ReadonlyMap<string, readonly SimilarLink[]>,
): Omit<MethodMetrics, 'ms'> {
  const keys = algorithmKeys(articles);
  const byKey = new Map(articles.map((a, n) => [keys[n] ?? '', a]));
  const eventSize = new Map<string, number>();
  for (const a of articles) eventSize.set(a.event, (eventSize.get(a.event) ?? 0) + 1);
  const hasTopic = articles.every((a) => a.topic !== undefined);

  let queries = 0;
  let p5 = 0;
  let mrr = 0;
  let coverage1 = 0;
  let coverage5 = 0;
  let links = 0;
  let wrong = 0;
  articles.forEach((query, n) => {
    if ((eventSize.get(query.event) ?? 0) < 2) return;
    queries++;
    const ranked = (rankings.get(keys[n] ?? '') ?? []).map((link) => byKey.get(link.id));
    const top = ranked.slice(0, K);
    const hits = top.filter((a) => a?.event === query.event).length;
    p5 += hits / K;
    if (hits >= 1) coverage1++;
    if (hits === K) coverage5++;
    const first = ranked.findIndex((a) => a?.event === query.event);
    if (first >= 0) mrr += 1 / (first + 1);
    links += top.length;
    wrong += top.filter((a) => a !== undefined && a.topic === query.topic && a.event !== query.event).length;
  });
  const mean = (x: number): number => (queries === 0 ? 0 : x / queries);
  return {
    queries,
    p5: mean(p5),
    mrr: mean(mrr),
    coverage1: mean(coverage1),
    coverage5: mean(coverage5),
    wrongEvent: hasTopic ? (links === 0 ? 0 : wrong / links) : null,
    links,
  };
}

/** The best scores any ranking could reach on this set (events with fewer than six articles cap P@5). */
export function ceilingMetrics(articles: readonly EvalArticle[]): Omit<MethodMetrics, 'ms'> {
  const eventSize = new Map<string, number>();
  for (const a of articles) eventSize.set(a.event, (eventSize.get(a.event) ?? 0) + 1);
  const sizes = articles.map((a) => eventSize.get(a.event) ?? 0).filter((size) => size >= 2);
  const queries = sizes.length;
  const mean = (x: number): number => (queries === 0 ? 0 : x / queries);
  return {
    queries,
    p5: mean(sizes.reduce((sum, size) => sum + Math.min(K, size - 1) / K, 0)),
    mrr: queries === 0 ? 0 : 1,
    coverage1: queries === 0 ? 0 : 1,
    coverage5: mean(sizes.filter((size) => size - 1 >= K).length),
    wrongEvent: articles.every((a) => a.topic !== undefined) ? 0 : null,
    links: sizes.reduce((sum, size) => sum + Math.min(K, size - 1), 0),
  };
}

/**
 * Runs one method over the whole set with no limit on links, so each ranking is findSimilar's whole
 * candidate pool above the threshold (`candidates`, 20 by default): MRR looks that deep, P@5 at its top 5.
 */
export function evaluateMethod(
  articles: readonly EvalArticle[],
  signals: SimilarSignals,
  options: SimilarOptions = {},
): MethodMetrics {
  const inputs = toSimilarInputs(articles);
  const started = performance.now();
  const rankings = findSimilar(inputs, { ...options, signals, limit: inputs.length });
  const ms = Math.round(performance.now() - started);
  return { ...scoreRankings(articles, rankings), ms };
}

/** Runs the three methods; the result is what `--json` prints. */
export function evaluateAll(
  articles: readonly EvalArticle[],
  options: SimilarOptions = {},
): Record<SimilarSignals, MethodMetrics> {
  const result: Partial<Record<SimilarSignals, MethodMetrics>> = {};
  for (const method of METHODS) result[method] = evaluateMethod(articles, method, options);
  return { tags: needs(result.tags), text: needs(result.text), hybrid: needs(result.hybrid) };
}

function needs(metrics: MethodMetrics | undefined): MethodMetrics {
  if (!metrics) throw new Error('evaluateAll: a method produced no metrics');
  return metrics;
}

/** A plain-text table of the methods and the ceiling, for the terminal. */
export function formatTable(
  results: Record<SimilarSignals, MethodMetrics>,
  ceiling: Omit<MethodMetrics, 'ms'>,
): string {
  const fixed = (x: number): string => x.toFixed(3);
  const header = ['method', 'P@5', 'MRR', '>=1 hit', '5 hits', 'wrong event', 'time'];
  const rows = METHODS.map((method) => {
    const m = results[method];
    return [
      method,
      fixed(m.p5),
      fixed(m.mrr),
      fixed(m.coverage1),
      fixed(m.coverage5),
      m.wrongEvent === null ? 'n/a' : fixed(m.wrongEvent),
      `${Math.round(m.ms)} ms`,
    ];
  });
  rows.push([
    'best possible',
    fixed(ceiling.p5),
    fixed(ceiling.mrr),
    fixed(ceiling.coverage1),
    fixed(ceiling.coverage5),
    ceiling.wrongEvent === null ? 'n/a' : fixed(ceiling.wrongEvent),
    '',
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** A small seeded generator (mulberry32), so a generated corpus is the same on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A synthetic newsroom for timing: `n` stories of about `words` words, drawn from a Zipf-distributed
 * vocabulary of 30,000 made-up words, three quarters general and one quarter from one of n/20 topic
 * vocabularies; 2 to 6 tags from the topic and a shared pool; 8 sections; dates over two years.
 */
export function generateCorpus(n: number, words = 400, seed = 1): SimilarInput[] {
  const rand = random(seed);
  const syllables = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'te', 'vo', 'zi', 'pa', 'do', 'ge', 'bu', 'fi', 'ho', 'ja'];
  const vocabulary = Array.from({ length: 30_000 }, (_, i) => {
    let word = '';
    for (let x = i + 1; x > 0; x = Math.floor(x / syllables.length)) word += syllables[x % syllables.length];
    return `${word}r`;
  });
  const cdf = new Float64Array(vocabulary.length);
  let total = 0;
  for (let r = 0; r < vocabulary.length; r++) cdf[r] = total += 1 / (r + 1);
  const zipf = (): string => {
    const target = rand() * total;
    let lo = 0;
    let hi = cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cdf[mid] ?? 0) < target) lo = mid + 1;
      else hi = mid;
    }
    return vocabulary[lo] ?? '';
  };
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
  const topics = Array.from({ length: Math.max(1, Math.round(n / 20)) }, (_, t) => ({
    words: Array.from({ length: 40 }, () => pick(vocabulary)),
    tags: Array.from({ length: 4 }, (_, k) => `topic-${t}-${k}`),
  }));
  const sharedTags = Array.from({ length: 300 }, (_, k) => `tag-${k}`);
  const sections = ['world', 'politics', 'business', 'science', 'culture', 'sport', 'health', 'opinion'];
  const start = Date.UTC(2024, 0, 1);
  const sentence = (topic: { words: string[] }, length: number): string =>
    Array.from({ length }, () => (rand() < 0.25 ? pick(topic.words) : zipf())).join(' ');
  return Array.from({ length: n }, (_, i) => {
    const topic = pick(topics);
    const tagCount = 2 + Math.floor(rand() * 5);
    const tags = Array.from({ length: tagCount }, () => (rand() < 0.6 ? pick(topic.tags) : pick(sharedTags)));
    const body = Array.from({ length: Math.ceil(words / 20) }, () => `${sentence(topic, 20)}.`).join(' ');
    return {
      id: `story-${String(i).padStart(6, '0')}`,
      title: sentence(topic, 10),
      text: body,
      tags,
      publishedAt: new Date(start + Math.floor(rand() * 730 * 86_400_000)).toISOString(),
      section: pick(sections),
    };
  });
}
