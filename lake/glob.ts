import { Path } from 'groq-js';

// Wildcard patterns compiled to regular expressions backtrack: `^.*a.*a.*a.*q$` on a long word, or groq-js's
// `path("**.**.**.q")` (`^.*\..*\..*\.q$`) on a long id, takes time that grows with the length to the power of the
// number of wildcards. These matchers simulate every position of the pattern at once instead (a Thompson NFA), so a
// match costs at most (text length) x (pattern length) steps, whatever the pattern.

/** One step of a pattern: a literal character, one character of a class, or any run (possibly empty) of a class. */
type Step = { kind: 'char'; char: string } | { kind: 'one' | 'many'; accepts: (char: string) => boolean };

/** A compiled wildcard pattern: tests a whole string in linear time. */
export type GlobMatcher = (text: string) => boolean;

function compile(steps: readonly Step[], foldCase: boolean): GlobMatcher {
  return (text) => {
    let states = closure(new Set([0]), steps);
    for (const raw of text) {
      const char = foldCase ? raw.toLowerCase() : raw;
      const next = new Set<number>();
      for (const state of states) {
        const step = steps[state];
        if (step === undefined) continue;
        if (step.kind === 'char' ? step.char === char : step.accepts(char))
          next.add(step.kind === 'many' ? state : state + 1);
      }
      if (next.size === 0) return false;
      states = closure(next, steps);
    }
    return states.has(steps.length);
  };
}

/** Adds the states reachable without reading a character: past every `many` step (it may match nothing). */
function closure(states: Set<number>, steps: readonly Step[]): Set<number> {
  for (const state of states) if (steps[state]?.kind === 'many') states.add(state + 1);
  return states;
}

const isWordChar = (char: string): boolean => /[\p{L}\p{N}]/u.test(char);

/** A search word with `*` wildcards (runs of letters and digits), matched whole and ignoring case. */
export function wordMatcher(word: string): GlobMatcher {
  const steps: Step[] = [];
  for (const char of word.toLowerCase()) {
    // A run of `*` means what one `*` means.
    if (char === '*') {
      if (steps.at(-1)?.kind !== 'many') steps.push({ kind: 'many', accepts: isWordChar });
    } else steps.push({ kind: 'char', char });
  }
  return compile(steps, true);
}

/**
 * A GROQ `path()` glob, with groq-js's meaning: segments split on `.`, `*` is one segment (one or more characters
 * other than `.`), `**` is any text (dots included, possibly empty), anything else is literal.
 */
export function pathMatcher(pattern: string): GlobMatcher {
  const steps: Step[] = [];
  for (const [index, part] of pattern.split('.').entries()) {
    if (index > 0) steps.push({ kind: 'char', char: '.' });
    if (part === '*') {
      const notDot = (char: string): boolean => char !== '.';
      steps.push({ kind: 'one', accepts: notDot }, { kind: 'many', accepts: notDot });
    } else if (part === '**') steps.push({ kind: 'many', accepts: () => true });
    else for (const char of part) steps.push({ kind: 'char', char });
  }
  return compile(steps, false);
}

const linearPaths = new WeakMap<object, GlobMatcher>();
let installed = false;

/**
 * Makes groq-js's `path()` values match in linear time (see the top of this file), keeping their meaning. Call once
 * per thread before evaluating untrusted queries.
 */
export function installLinearPathMatching(): void {
  if (installed) return;
  installed = true;
  Path.prototype.matches = function matches(this: Path, text: string): boolean {
    let matcher = linearPaths.get(this);
    if (matcher === undefined) {
      matcher = pathMatcher(this.toJSON());
      linearPaths.set(this, matcher);
    }
    return matcher(text);
  };
}
