import { evaluate, parse } from 'groq-js';
import { describe, expect, test } from 'vitest';
import { DocView, planQuery } from '../../lake/plan.ts';
import type { SanityDoc } from '../../lake/types.ts';

const docs: SanityDoc[] = [
  { _id: 'a1', _type: 'author', name: 'Ada' },
  { _id: 's1', _type: 'story', slug: { current: 'one' }, rank: 1, live: true, author: { _ref: 'a1' } },
  { _id: 's2', _type: 'story', slug: { current: 'two' }, rank: 2, live: false, author: { _ref: 'a1' } },
  { _id: 's3', _type: 'story', slug: [{ current: 'three' }], rank: '1' },
  { _id: 'p1', _type: 'page', slug: { current: 'one' } },
];

async function run(query: string, params: Record<string, unknown>, plan: boolean): Promise<unknown> {
  const view = new DocView(docs);
  const tree = parse(query, { params });
  return (await evaluate(plan ? planQuery(tree, view) : tree, { dataset: docs, params })).get();
}

describe('planQuery gives the same answers as a full scan', () => {
  test.each([
    ['*[_type == "story"]._id', {}],
    ['*["story" == _type && rank == 1]._id', {}],
    ['*[_type == $t && slug.current == $slug]._id', { t: 'story', slug: 'one' }],
    ['*[slug.current == "three"]._id', {}],
    ['*[_id in $ids]._id', { ids: ['s2', 'a1', 'missing'] }],
    ['*[rank in [1, 2]]._id', {}],
    ['*[live == false]._id', {}],
    ['*[_type == "story" || _type == "page"]._id', {}],
    ['*[_type == "story"]{_id, "others": *[_type == ^._type && _id != ^._id]._id}', {}],
    ['*[_type == "story"]{_id, "author": *[_id == ^.author._ref][0].name, "all": count(*)}', {}],
    ['*[_type == "nothing"]', {}],
    ['count(*[_type == "story" && defined(slug.current)])', {}],
  ])('%s', async (query, params) => {
    expect(await run(query, params, true)).toEqual(await run(query, params, false));
  });
});

describe('planQuery narrows the scan', () => {
  test('a filter on _type and slug.current starts from the one matching document', () => {
    const planned = planQuery(parse('*[_type == "story" && slug.current == "two"]'), new DocView(docs)) as unknown as {
      base: { type: string; value: SanityDoc[] };
    };
    expect(planned.base.type).toBe('Value');
    expect(planned.base.value.map((doc) => doc._id)).toEqual(['s2']);
  });

  test('a filter it cannot index is left alone', () => {
    const planned = planQuery(parse('*[defined(slug)]'), new DocView(docs)) as unknown as { base: { type: string } };
    expect(planned.base.type).toBe('Everything');
  });
});
