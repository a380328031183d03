/** Story and tag validation rules at their boundaries: each case would pass or fail the other way if the rule broke. */
import { describe, expect, test } from 'vitest';
import { formatIssue } from '../src/lib/model/content-error.ts';
import { validStory } from './fixtures/valid-story.ts';
import { parseStory, storyRefs } from '../src/lib/model/story.ts';
import { buildTagVocabulary } from '../src/lib/model/tags.ts';

const valid = validStory;
const problems = (raw: Record<string, unknown>): string[] =>
  parseStory('story-x', 'x.md', { ...valid, ...raw }).issues.map(formatIssue);

describe('source.url', () => {
  test.each([
    'http://example.com/story',
    'https://example.com/story',
    'HTTPS://EXAMPLE.COM/story',
    '  https://example.com/padded  ',
  ])('accepts %s', (url) => {
    expect(problems({ source: { name: 'Outlet', url } })).toEqual([]);
  });

  test.each([
    // Parses as a URL and contains "https://", but its scheme is javascript: the pattern is anchored at the start.
    'javascript:alert("https://x")',
    'ftp://example.com/file',
    'https://',
    'example.com/story',
  ])('refuses %s', (url) => {
    expect(problems({ source: { name: 'Outlet', url } })).toEqual([
      expect.stringContaining('source.url: expected an http(s) URL'),
    ]);
  });
});

describe('updatedAt', () => {
  test('may equal publishedAt', () => {
    expect(problems({ updatedAt: '2025-11-19T21:10:00Z' })).toEqual([]);
  });
  test('may not be a millisecond before it', () => {
    expect(problems({ updatedAt: '2025-11-19T21:09:59.999Z' })).toEqual([
      expect.stringContaining('updatedAt: expected a time after publishedAt'),
    ]);
  });
});

describe('tag names', () => {
  test('a tag name needs a letter or digit', () => {
    expect(problems({ tags: ['Ukraine', '!!!'] })).toEqual([
      expect.stringContaining('tags[1]: expected a tag name with at least one letter or digit'),
    ]);
    expect(problems({ tags: ['G7', '2025'] })).toEqual([]);
  });
});

describe('storyRefs', () => {
  test('keeps the fields of the right type, and drops empty and non-string entries from lists', () => {
    expect(
      storyRefs({
        slug: 'a',
        section: 'world',
        authors: ['jane', '', 3, null, 'joe'],
        related: [{ slug: 'x' }, 'b', ''],
      }),
    ).toStrictEqual({ slug: 'a', section: 'world', authors: ['jane', 'joe'], related: ['b'] });
  });

  test('drops fields of the wrong type or empty', () => {
    // Strict: a field left out is absent, not present as undefined.
    expect(storyRefs({ slug: '', section: 5, authors: 'jane', related: null })).toStrictEqual({});
    expect(storyRefs({ authors: [], related: [''] })).toStrictEqual({ authors: [], related: [] });
  });
});

describe('buildTagVocabulary rules', () => {
  const def = (name: string, aliases: string[] = [], extra: Record<string, string> = {}) => ({
    def: { name, aliases, ...extra },
    where: `tags.yaml[${name}]`,
  });

  test('an explicit slug wins over the folded name, and both spellings resolve to it', () => {
    const { vocabulary, issues } = buildTagVocabulary([def('United States', ['America'], { slug: 'usa' })]);
    expect(issues).toEqual([]);
    for (const spelling of ['United States', 'united-states', 'usa', 'AMERICA'])
      expect(vocabulary.resolve(spelling)).toEqual({ slug: 'usa', name: 'United States' });
  });

  test('an alias folding to its own tag (name or slug) is no conflict', () => {
    const { vocabulary, issues } = buildTagVocabulary([def('Donald Trump', ['donald-trump', 'DONALD TRUMP'])]);
    expect(issues).toEqual([]);
    expect(vocabulary.resolve('donald trump').slug).toBe('donald-trump');
  });

  test('a name without a letter or digit is reported unless the tag has its own slug', () => {
    const { vocabulary, issues } = buildTagVocabulary([
      def('!!!'),
      def('???', [], { slug: 'questions' }),
      def('Peace', ['---']),
    ]);
    expect(issues.map(formatIssue)).toEqual([
      'tags.yaml[!!!] → name: expected a name with at least one letter or digit, received "!!!"',
      'tags.yaml[Peace] → aliases[0]: expected an alias with at least one letter or digit, received "---"',
    ]);
    expect(vocabulary.resolve('questions')).toEqual({ slug: 'questions', name: '???' });
  });

  test('a conflicting alias does not take the other tag over', () => {
    const { vocabulary } = buildTagVocabulary([def('AI'), def('Artificial intelligence', ['ai'])]);
    expect(vocabulary.resolve('ai').name).toBe('AI');
    expect(vocabulary.resolve('artificial intelligence').name).toBe('Artificial intelligence');
  });
});
