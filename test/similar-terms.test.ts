/** Counting a story's terms for Similar News (terms.ts): the counts, the numbering, and the cache between builds. */
import { describe, expect, test } from 'vitest';
import type { SimilarInput } from '../src/lib/similar/options.ts';
import {
  bodyCount,
  TermCache,
  TermCounter,
  TermNumbers,
  titleCount,
  type Tokenized,
} from '../src/lib/similar/terms.ts';

/** A story's terms with their title and body counts, in the order counted. */
function counted(tokenized: Tokenized, term: (number: number) => string): [string, number, number][] {
  return [...tokenized.terms].map((number, k) => {
    const packed = tokenized.counts[k] ?? NaN;
    return [term(number), titleCount(packed), bodyCount(packed)];
  });
}

describe('TermNumbers', () => {
  test('numbers terms densely from 0 in order of first sight', () => {
    const numbers = new TermNumbers();
    expect(numbers.size).toBe(0);
    expect([numbers.numberOf('b'), numbers.numberOf('a'), numbers.numberOf('b')]).toEqual([0, 1, 0]);
    expect(numbers.size).toBe(2);
    expect([numbers.term(0), numbers.term(1), numbers.term(2)]).toEqual(['b', 'a', '']);
  });
});

describe('TermCounter', () => {
  test('counts distinct terms in order of first occurrence, title first, with title and body counts', () => {
    const numbers = new TermNumbers();
    const counter = new TermCounter();
    const first = counter.count('Harbour strike, harbour', 'The strike goes on; ships wait at the harbour.', (t) =>
      numbers.numberOf(t),
    );
    expect(counted(first, (n) => numbers.term(n))).toEqual([
      ['harbour', 2, 1],
      ['strike', 1, 1],
      ['goes', 0, 1],
      ['ships', 0, 1],
      ['wait', 0, 1],
    ]);
    // The counter starts the next story from zero.
    const second = counter.count('Ships', 'harbour', (t) => numbers.numberOf(t));
    expect(counted(second, (n) => numbers.term(n))).toEqual([
      ['ships', 1, 0],
      ['harbour', 0, 1],
    ]);
  });

  test('a story with more than 1024 distinct terms keeps every count', () => {
    const numbers = new TermNumbers();
    const words = Array.from({ length: 1200 }, (_, i) => `w${i}`);
    const result = counted(
      new TermCounter().count(`${words.join(' ')} w0 w1023 w1024`, 'w1024 w5', (t) => numbers.numberOf(t)),
      (n) => numbers.term(n),
    );
    expect(result).toHaveLength(1200);
    expect(result[0]).toEqual(['w0', 2, 0]);
    expect(result[5]).toEqual(['w5', 1, 1]);
    expect(result[1023]).toEqual(['w1023', 2, 0]);
    expect(result[1024]).toEqual(['w1024', 2, 1]);
    expect(result[1199]).toEqual(['w1199', 1, 0]);
  });

  test('a body with more than 1024 distinct terms keeps every count', () => {
    const numbers = new TermNumbers();
    const words = Array.from({ length: 1100 }, (_, i) => `w${i}`);
    const result = counted(
      new TermCounter().count('w7', `${words.join(' ')} w0 w1099`, (t) => numbers.numberOf(t)),
      (n) => numbers.term(n),
    );
    expect(result).toHaveLength(1100);
    expect(result.slice(0, 2)).toEqual([
      ['w7', 1, 1],
      ['w0', 0, 2],
    ]);
    expect(result[1099]).toEqual(['w1099', 0, 2]);
  });

  test('a term numbered far past the counted ones is counted too', () => {
    const result = new TermCounter().count('near far', 'far', (t) => (t === 'far' ? 5000 : 0));
    expect([...result.terms]).toEqual([0, 5000]);
    expect([...result.counts].map((packed) => [titleCount(packed), bodyCount(packed)])).toEqual([
      [1, 0],
      [1, 1],
    ]);
  });
});

describe('TermCache', () => {
  const story = (id: string, title: string, text = ''): SimilarInput => ({ id, title, text, tags: [] });
  const terms = (cache: TermCache, input: SimilarInput): string[] =>
    [...cache.tokenized(input).terms].map((number) => cache.term(number));
  const build = (cache: TermCache, stories: SimilarInput[]): string[][] => {
    cache.startBuild();
    const result = stories.map((input) => terms(cache, input));
    cache.endBuild();
    return result;
  };

  test('numbers terms across stories, and reuses a story kept from the last build until told it changed', () => {
    const cache = new TermCache();
    expect(build(cache, [story('a', 'harbour strike'), story('b', 'strike vote')])).toEqual([
      ['harbour', 'strike'],
      ['strike', 'vote'],
    ]);
    expect(cache.size).toBe(3);
    expect([cache.term(0), cache.term(2), cache.term(3)]).toEqual(['harbour', 'vote', '']);
    // Not told that "a" changed: its old terms stand.
    expect(build(cache, [story('a', 'budget'), story('b', 'strike vote')])).toEqual([
      ['harbour', 'strike'],
      ['strike', 'vote'],
    ]);
    cache.forget('a');
    expect(build(cache, [story('a', 'budget'), story('b', 'strike vote')])).toEqual([['budget'], ['strike', 'vote']]);
  });

  test('a build forgets the stories it did not have', () => {
    const cache = new TermCache();
    build(cache, [story('a', 'harbour'), story('b', 'strike')]);
    build(cache, [story('a', 'harbour')]);
    expect(build(cache, [story('a', 'budget'), story('b', 'vote')])).toEqual([['harbour'], ['vote']]);
  });

  test('a build that never ended is not kept', () => {
    const cache = new TermCache();
    cache.startBuild();
    terms(cache, story('a', 'harbour'));
    // That build failed before its end; the next one has "b" only.
    expect(build(cache, [story('b', 'strike')])).toEqual([['strike']]);
    expect(build(cache, [story('a', 'budget')])).toEqual([['budget']]);
  });
});
