import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { failure, startTestLake, type TestLake } from './lake-harness.ts';

let t: TestLake;
beforeEach(async () => {
  t = await startTestLake();
});
afterEach(async () => {
  await t.close();
});

describe('create, createOrReplace, createIfNotExists, delete', () => {
  test('create returns the document with _id, _rev, _createdAt and _updatedAt', async () => {
    const doc = await t.client().create({ _id: 'story-1', _type: 'story', title: 'Hello' });
    expect(doc).toMatchObject({ _id: 'story-1', _type: 'story', title: 'Hello' });
    expect(doc._rev).toMatch(/^[A-Za-z0-9]{22}$/);
    expect(doc._createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(doc._updatedAt).toBe(doc._createdAt);
  });

  test('create without _id generates one, and an _id ending in "." is used as a prefix', async () => {
    const client = t.client();
    const generated = await client.create({ _type: 'story' });
    expect(generated._id).toMatch(/^[A-Za-z0-9]{22}$/);
    const prefixed = await client.create({ _id: 'drafts.', _type: 'story' });
    expect(prefixed._id).toMatch(/^drafts\.[A-Za-z0-9]{22}$/);
  });

  test('create on an existing id fails with 409 documentAlreadyExistsError', async () => {
    const client = t.client();
    await client.create({ _id: 'a', _type: 'story' });
    const { statusCode, body } = await failure(client.create({ _id: 'a', _type: 'story' }));
    expect(statusCode).toBe(409);
    expect(body).toEqual({
      error: {
        description: 'Mutation(s) failed with 1 error(s)',
        type: 'mutationError',
        items: [
          {
            index: 0,
            error: { type: 'documentAlreadyExistsError', description: 'Document by ID "a" already exists', id: 'a' },
          },
        ],
      },
    });
  });

  test('createOrReplace replaces the whole document but keeps _createdAt', async () => {
    const client = t.client();
    const first = await client.create({ _id: 'a', _type: 'story', title: 'One', extra: true });
    const replaced = await client.createOrReplace({ _id: 'a', _type: 'story', title: 'Two' });
    expect(replaced).not.toHaveProperty('extra');
    expect(replaced.title).toBe('Two');
    expect(replaced._createdAt).toBe(first._createdAt);
    expect(replaced._rev).not.toBe(first._rev);
  });

  test('createIfNotExists leaves an existing document untouched', async () => {
    const client = t.client();
    const first = await client.create({ _id: 'a', _type: 'story', title: 'One' });
    const again = await client.createIfNotExists({ _id: 'a', _type: 'story', title: 'Two' });
    expect(again).toEqual(first);
    const created = await client.createIfNotExists({ _id: 'b', _type: 'story', title: 'New' });
    expect(created.title).toBe('New');
  });

  test('delete by id, and by GROQ query with params', async () => {
    const client = t.client();
    await client
      .transaction()
      .create({ _id: 'a', _type: 'story' })
      .create({ _id: 'b', _type: 'story', n: 1 })
      .create({ _id: 'c', _type: 'story', n: 2 })
      .commit();
    const byId = await client.delete('a');
    expect(byId.results).toEqual([{ id: 'a', operation: 'delete' }]);
    const byQuery = await client.delete({ query: '*[_type == "story" && n >= $min]', params: { min: 1 } });
    expect(byQuery.results.map((r) => r.id).sort()).toEqual(['b', 'c']);
    expect(await client.fetch('count(*)')).toBe(0);
  });

  test('a mutation without _type, or with a malformed id, answers 400', async () => {
    const client = t.client();
    const noType = await failure(client.mutate([{ create: { _id: 'x' } as never }]));
    expect(noType.statusCode).toBe(400);
    expect(noType.message).toContain('"_type"');
    const badId = await failure(client.create({ _id: '#nope!', _type: 'story' }));
    expect(badId.statusCode).toBe(400);
    expect(badId.message).toContain('Malformed document ID: "#nope!"');
  });
});

describe('patch operations (applied by @sanity/mutator)', () => {
  const base = {
    _id: 'p',
    _type: 'story',
    title: 'Hello world',
    count: 10,
    tags: [{ _key: 'a', name: 'A' }],
    meta: { x: 1 },
  };

  test.each([
    ['set', { set: { title: 'New', 'meta.y': 2 } }, { title: 'New', meta: { x: 1, y: 2 } }],
    [
      'setIfMissing',
      { setIfMissing: { title: 'Ignored', subtitle: 'Added' } },
      { title: 'Hello world', subtitle: 'Added' },
    ],
    ['unset', { unset: ['meta', 'tags[_key=="a"]'] }, { tags: [] }],
    ['inc', { inc: { count: 5 } }, { count: 15 }],
    ['dec', { dec: { count: 3 } }, { count: 7 }],
    [
      'insert after',
      { insert: { after: 'tags[-1]', items: [{ _key: 'b', name: 'B' }] } },
      {
        tags: [
          { _key: 'a', name: 'A' },
          { _key: 'b', name: 'B' },
        ],
      },
    ],
    [
      'insert before',
      { insert: { before: 'tags[0]', items: [{ _key: 'z', name: 'Z' }] } },
      {
        tags: [
          { _key: 'z', name: 'Z' },
          { _key: 'a', name: 'A' },
        ],
      },
    ],
    [
      'insert replace',
      { insert: { replace: 'tags[0]', items: [{ _key: 'r', name: 'R' }] } },
      { tags: [{ _key: 'r', name: 'R' }] },
    ],
    [
      'diffMatchPatch',
      { diffMatchPatch: { title: '@@ -3,9 +3,9 @@\n llo \n-world\n+there\n' } },
      { title: 'Hello there' },
    ],
  ])('%s', async (_name, operations, expected) => {
    const client = t.client();
    await client.create(base);
    const patched = await client.mutate([{ patch: { id: 'p', ...operations } }], {
      returnFirst: true,
      returnDocuments: true,
    });
    expect(patched).toMatchObject(expected);
    if ('unset' in operations) expect(patched).not.toHaveProperty('meta');
  });

  test('the client patch builder chains operations in one mutation', async () => {
    const client = t.client();
    await client.create(base);
    const doc = await client
      .patch('p')
      .set({ title: 'T' })
      .inc({ count: 1 })
      .setIfMissing({ views: 0 })
      .unset(['meta'])
      .commit();
    expect(doc).toMatchObject({ title: 'T', count: 11, views: 0 });
    expect(doc).not.toHaveProperty('meta');
  });

  test('patch by query updates every matching document', async () => {
    const client = t.client();
    await client
      .transaction()
      .create({ _id: 'a', _type: 'story', n: 1 })
      .create({ _id: 'b', _type: 'story', n: 2 })
      .create({ _id: 'c', _type: 'page', n: 3 })
      .commit();
    const result = await client
      .patch({ query: '*[_type == "story"]' })
      .inc({ n: 10 })
      .commit({ returnDocuments: false });
    expect(result.results.map((r) => r.id).sort()).toEqual(['a', 'b']);
    expect(await client.fetch('*[]{_id, n} | order(_id asc)')).toEqual([
      { _id: 'a', n: 11 },
      { _id: 'b', n: 12 },
      { _id: 'c', n: 3 },
    ]);
  });

  test('patching a missing document fails with 404 and names it', async () => {
    const { statusCode, message } = await failure(t.client().patch('ghost').set({ a: 1 }).commit());
    expect(statusCode).toBe(404);
    expect(message).toContain('"ghost"');
  });

  test('an unknown patch operation answers 400 naming it', async () => {
    await t.client().create(base);
    const { statusCode, message } = await failure(
      t.client().mutate([{ patch: { id: 'p', merge: { a: 1 } } as never }]),
    );
    expect(statusCode).toBe(400);
    expect(message).toContain('Unknown patch operation "merge"');
  });

  test('a patch cannot rename a document', async () => {
    await t.client().create(base);
    const doc = await t.client().patch('p').set({ _id: 'other' }).commit();
    expect(doc._id).toBe('p');
  });
});

describe('revisions and transactions', () => {
  test("ifRevisionID: a matching revision applies, a stale one answers 409 with Sanity's error shape", async () => {
    const client = t.client();
    const created = await client.create({ _id: 'a', _type: 'story', n: 1 });
    const updated = await client.patch('a').ifRevisionId(created._rev).inc({ n: 1 }).commit();
    expect(updated.n).toBe(2);
    const { statusCode, body } = await failure(client.patch('a').ifRevisionId(created._rev).inc({ n: 1 }).commit());
    expect(statusCode).toBe(409);
    expect(body).toEqual({
      error: {
        description: 'Mutation(s) failed with 1 error(s)',
        type: 'mutationError',
        items: [
          {
            index: 0,
            error: {
              type: 'documentRevisionIDDoesNotMatchError',
              description: `Document "a" has unexpected revision ID ("${updated._rev}"), expected "${created._rev}"`,
              id: 'a',
              currentRevisionID: updated._rev,
              expectedRevisionID: created._rev,
            },
          },
        ],
      },
    });
    expect((await client.getDocument('a'))?.['n']).toBe(2);
  });

  test('a failing mutation in a transaction changes nothing (all or nothing)', async () => {
    const client = t.client();
    await client.create({ _id: 'existing', _type: 'story', n: 1 });
    const { statusCode, body } = await failure(
      client
        .transaction()
        .create({ _id: 'new-1', _type: 'story' })
        .patch('existing', (p) => p.inc({ n: 1 }))
        .create({ _id: 'existing', _type: 'story' })
        .commit(),
    );
    expect(statusCode).toBe(409);
    expect(body).toMatchObject({ error: { items: [{ index: 2 }] } });
    expect(await client.getDocument('new-1')).toBeUndefined();
    expect((await client.getDocument('existing'))?.['n']).toBe(1);
  });

  test('every document of a transaction gets the transaction id as _rev', async () => {
    const client = t.client();
    const result = await client
      .transaction()
      .create({ _id: 'a', _type: 'story' })
      .create({ _id: 'b', _type: 'story' })
      .commit();
    const docs = await client.getDocuments(['a', 'b']);
    expect(docs.map((d) => d?._rev)).toEqual([result.transactionId, result.transactionId]);
  });

  test('a client-given transactionId is used, and reusing it answers 409', async () => {
    const client = t.client();
    // client.create() does not forward transactionId; mutate() and transactions do (in the body).
    const result = await client.mutate([{ create: { _id: 'a', _type: 'story' } }], {
      transactionId: 'my-tx-1',
      returnDocuments: false,
    });
    expect(result.transactionId).toBe('my-tx-1');
    expect((await client.getDocument('a'))?._rev).toBe('my-tx-1');
    const again = await failure(
      client.transaction().create({ _id: 'b', _type: 'story' }).transactionId('my-tx-1').commit(),
    );
    expect(again.statusCode).toBe(409);
  });

  test('_updatedAt moves and _createdAt stays on update', async () => {
    const client = t.client();
    await client.create({ _id: 'a', _type: 'story', _createdAt: '2020-01-01T00:00:00Z' });
    const updated = await client.patch('a').set({ x: 1 }).commit();
    expect(updated._createdAt).toBe('2020-01-01T00:00:00Z');
    expect(updated._updatedAt > '2020-01-01T00:00:00Z').toBe(true);
  });
});

describe('response options', () => {
  test('returnIds only: {transactionId, results: [{id, operation}]}', async () => {
    const client = t.client();
    const result = await client
      .transaction()
      .create({ _id: 'a', _type: 'story' })
      .createOrReplace({ _id: 'a', _type: 'story', v: 2 })
      .delete('zzz')
      .commit();
    expect(result.results).toEqual([
      { id: 'a', operation: 'create' },
      { id: 'a', operation: 'update' },
      { id: 'zzz', operation: 'delete' },
    ]);
    expect(result.documentIds).toEqual(['a', 'a', 'zzz']);
  });

  test('returnDocuments: each result carries the document as committed', async () => {
    const response = await fetch(
      `${t.lake.url}/v2025-02-19/data/mutate/production?returnIds=true&returnDocuments=true`,
      {
        method: 'POST',
        headers: { authorization: 'Bearer test-editor-token', 'content-type': 'application/json' },
        body: JSON.stringify({
          mutations: [{ create: { _id: 'a', _type: 'story' } }, { patch: { id: 'a', set: { t: 1 } } }],
        }),
      },
    );
    const body = (await response.json()) as {
      transactionId: string;
      results: { id: string; operation: string; document: { t?: number; _rev: string } }[];
    };
    expect(body.results.map((r) => [r.id, r.operation, r.document.t, r.document._rev])).toEqual([
      ['a', 'create', 1, body.transactionId],
      ['a', 'update', 1, body.transactionId],
    ]);
  });

  test('without returnIds or returnDocuments the results are empty', async () => {
    const response = await fetch(`${t.lake.url}/v2025-02-19/data/mutate/production`, {
      method: 'POST',
      headers: { authorization: 'Bearer test-editor-token' },
      body: JSON.stringify({ mutations: [{ create: { _id: 'a', _type: 'story' } }] }),
    });
    expect(await response.json()).toEqual({ transactionId: expect.any(String), results: [] });
  });

  test('dryRun answers as if applied but changes nothing', async () => {
    const client = t.client();
    const doc = await client.create({ _id: 'a', _type: 'story' }, { dryRun: true });
    expect(doc._id).toBe('a');
    expect(await client.getDocument('a')).toBeUndefined();
  });

  test('visibility sync, async and deferred are accepted; another value answers 400', async () => {
    const client = t.client();
    for (const visibility of ['sync', 'async', 'deferred'] as const) {
      await client.create({ _type: 'story' }, { visibility });
    }
    const response = await fetch(`${t.lake.url}/v2025-02-19/data/mutate/production?visibility=later`, {
      method: 'POST',
      headers: { authorization: 'Bearer test-editor-token' },
      body: JSON.stringify({ mutations: [{ create: { _type: 'story' } }] }),
    });
    expect(response.status).toBe(400);
  });

  test('autoGenerateArrayKeys adds _key to array objects that lack one', async () => {
    const doc = await t
      .client()
      .create({ _id: 'a', _type: 'story', items: [{ n: 1 }, { _key: 'keep', n: 2 }] }, { autoGenerateArrayKeys: true });
    const items = doc['items'] as { _key: string }[];
    expect(items[0]?._key).toMatch(/^[A-Za-z0-9]{12}$/);
    expect(items[1]?._key).toBe('keep');
  });
});
