import { evaluate, GroqSyntaxError, parse, type ExprNode } from 'groq-js';
import { dataError, messageOf, queryParseError } from './errors.ts';
import { installLinearPathMatching } from './glob.ts';
import { checkJsonNesting, checkQuerySize } from './query-limits.ts';

installLinearPathMatching();

/** Query parameters as the HTTP API receives them (`$name=<json>`), without the `$`. */
export type QueryParams = Record<string, unknown>;

/** What a query may see besides its parameters: the documents, and the values of `sanity::*()` and `identity()`. */
export interface QueryContext {
  dataset: readonly object[];
  params?: QueryParams;
  projectId: string;
  datasetName: string;
  identity?: string;
  /** Root value (`@` at the top level), for filters and projections evaluated against one document. */
  root?: unknown;
  before?: unknown;
  after?: unknown;
}

/**
 * Parses `query`, answering a query too large or too complex to parse quickly (see query-limits.ts), a GROQ syntax error, an unknown function or a parameter that was referenced but
 * not provided with the 400 Sanity sends (`queryParseError` with the offending `start`/`end`).
 */
export function parseQuery(query: string, params: QueryParams, mode: 'normal' | 'delta' = 'normal'): ExprNode {
  checkQuerySize(query);
  let tree: ExprNode;
  try {
    tree = parse(query, { params, mode });
  } catch (error) {
    if (error instanceof GroqSyntaxError) {
      // groq-js prefixes its own "Syntax error in GROQ query at position N: "; Sanity sends only the detail.
      const detail = error.message.replace(/^Syntax error in GROQ query at position \d+: /, '');
      return rejectParse(query, detail, error.position);
    }
    return rejectParse(query, messageOf(error), 0, query.length);
  }
  collapseMatchWildcards(tree);
  const missing = referencedParams(tree).find((name) => !(name in params));
  if (missing !== undefined) {
    const at = query.indexOf(`$${missing}`);
    return rejectParse(
      query,
      `param $${missing} referenced, but not provided`,
      Math.max(at, 0),
      at === -1 ? query.length : at + missing.length + 1,
    );
  }
  return tree;
}

function rejectParse(
  query: string,
  description: string,
  start: number,
  end = Math.min(start + 1, query.length),
): never {
  throw queryParseError(query, description, start, end);
}

/**
 * Rewrites `x match "a***b"` (a literal or an inlined parameter) to `x match "a*b"`: groq-js turns each `*` into `.*`,
 * and a run of them backtracks in time that grows with the text's length to the power of the run's length.
 */
function collapseMatchWildcards(node: unknown): void {
  if (Array.isArray(node)) {
    for (const child of node) collapseMatchWildcards(child);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const record = node as Record<string, unknown>;
  if (record['type'] === 'Value') return;
  if (record['type'] === 'OpCall' && record['op'] === 'match') {
    const right = record['right'] as { type?: unknown; value?: unknown } | undefined;
    const collapse = (value: unknown): unknown => (typeof value === 'string' ? value.replace(/\*{2,}/g, '*') : value);
    if (right?.type === 'Value')
      right.value = Array.isArray(right.value) ? right.value.map(collapse) : collapse(right.value);
  }
  for (const value of Object.values(record)) collapseMatchWildcards(value);
}

/** Names of every `$param` a parsed query uses. */
function referencedParams(node: unknown, found = new Set<string>()): string[] {
  if (Array.isArray(node)) {
    for (const child of node) referencedParams(child, found);
  } else if (typeof node === 'object' && node !== null) {
    const record = node as Record<string, unknown>;
    if (record['type'] === 'Parameter' && typeof record['name'] === 'string') found.add(record['name']);
    for (const value of Object.values(record)) referencedParams(value, found);
  }
  return [...found];
}

/** Evaluates a parsed query to plain JSON; an error while evaluating answers 400 `queryExecutionError`. */
export async function evaluateQuery(tree: ExprNode, context: QueryContext): Promise<unknown> {
  try {
    const value = await evaluate(tree, {
      dataset: context.dataset,
      params: context.params ?? {},
      sanity: { projectId: context.projectId, dataset: context.datasetName },
      ...(context.identity === undefined ? {} : { identity: context.identity }),
      ...(context.root === undefined ? {} : { root: context.root }),
      ...(context.before === undefined ? {} : { before: context.before }),
      ...(context.after === undefined ? {} : { after: context.after }),
    });
    return await value.get();
  } catch (error) {
    throw dataError(400, 'queryExecutionError', `GROQ query failed: ${messageOf(error)}`);
  }
}

/**
 * Reads `$name=<json>` search parameters into query params. A value that is not JSON answers 400, as Sanity does,
 * naming the parameter and what was received.
 */
export function paramsFromSearch(search: URLSearchParams): QueryParams {
  const params: QueryParams = {};
  for (const [key, raw] of search) {
    if (!key.startsWith('$')) continue;
    checkJsonNesting(raw, `Query parameter ${key}`);
    try {
      params[key.slice(1)] = JSON.parse(raw);
    } catch {
      throw dataError(
        400,
        'httpBadRequest',
        `Unable to parse value of "${key}=${raw.slice(0, 100)}": expected a JSON value (strings must be quoted, e.g. ${key}="value")`,
      );
    }
  }
  return params;
}
