import type { ExprNode } from 'groq-js';
import { dataError } from './errors.ts';
import { wordMatcher, type GlobMatcher } from './glob.ts';
import { evaluateQuery, type QueryContext } from './groq.ts';
import type { SanityDoc } from './types.ts';

// `text::query()` is Content Lake's full-text search: `field match text::query("budget vot*")`. The Studio's
// document lists and search use it (`[@, _id] match text::query($__query)`), but groq-js 2.0.1 only declares it and
// throws "not implemented" when it runs. The lake resolves it before evaluating: for every
// `<left> match text::query(<string>)` it finds, it evaluates `<left>` on each document the query can see, matches
// the text against the search, and puts `_id in [<ids that matched>]` in its place. So it works wherever `<left>` is
// read from a dataset document (filters, `score()`, `boost()`), which is how Sanity documents it; it cannot work on
// values that are not documents. A search of only `*` (what the Studio sends for an empty search box) becomes
// `true` without looking at any document.

/** One term of a search: words that must appear in this order (one word for a plain term), possibly negated. */
export interface SearchTerm {
  words: GlobMatcher[];
  negated: boolean;
}

/**
 * Parses Content Lake's search syntax: whitespace-separated terms, all required; `-term` excludes; `"two words"`
 * needs the words next to each other; `*` inside a term is a wildcard (`vot*` matches "vote" and "voters"); a lone
 * `*` matches everything. Matching ignores case and punctuation.
 */
export function parseSearch(search: string): SearchTerm[] {
  const terms: SearchTerm[] = [];
  for (const [raw] of search.matchAll(/-?"[^"]*"?|\S+/g)) {
    const negated = raw.startsWith('-') && raw.length > 1;
    const body = (negated ? raw.slice(1) : raw).replace(/^"|"$/g, '');
    const words = body.match(/[\p{L}\p{N}*]+/gu) ?? [];
    // A wildcard alone constrains nothing.
    const meaningful = words.filter((word) => word.replace(/\*/g, '') !== '');
    if (meaningful.length === 0) continue;
    // Matched without regular expressions, so that `a*a*a*q` cannot backtrack (see glob.ts).
    terms.push({ negated, words: meaningful.map(wordMatcher) });
  }
  return terms;
}

/** Whether text (its words, in order) satisfies every term of a search. */
export function matchesSearch(words: readonly string[], terms: readonly SearchTerm[]): boolean {
  return terms.every((term) => hasSequence(words, term.words) !== term.negated);
}

function hasSequence(words: readonly string[], sequence: readonly GlobMatcher[]): boolean {
  const [first] = sequence;
  if (first === undefined) return true;
  for (let start = 0; start + sequence.length <= words.length; start += 1) {
    if (sequence.every((matches, offset) => matches(words[start + offset] ?? ''))) return true;
  }
  return false;
}

/**
 * The words of a value, in document order: strings are split on anything but letters and digits; objects give
 * their fields' words except system fields (`_type`, `_key`, `_ref`, ...), and Portable Text blocks give only
 * their spans' text (not style names or mark keys).
 */
export function wordsOf(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') {
    for (const [word] of value.matchAll(/[\p{L}\p{N}]+/gu)) out.push(word);
  } else if (Array.isArray(value)) {
    for (const item of value) wordsOf(item, out);
  } else if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    if (record['_type'] === 'block' && Array.isArray(record['children'])) {
      for (const child of record['children'])
        wordsOf(
          typeof child === 'object' && child !== null ? (child as Record<string, unknown>)['text'] : undefined,
          out,
        );
    } else {
      for (const [key, child] of Object.entries(record)) if (!key.startsWith('_')) wordsOf(child, out);
    }
  }
  return out;
}

/**
 * Replaces every `<left> match text::query(<search>)` in a parsed query by an expression groq-js can run (see the
 * comment at the top of this file), evaluating `<left>` on `docs`, the documents the query sees. A
 * `text::query()` anywhere else, or with a search that is not a string, answers 400.
 */
export async function resolveTextQueries(
  tree: ExprNode,
  docs: readonly SanityDoc[],
  context: Omit<QueryContext, 'dataset'>,
): Promise<ExprNode> {
  if (!containsTextQuery(tree)) return tree;
  const cache = new Map<string, unknown>();
  const rewrite = async (node: unknown): Promise<unknown> => {
    if (Array.isArray(node)) return Promise.all(node.map(rewrite));
    if (typeof node !== 'object' || node === null) return node;
    const record = node as Record<string, unknown>;
    if (record['type'] === 'Value') return node;
    if (record['type'] === 'OpCall' && record['op'] === 'match' && isTextQuery(record['right'])) {
      const key = JSON.stringify([record['left'], record['right']]);
      const cached = cache.get(key);
      if (cached !== undefined) return cached;
      const replacement = await matchNode(record['left'] as ExprNode, searchOf(record['right']), docs, context);
      cache.set(key, replacement);
      return replacement;
    }
    if (isTextQuery(node)) {
      throw dataError(
        400,
        'queryExecutionError',
        'text::query() is only supported on the right of match, as in `title match text::query("budget*")`',
      );
    }
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(record)) out[key] = await rewrite(value);
    return out;
  };
  return (await rewrite(tree)) as ExprNode;
}

async function matchNode(
  left: ExprNode,
  search: string,
  docs: readonly SanityDoc[],
  context: Omit<QueryContext, 'dataset'>,
): Promise<unknown> {
  const terms = parseSearch(search);
  if (terms.length === 0) return { type: 'Value', value: true };
  const ids: string[] = [];
  for (const doc of docs) {
    const value = isWholeDocument(left)
      ? [doc, doc._id]
      : await evaluateQuery(left, { ...context, dataset: docs, root: doc });
    if (matchesSearch(wordsOf(value), terms)) ids.push(doc._id);
  }
  return {
    type: 'OpCall',
    op: 'in',
    left: { type: 'AccessAttribute', name: '_id' },
    right: { type: 'Value', value: ids },
  };
}

/** `@` or `[@, _id]`: the Studio's "search the whole document", read without running GROQ for each document. */
function isWholeDocument(node: ExprNode): boolean {
  if (node.type === 'This') return true;
  if (node.type !== 'Array') return false;
  const [first, second, ...rest] = node.elements;
  return (
    rest.length === 0 &&
    first?.value.type === 'This' &&
    !first.isSplat &&
    second !== undefined &&
    !second.isSplat &&
    second.value.type === 'AccessAttribute' &&
    second.value.name === '_id' &&
    second.value.base === undefined
  );
}

function isTextQuery(node: unknown): boolean {
  if (typeof node !== 'object' || node === null) return false;
  const call = node as Record<string, unknown>;
  return call['type'] === 'FuncCall' && call['namespace'] === 'text' && call['name'] === 'query';
}

function searchOf(call: unknown): string {
  const [arg] = (call as { args: unknown[] }).args;
  const value =
    typeof arg === 'object' && arg !== null && (arg as { type?: unknown }).type === 'Value'
      ? (arg as { value: unknown }).value
      : undefined;
  if (typeof value !== 'string') {
    throw dataError(
      400,
      'queryExecutionError',
      `text::query() needs a string (a literal or a parameter), received ${JSON.stringify(value) ?? 'an expression'}`,
    );
  }
  return value;
}

function containsTextQuery(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(containsTextQuery);
  if (typeof node !== 'object' || node === null) return false;
  if (isTextQuery(node)) return true;
  const record = node as Record<string, unknown>;
  return record['type'] !== 'Value' && Object.values(record).some(containsTextQuery);
}
