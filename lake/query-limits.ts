import { dataError, queryParseError } from './errors.ts';

// groq-js's parser takes time that grows faster than the query (a 40,000-term `1+1+…` took 27 s, 4,000 object keys
// seconds) and recurses once per nesting level, so a query is measured before it is parsed: its size, its number of
// operators and punctuation marks ("terms"), and how deep its brackets nest. The Studio's largest queries (document
// lists with search) use a few hundred terms and nest under 15 deep.

/** Largest GROQ query text, in bytes (Sanity caps GET queries at 11 kB of URL and asks for POST beyond). */
export const MAX_QUERY_BYTES = 256 * 1024;
/** Most operators and punctuation marks a query may hold; groq-js parses this many in well under a second. */
export const MAX_QUERY_TERMS = 4000;
/** Deepest nesting of `(`, `[` and `{` in a query. */
export const MAX_QUERY_NESTING = 64;
/** Deepest nesting of arrays and objects in a JSON request body or parameter value. */
export const MAX_JSON_NESTING = 100;

const TERM_CHARS = new Set('+-*/%=!<>&|,:.[](){}@^?'.split(''));

/**
 * Refuses a query too large to parse quickly: 413 `queryTooLarge` beyond `MAX_QUERY_BYTES`, 400 `queryParseError`
 * (pointing at the place) beyond `MAX_QUERY_TERMS` terms or `MAX_QUERY_NESTING` levels of brackets.
 */
export function checkQuerySize(query: string): void {
  const bytes = Buffer.byteLength(query);
  if (bytes > MAX_QUERY_BYTES) {
    throw dataError(
      413,
      'queryTooLarge',
      `GROQ query too large: ${bytes} bytes, the lake accepts at most ${MAX_QUERY_BYTES}; move large values into parameters or split the query`,
    );
  }
  let terms = 0;
  let depth = 0;
  let quote: string | undefined;
  for (let at = 0; at < query.length; at += 1) {
    const char = query[at] ?? '';
    if (quote !== undefined) {
      if (char === '\\') at += 1;
      else if (char === quote) quote = undefined;
      continue;
    }
    if (char === '"' || char === "'") {
      quote = char;
      terms += 1;
      continue;
    }
    if (char === '/' && query[at + 1] === '/') {
      const end = query.indexOf('\n', at);
      at = end === -1 ? query.length : end;
      continue;
    }
    if (!TERM_CHARS.has(char)) continue;
    terms += 1;
    if (terms > MAX_QUERY_TERMS) {
      throw queryParseError(
        query,
        `query too complex: more than ${MAX_QUERY_TERMS} operators and punctuation marks; simplify it or move values into parameters`,
        at,
        at + 1,
      );
    }
    if (char === '(' || char === '[' || char === '{') depth += 1;
    else if (char === ')' || char === ']' || char === '}') depth -= 1;
    if (depth > MAX_QUERY_NESTING) {
      throw queryParseError(
        query,
        `query nested too deep: more than ${MAX_QUERY_NESTING} levels of brackets`,
        at,
        at + 1,
      );
    }
  }
}

/**
 * Refuses JSON text whose arrays and objects nest deeper than `MAX_JSON_NESTING` with 400 `httpBadRequest` naming
 * `where` (the body, or a parameter), before it is parsed: deeper values overflow the stack of every recursive walk.
 */
export function checkJsonNesting(text: string, where: string): void {
  let depth = 0;
  let inString = false;
  for (let at = 0; at < text.length; at += 1) {
    const char = text.charCodeAt(at);
    if (inString) {
      if (char === 0x5c) at += 1;
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) inString = true;
    else if (char === 0x5b || char === 0x7b) {
      depth += 1;
      if (depth > MAX_JSON_NESTING) {
        throw dataError(
          400,
          'httpBadRequest',
          `${where} nests arrays and objects more than ${MAX_JSON_NESTING} levels deep (at character ${at}); the lake accepts at most ${MAX_JSON_NESTING}`,
        );
      }
    } else if (char === 0x5d || char === 0x7d) depth -= 1;
  }
}
