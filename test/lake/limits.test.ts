import { describe, expect, test } from 'vitest';
import { pathMatcher, wordMatcher } from '../../lake/glob.ts';
import { checkJsonNesting, checkQuerySize, MAX_QUERY_TERMS } from '../../lake/query-limits.ts';

describe('pathMatcher keeps groq-js path() meaning', () => {
  test.each([
    ['drafts.**', 'drafts.a', true],
    ['drafts.**', 'drafts.a.b', true],
    ['drafts.**', 'drafts', false],
    ['drafts.*', 'drafts.a', true],
    ['drafts.*', 'drafts.a.b', false],
    ['*', 'story-1', true],
    ['*', 'a.b', false],
    ['story-*', 'story-1', false],
    ['**.q', 'a.b.q', true],
    ['a.**.b', 'a..b', true],
    ['**.**.**.q', 'x.y.z.q', true],
    ['**.**.**.q', 'x.y.q', false],
    ['**.**.**.q', 'x..y.q', true],
    ['**.**.**.q', 'q', false],
  ])('path(%j) on %j: %s', (pattern, id, expected) => {
    // groq-js's own regexp is the reference on these short ids.
    const reference = new RegExp(
      `^${pattern
        .split('.')
        .map((part) => (part === '*' ? '[^.]+' : part === '**' ? '.*' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
        .join('\\.')}$`,
    );
    expect(reference.test(id)).toBe(expected);
    expect(pathMatcher(pattern)(id)).toBe(expected);
  });
});

describe('wordMatcher', () => {
  test.each([
    ['vot*', 'Voters', true],
    ['vot*', 'vote', true],
    ['vot*', 'veto', false],
    ['*q', 'qqq', true],
    ['****q', 'aq', true],
    ['b*t', 'budget', true],
    ['b*t', 'budgets', false],
  ])('%j matches %j: %s', (pattern, word, expected) => {
    expect(wordMatcher(pattern)(word)).toBe(expected);
  });
});

describe('query and JSON limits', () => {
  test('a query with too many terms is refused, pointing at where the limit was passed', () => {
    expect(() => checkQuerySize(`1${'+1'.repeat(MAX_QUERY_TERMS + 1)}`)).toThrow(/too complex/);
    expect(() => checkQuerySize('*[_type == "story" && title match "a+b+c"]{_id, title}')).not.toThrow();
  });

  test('operators inside strings do not count, brackets nested too deep do', () => {
    expect(() => checkQuerySize(`"${'+'.repeat(MAX_QUERY_TERMS * 2)}"`)).not.toThrow();
    expect(() => checkQuerySize(`${'['.repeat(65)}${']'.repeat(65)}`)).toThrow(/nested too deep/);
  });

  test('JSON nesting is measured on the text, strings excepted', () => {
    expect(() => checkJsonNesting(`${'['.repeat(101)}${']'.repeat(101)}`, 'Request body')).toThrow(
      /Request body nests arrays and objects more than 100 levels/,
    );
    expect(() => checkJsonNesting(`{"a": "${'['.repeat(500)}"}`, 'Request body')).not.toThrow();
    expect(() => checkJsonNesting(`{"a": "\\"${'['.repeat(500)}"}`, 'Request body')).not.toThrow();
  });
});
