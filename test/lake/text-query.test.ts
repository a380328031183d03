import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { matchesSearch, parseSearch, wordsOf } from '../../lake/text-query.ts';
import { startTestLake, type TestLake } from './lake-harness.ts';

// text::query() is not in groq-js 2.0.1; the lake resolves it (see lake/text-query.ts).

describe('search syntax', () => {
  const text = wordsOf({
    _type: 'story',
    title: 'Budget vote delayed',
    dek: 'The minister’s response, in full.',
    body: [{ _type: 'block', style: 'normal', children: [{ _type: 'span', text: 'Voters react' }] }],
  });

  test('words come from strings and Portable Text spans, not from system fields or style names', () => {
    expect(text).toEqual([
      'Budget',
      'vote',
      'delayed',
      'The',
      'minister',
      's',
      'response',
      'in',
      'full',
      'Voters',
      'react',
    ]);
  });

  test.each([
    ['budget', true],
    ['BUDGET vote', true],
    ['budget missing', false],
    ['vot*', true],
    ['*', true],
    ['', true],
    ['budget -delayed', false],
    ['budget -cancelled', true],
    ['"vote delayed"', true],
    ['"delayed vote"', false],
    ['-"vote delayed"', false],
    ['react*', true],
    ['story', false],
    ['normal', false],
  ])('%j matches: %s', (search, expected) => {
    expect(matchesSearch(text, parseSearch(search))).toBe(expected);
  });
});

describe('text::query() in GROQ over HTTP', () => {
  let t: TestLake;
  beforeAll(async () => {
    t = await startTestLake();
    const client = t.client();
    await client
      .transaction()
      .create({ _id: 'a', _type: 'story', title: 'Budget vote delayed', section: { _type: 'reference', _ref: 's1' } })
      .create({ _id: 'drafts.b', _type: 'story', title: 'Climate deal reached' })
      .create({ _id: 'c', _type: 'story', title: 'Voters head to the polls' })
      .create({ _id: 's1', _type: 'section', name: 'Politics' })
      .commit();
  });
  afterAll(async () => {
    await t.close();
  });

  test("the Studio's list query with an empty search lists every document of the types, drafts overlaid", async () => {
    const query =
      '// findability-mvi:5\n*[_type in $__types && ([@, _id] match text::query($__query) || references($__rawQuery))] {_type, _id, _originalId} | order(_id asc) [0...$__limit]';
    const result = await t
      .client()
      .fetch(query, { __types: ['story'], __query: '*', __rawQuery: '', __limit: 1001 }, { perspective: 'drafts' });
    expect(result).toEqual([
      { _type: 'story', _id: 'a', _originalId: 'a' },
      { _type: 'story', _id: 'b', _originalId: 'drafts.b' },
      { _type: 'story', _id: 'c', _originalId: 'c' },
    ]);
  });

  test("a search term narrows it, with prefixes and scores as the Studio's search sends them", async () => {
    const query =
      '*[_type in $__types] | score(boost(_type in ["story"] && title match text::query($__query), 10), [@, _id] match text::query($__query)) [_score > 0] {_id, _score} | order(_score desc, _id asc)';
    const result = await t
      .client()
      .fetch<{ _id: string; _score: number }[]>(
        query,
        { __types: ['story'], __query: 'vot*' },
        { perspective: 'drafts' },
      );
    expect(result.map((hit) => hit._id)).toEqual(['a', 'c']);
    expect(result.every((hit) => hit._score > 10)).toBe(true);
  });

  test('the left side may follow references', async () => {
    const result = await t.client().fetch('*[section->name match text::query("polit*")]._id');
    expect(result).toEqual(['a']);
  });

  test('text::query() outside match answers 400', async () => {
    const response = await fetch(
      `${t.lake.url}/v2025-02-19/data/query/production?query=${encodeURIComponent('text::query("x")')}`,
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: { description: expect.stringContaining('only supported on the right of match') },
    });
  });
});
