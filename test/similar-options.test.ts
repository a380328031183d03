/** Similar News options and inputs: each check at its boundary, on both sides, with the message written out. */
import { describe, expect, test } from 'vitest';
import {
  compareIds,
  parseTime,
  probeMaxDf,
  resolveOptions,
  sameSimilarInput,
  signalWeights,
  SIMILAR_DEFAULTS,
  type SimilarInput,
  type SimilarOptions,
} from '../src/lib/similar/options.ts';

const resolve = (options: SimilarOptions) => resolveOptions(options, 'test');

describe('resolveOptions', () => {
  test('no options are the defaults; undefined values leave a default alone', () => {
    expect(resolve({})).toEqual(SIMILAR_DEFAULTS);
    // As a JavaScript caller may pass them.
    const options = { limit: undefined, tagWeight: 0.3 } as unknown as SimilarOptions;
    expect(resolve(options)).toEqual({ ...SIMILAR_DEFAULTS, tagWeight: 0.3 });
  });

  // Each accepted value is an edge of its range.
  test.each<[keyof SimilarOptions, unknown]>([
    ['limit', 0],
    ['signals', 'text'],
    ['signals', 'tags'],
    ['tagWeight', 0],
    ['tagWeight', 1],
    ['titleWeight', 0],
    ['minScore', 0],
    ['minScore', 0.999],
    ['maxDocFrequency', 1],
    ['maxDocFrequency', 0.0001],
    ['probeTerms', 1],
    ['candidates', 1],
    ['recencyHalfLifeDays', Infinity],
    ['recencyHalfLifeDays', 0.5],
    ['recencyFloor', 0],
    ['recencyFloor', 1],
  ])('%s: %j is accepted', (key, value) => {
    expect(resolve({ [key]: value })[key]).toBe(value);
  });

  test.each<[keyof SimilarOptions, unknown, string]>([
    ['limit', -1, 'a whole number of 0 or more, received -1'],
    ['limit', 1.5, 'a whole number of 0 or more, received 1.5'],
    ['signals', 'both', '"hybrid", "text" or "tags", received "both"'],
    ['tagWeight', -0.01, 'a number from 0 to 1, received -0.01'],
    ['tagWeight', 1.01, 'a number from 0 to 1, received 1.01'],
    ['tagWeight', NaN, 'a number from 0 to 1, received NaN'],
    ['titleWeight', -1, 'a number of 0 or more, received -1'],
    ['titleWeight', Infinity, 'a number of 0 or more, received Infinity'],
    ['titleWeight', NaN, 'a number of 0 or more, received NaN'],
    ['minScore', -0.01, 'a number from 0 up to (not including) 1, received -0.01'],
    ['minScore', 1, 'a number from 0 up to (not including) 1, received 1'],
    ['minScore', NaN, 'a number from 0 up to (not including) 1, received NaN'],
    ['maxDocFrequency', 0, 'a share above 0 and at most 1, received 0'],
    ['maxDocFrequency', 1.01, 'a share above 0 and at most 1, received 1.01'],
    ['maxDocFrequency', NaN, 'a share above 0 and at most 1, received NaN'],
    ['probeTerms', 0, 'a whole number of 1 or more, received 0'],
    ['probeTerms', 2.5, 'a whole number of 1 or more, received 2.5'],
    ['candidates', 0, 'a whole number of 1 or more, received 0'],
    ['candidates', 2.5, 'a whole number of 1 or more, received 2.5'],
    ['recencyHalfLifeDays', 0, 'a number of days above 0 (or Infinity), received 0'],
    ['recencyHalfLifeDays', NaN, 'a number of days above 0 (or Infinity), received NaN'],
    ['recencyFloor', -0.01, 'a number from 0 to 1, received -0.01'],
    ['recencyFloor', 1.01, 'a number from 0 to 1, received 1.01'],
    ['recencyFloor', NaN, 'a number from 0 to 1, received NaN'],
  ])('%s: %j is refused', (key, value, message) => {
    expect(() => resolve({ [key]: value })).toThrow(new RangeError(`test options → ${key}: expected ${message}`));
  });
});

