import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { transactionsInReferenceOrder } from '../../scripts/lib/write-order.ts';
import { failure, startTestLake, type TestLake } from '../lake/lake-harness.ts';

// The import writes in transactions of 200; the lake (like Sanity) refuses a strong reference to a document that
// does not exist yet, so the import orders its writes by reference and keeps reference cycles in one transaction.

const ref = (id: string) => ({ _type: 'reference', _ref: id, _key: id });
type Doc = { _id: string; _type: string } & Record<string, unknown>;
const story = (id: string, tags: string[], related: string[] = []): Doc => ({
  _id: id,
  _type: 'story',
  tags: tags.map(ref),
  related: related.map(ref),
});
const tag = (id: string): Doc => ({ _id: id, _type: 'tag' });

// As siteSourceToDocuments lists them: stories first, their tags last; s2 and s3 pin each other, s1 pins s4.
const docs: Doc[] = [
  story('s1', ['t1'], ['s4']),
  story('s2', ['t1', 't2'], ['s3']),
  story('s3', ['t2'], ['s2']),
  story('s4', ['t2']),
  tag('t1'),
  tag('t2'),
];

describe('transactionsInReferenceOrder', () => {
  test.each([
    [1, [['t1'], ['t2'], ['s4'], ['s1'], ['s2', 's3']]],
    [
      2,
      [
        ['t1', 't2'],
        ['s4', 's1'],
        ['s2', 's3'],
      ],
    ],
    [
      3,
      [
        ['t1', 't2', 's4'],
        ['s1', 's2', 's3'],
      ],
    ],
    [10, [['t1', 't2', 's4', 's1', 's2', 's3']]],
  ])('size %i: targets first, a cycle kept whole', (size, expected) => {
    const batches = transactionsInReferenceOrder(docs, size).map((batch) => batch.map((doc) => doc._id));
    expect(batches).toEqual(expected);
  });

  test('a chain of 20,000 references does not exhaust the stack', () => {
    const chain = Array.from({ length: 20_000 }, (_, i) => story(`s${i}`, i + 1 < 20_000 ? [`s${i + 1}`] : []));
    const batches = transactionsInReferenceOrder(chain, 200);
    expect(batches).toHaveLength(100);
    expect(batches[0]?.[0]?._id).toBe('s19999');
  });
});

describe('against the lake', () => {
  let t: TestLake;
  beforeEach(async () => {
    t = await startTestLake();
  });
  afterEach(async () => {
    await t.close();
  });

  test('every transaction in reference order is accepted; the list order, cut the same way, is refused', async () => {
    const client = t.client();
    const naive = failure(client.transaction(docs.slice(0, 2).map((doc) => ({ createOrReplace: doc }))).commit());
    expect(await naive).toMatchObject({ statusCode: 409 });
    for (const batch of transactionsInReferenceOrder(docs, 2))
      await client.transaction(batch.map((doc) => ({ createOrReplace: doc }))).commit();
    expect(await client.fetch('count(*)')).toBe(docs.length);
  });
});
