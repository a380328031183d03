/** A story's terms, counted: numbered, in order of first occurrence (title first), with title and body counts. */
import type { SimilarInput } from './options.ts';
import { tokenize } from './text.ts';

/** A story's distinct terms (numbered by a `TermCache`, or by a query) in order of first occurrence, title first, with their counts. */
export interface Tokenized {
  terms: Int32Array;
  /** Per term, `titleCount * COUNT_SPLIT + bodyCount`. */
  counts: Float64Array;
}

/** Packs a term's two counts into one number (a body of 1 MB has fewer than 2^25 terms; exact in a double). */
const COUNT_SPLIT = 2 ** 26;

/** A term's count in the title, from its entry of `Tokenized.counts`. */
export function titleCount(packed: number): number {
  return Math.floor(packed / COUNT_SPLIT);
}

/** A term's count in the body, from its entry of `Tokenized.counts`. */
export function bodyCount(packed: number): number {
  return packed % COUNT_SPLIT;
}

/**
 * Counts the terms of a title and a text: their numbers (from `numberOf`, which numbers terms densely from 0) in
 * order of first occurrence, title first, with their counts. The index build (through `TermCache`) and a query for
 * a story outside the index count alike with it.
 */
export class TermCounter {
  // Per-term counters while counting one story, indexed by term number and cleared after it.
  #titleCount = new Int32Array(1024);
  #bodyCount = new Int32Array(1024);

  count(title: string, text: string, numberOf: (term: string) => number): Tokenized {
    const numbers: number[] = [];
    for (const [value, isTitle] of [
      [title, true],
      [text, false],
    ] as const) {
      for (const term of tokenize(value)) {
        const number = numberOf(term);
        if (number >= this.#titleCount.length) {
          const size = Math.max(number + 1, this.#titleCount.length * 2);
          const titles = new Int32Array(size);
          titles.set(this.#titleCount);
          const bodies = new Int32Array(size);
          bodies.set(this.#bodyCount);
          this.#titleCount = titles;
          this.#bodyCount = bodies;
        }
        if (this.#titleCount[number] === 0 && this.#bodyCount[number] === 0) numbers.push(number);
        if (isTitle) this.#titleCount[number] = (this.#titleCount[number] ?? 0) + 1;
        else this.#bodyCount[number] = (this.#bodyCount[number] ?? 0) + 1;
      }
    }
    const terms = Int32Array.from(numbers);
    const counts = new Float64Array(numbers.length);
    numbers.forEach((number, k) => {
      counts[k] = (this.#titleCount[number] ?? 0) * COUNT_SPLIT + (this.#bodyCount[number] ?? 0);
      this.#titleCount[number] = 0;
      this.#bodyCount[number] = 0;
    });
    return { terms, counts };
  }
}

/** Numbers terms densely from 0, in order of first sight. */
export class TermNumbers {
  readonly #terms: string[] = [];
  readonly #numbers = new Map<string, number>();

  /** Number of terms numbered. */
  get size(): number {
    return this.#terms.length;
  }

  /** The term numbered `number`. */
  term(number: number): string {
    return this.#terms[number] ?? '';
  }

  /** The number of `term`, given it now if it has none. */
  numberOf(term: string): number {
    let number = this.#numbers.get(term);
    if (number === undefined) {
      number = this.#terms.length;
      this.#numbers.set(term, number);
      this.#terms.push(term);
    }
    return number;
  }
}

/**
 * The terms of stories by id, kept from one `SimilarIndex.build` to the next, so that a story is tokenized once: the
 * caller says which stories changed (`forget`) before the next build. A build drops the stories it did not have. The
 * cache keeps no text: its owner need not keep the stories' texts either (the rebuild service's worker does not).
 */
export class TermCache {
  readonly #numbers = new TermNumbers();
  #stories = new Map<string, Tokenized>();
  #used = new Map<string, Tokenized>();
  readonly #counter = new TermCounter();

  /** Number of distinct terms seen. */
  get size(): number {
    return this.#numbers.size;
  }

  /** The term numbered `number`. */
  term(number: number): string {
    return this.#numbers.term(number);
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
    return this.#counter.count(story.title, story.text, (term) => this.#numbers.numberOf(term));
  }
}