test('signalWeights: hybrid shares the score by tagWeight; an ablation gives one signal all of it', () => {
  expect(signalWeights({ ...SIMILAR_DEFAULTS, tagWeight: 0.25 })).toEqual({ text: 0.75, tags: 0.25 });
  expect(signalWeights({ ...SIMILAR_DEFAULTS, signals: 'text', tagWeight: 0.25 })).toEqual({ text: 1, tags: 0 });
  expect(signalWeights({ ...SIMILAR_DEFAULTS, signals: 'tags', tagWeight: 0.25 })).toEqual({ text: 0, tags: 1 });
});

test('probeMaxDf: the share of the stories, but never under 100', () => {
  expect(probeMaxDf({ ...SIMILAR_DEFAULTS, maxDocFrequency: 0.1 }, 10_000)).toBe(1000);
  expect(probeMaxDf({ ...SIMILAR_DEFAULTS, maxDocFrequency: 0.1 }, 500)).toBe(100);
});

test('compareIds: code-unit order', () => {
  expect(['b', 'a', 'B', 'é', 'e'].sort(compareIds)).toEqual(['B', 'a', 'b', 'e', 'é']);
  expect(compareIds('a', 'a')).toBe(0);
  expect(compareIds('a', 'b')).toBe(-1);
  expect(compareIds('b', 'a')).toBe(1);
});

describe('parseTime', () => {
  const story = (publishedAt?: string): SimilarInput => ({
    id: 's1',
    title: 'T',
    text: '',
    tags: [],
    ...(publishedAt === undefined ? {} : { publishedAt }),
  });
  test('an ISO date is its milliseconds; an undated story sorts after every dated one', () => {
    expect(parseTime(story('2025-11-20T14:30:00Z'), 'here')).toBe(Date.UTC(2025, 10, 20, 14, 30));
    expect(parseTime(story(), 'here')).toBe(-Infinity);
  });
  test('a date that does not parse names the story and what was received', () => {
    expect(() => parseTime(story('yesterday'), 'here')).toThrow(
      new RangeError(
        'here: story "s1" → publishedAt: expected an ISO 8601 date like 2025-11-20T14:30:00Z, received "yesterday"',
      ),
    );
  });
});

describe('sameSimilarInput', () => {
  const unpinned: SimilarInput = {
    id: 's1',
    title: 'T',
    text: 'body',
    tags: ['a', 'b'],
    publishedAt: '2025-11-20T00:00:00Z',
    section: 'world',
  };
  const base: SimilarInput = { ...unpinned, pinned: ['x'] };
  test('pinned ids are compared one by one, not as one text', () => {
    expect(sameSimilarInput({ ...base, pinned: ['a', 'b'] }, { ...base, pinned: ['a\nb'] })).toBe(false);
    expect(sameSimilarInput({ ...base, pinned: ['a', 'b'] }, { ...base, pinned: ['ab'] })).toBe(false);
  });
  test('equal inputs, as copies, are the same', () => {
    expect(sameSimilarInput(base, { ...base, tags: [...base.tags], pinned: ['x'] })).toBe(true);
    expect(sameSimilarInput(unpinned, { ...unpinned, pinned: [] })).toBe(true);
    expect(sameSimilarInput({ ...unpinned, pinned: [] }, unpinned)).toBe(true);
    expect(sameSimilarInput(base, unpinned)).toBe(false);
    expect(sameSimilarInput(unpinned, base)).toBe(false);
  });
  test.each<[string, Partial<SimilarInput>]>([
    ['title', { title: 'U' }],
    ['text', { text: 'other' }],
    ['publishedAt', { publishedAt: '2025-11-21T00:00:00Z' }],
    ['section', { section: 'politics' }],
    ['tags, one more', { tags: ['a', 'b', 'c'] }],
    ['tags, another order', { tags: ['b', 'a'] }],
    ['tag', { tags: ['a', 'c'] }],
    ['pinned list, its ids joined', { pinned: ['x\ny'] }],
    ['pinned', { pinned: ['y'] }],
  ])('a different %s is not the same', (_, change) => {
    expect(sameSimilarInput(base, { ...base, ...change })).toBe(false);
    expect(sameSimilarInput({ ...base, ...change }, base)).toBe(false);
  });
});
