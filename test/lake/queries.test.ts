import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { failure, startTestLake, TOKENS, type TestLake } from './lake-harness.ts';

let t: TestLake;
beforeEach(async () => {
  t = await startTestLake();
  // One published story with a newer draft, one draft that was never published, one published-only page.
  await t
    .client()
    .transaction()
    .create({ _id: 'story-1', _type: 'story', title: 'Published title' })
    .create({ _id: 'drafts.story-1', _type: 'story', title: 'Draft title' })
    .create({ _id: 'drafts.story-2', _type: 'story', title: 'Only a draft' })
    .create({ _id: 'page-1', _type: 'page', title: 'About' })
    .commit();
});
afterEach(async () => {
  await t.close();
});

const titles = '*[]{_id, title, _originalId} | order(_id asc)';

describe('perspectives', () => {
  test('published (the default for API v2025-02-19) shows published documents only, even to an editor', async () => {
    expect(await t.client().fetch(titles)).toEqual([
      { _id: 'page-1', title: 'About', _originalId: null },
      { _id: 'story-1', title: 'Published title', _originalId: null },
    ]);
    expect(await t.client().fetch(titles, {}, { perspective: 'published' })).toEqual(await t.client().fetch(titles));
  });

  test('drafts overlays drafts on published ids and keeps the real id in _originalId', async () => {
    expect(await t.client().fetch(titles, {}, { perspective: 'drafts' })).toEqual([
      { _id: 'page-1', title: 'About', _originalId: 'page-1' },
      { _id: 'story-1', title: 'Draft title', _originalId: 'drafts.story-1' },
      { _id: 'story-2', title: 'Only a draft', _originalId: 'drafts.story-2' },
    ]);
  });

  test('raw shows every document under its own id', async () => {
    const ids = await t.client().fetch<string[]>('*[]._id | order(@ asc)', {}, { perspective: 'raw' });
    expect(ids).toEqual(['drafts.story-1', 'drafts.story-2', 'page-1', 'story-1']);
  });

  test('raw is the default before API v2025-02-19, but hides private (drafts.) ids from anonymous readers', async () => {
    const old = await t.client(TOKENS.viewer, '2021-10-21').fetch<string[]>('*[]._id | order(@ asc)');
    expect(old).toEqual(['drafts.story-1', 'drafts.story-2', 'page-1', 'story-1']);
    const anonymous = await t.client(null, '2021-10-21').fetch<string[]>('*[]._id | order(@ asc)');
    expect(anonymous).toEqual(['page-1', 'story-1']);
  });

  test('a stacked perspective (release, drafts, published) picks the first layer that has the document', async () => {
    await t.client().create({ _id: 'versions.rSpring.story-1', _type: 'story', title: 'Spring release title' });
    const result = await t.client().fetch(titles, {}, { perspective: ['rSpring', 'drafts'] });
    expect(result).toContainEqual({
      _id: 'story-1',
      title: 'Spring release title',
      _originalId: 'versions.rSpring.story-1',
    });
  });

  test('raw cannot be combined with other perspectives', async () => {
    const response = await fetch(`${t.lake.url}/v2025-02-19/data/query/production?query=*&perspective=raw,drafts`, {
      headers: { authorization: `Bearer ${TOKENS.editor}` },
    });
    expect(response.status).toBe(400);
  });
});

describe('query endpoint', () => {
  test('answers {query, result, ms} and honours $params', async () => {
    const response = await fetch(
      `${t.lake.url}/v2025-02-19/data/query/production?query=${encodeURIComponent('*[_type == $type][0].title')}&%24type=%22page%22`,
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const body = (await response.json()) as { query: string; result: unknown; ms: number };
    expect(body).toEqual({ query: '*[_type == $type][0].title', result: 'About', ms: expect.any(Number) });
  });

  test('client.fetch with filterResponse: false returns the raw response', async () => {
    const raw = await t.client().fetch('count(*)', {}, { filterResponse: false });
    expect(raw).toMatchObject({ result: 2, query: 'count(*)' });
  });

  test('long queries go by POST with {query, params}', async () => {
    const ids = Array.from({ length: 1500 }, (_, index) => `missing-id-number-${index}`);
    const result = await t.client().fetch('*[_id in $ids || _id == $one]._id', { ids, one: 'page-1' });
    expect(result).toEqual(['page-1']);
  });

  test('sanity::dataset() and sanity::projectId() know where they run', async () => {
    expect(await t.client().fetch('[sanity::projectId(), sanity::dataset()]')).toEqual(['local', 'production']);
  });

  test('a GROQ syntax error answers 400 queryParseError with the position', async () => {
    const query = '*[_type == "story"';
    const { statusCode, body, message } = await failure(t.client().fetch(query));
    expect(statusCode).toBe(400);
    expect(body).toEqual({
      error: { type: 'queryParseError', description: 'Unexpected end of query', query, start: 17, end: 18 },
    });
    expect(message).toContain('GROQ query parse error');
  });

  test('a parameter used but not provided answers 400 naming it', async () => {
    const { statusCode, body } = await failure(t.client().fetch('*[_type == $kind]'));
    expect(statusCode).toBe(400);
    expect(body).toMatchObject({
      error: { type: 'queryParseError', description: 'param $kind referenced, but not provided', start: 11, end: 16 },
    });
  });

  test('a $param that is not JSON answers 400', async () => {
    const response = await fetch(
      `${t.lake.url}/v2025-02-19/data/query/production?query=*%5B_id%3D%3D%24id%5D&%24id=page-1`,
    );
    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).toContain('$id');
  });

  test('a dataset that was never written answers 404; an administrator writing to it creates it, an editor may not', async () => {
    const staging = t.client(TOKENS.admin, '2025-02-19', 'staging');
    const { statusCode } = await failure(staging.fetch('*'));
    expect(statusCode).toBe(404);
    const refused = await failure(
      t.client(TOKENS.editor, '2025-02-19', 'staging').create({ _id: 'x', _type: 'story' }),
    );
    expect(refused.statusCode).toBe(403);
    expect(refused.message).toContain('creating a dataset requires the administrator role');
    expect((await failure(staging.fetch('*'))).statusCode).toBe(404);
    await staging.create({ _id: 'x', _type: 'story' });
    expect(await staging.fetch('*[]._id')).toEqual(['x']);
    expect(await t.client().fetch('count(*[_id == "x"])')).toBe(0);
  });
});

describe('doc endpoint', () => {
  test('getDocument and getDocuments read by id; missing ids are omitted with reason "existence"', async () => {
    const client = t.client();
    expect(await client.getDocument('drafts.story-1')).toMatchObject({ title: 'Draft title' });
    expect(await client.getDocument('nope')).toBeUndefined();
    const docs = await client.getDocuments(['story-1', 'nope', 'page-1']);
    expect(docs.map((doc) => doc?._id ?? null)).toEqual(['story-1', null, 'page-1']);
    const response = await fetch(`${t.lake.url}/v2025-02-19/data/doc/production/story-1,nope`);
    expect(await response.json()).toEqual({
      documents: [expect.objectContaining({ _id: 'story-1' })],
      omitted: [{ id: 'nope', reason: 'existence' }],
    });
  });

  test('anonymous readers get drafts omitted with reason "permission"', async () => {
    const response = await fetch(`${t.lake.url}/v2025-02-19/data/doc/production/drafts.story-1,story-1`);
    const body = (await response.json()) as { documents: { _id: string }[]; omitted: unknown[] };
    expect(body.documents.map((doc) => doc._id)).toEqual(['story-1']);
    expect(body.omitted).toEqual([{ id: 'drafts.story-1', reason: 'permission' }]);
  });

  test('documentsExists and includeAllVersions', async () => {
    const client = t.client();
    expect([...(await client.documentsExists(['story-1', 'drafts.story-2', 'ghost']))].sort()).toEqual([
      'drafts.story-2',
      'story-1',
    ]);
    const all = await client.getDocument('story-1', { includeAllVersions: true });
    expect(all.map((doc) => doc._id)).toEqual(['drafts.story-1', 'story-1']);
  });
});

describe('export endpoint', () => {
  test('streams the dataset as NDJSON, drafts only with a token', async () => {
    const authed = await (
      await fetch(`${t.lake.url}/v2021-06-07/data/export/production`, {
        headers: { authorization: `Bearer ${TOKENS.viewer}` },
      })
    ).text();
    expect(
      authed
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { _id: string })._id),
    ).toEqual(['drafts.story-1', 'drafts.story-2', 'page-1', 'story-1']);
    const anonymous = await (await fetch(`${t.lake.url}/v2021-06-07/data/export/production`)).text();
    expect(anonymous.trim().split('\n')).toHaveLength(2);
  });

  test('types= keeps the documents of those types, as Sanity does', async () => {
    const stories = await (
      await fetch(`${t.lake.url}/v2021-06-07/data/export/production?types=story`, {
        headers: { authorization: `Bearer ${TOKENS.viewer}` },
      })
    ).text();
    expect(
      stories
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { _id: string })._id),
    ).toEqual(['drafts.story-1', 'drafts.story-2', 'story-1']);
  });
});
