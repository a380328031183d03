import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { failure, startTestLake, TOKENS, type TestLake } from './lake-harness.ts';

let t: TestLake;
beforeEach(async () => {
  t = await startTestLake();
  await t
    .client()
    .transaction()
    .create({ _id: 'story-1', _type: 'story' })
    .create({ _id: 'drafts.story-1', _type: 'story' })
    .commit();
});
afterEach(async () => {
  await t.close();
});

describe('token rules', () => {
  test('published documents are public', async () => {
    expect(await t.client(null).fetch('*[]._id')).toEqual(['story-1']);
    expect(await t.client(null).getDocument('story-1')).toMatchObject({ _id: 'story-1' });
  });

  test.each([
    ['no token', null],
    ['an unknown token', 'not-a-real-token'],
  ])("writes with %s answer 401 in Sanity's shape", async (_name, token) => {
    const { statusCode, body } = await failure(t.client(token).create({ _type: 'story' }));
    expect(statusCode).toBe(401);
    expect(body).toMatchObject({ statusCode: 401, error: 'Unauthorized', message: expect.any(String) });
  });

  test('an unknown token is refused even for public reads (Session not found)', async () => {
    const { statusCode, body } = await failure(t.client('not-a-real-token').fetch('*'));
    expect(statusCode).toBe(401);
    expect(body).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'Session not found',
      errorCode: 'SIO-401-ANF',
    });
  });

  test.each(['drafts', 'raw'] as const)('the %s perspective needs a token', async (perspective) => {
    const { statusCode } = await failure(t.client(null).fetch('*', {}, { perspective }));
    expect(statusCode).toBe(401);
  });

  test('a viewer reads drafts but cannot write (403 insufficient permissions)', async () => {
    const viewer = t.client(TOKENS.viewer);
    expect(await viewer.fetch('*[]._id | order(@ asc)', {}, { perspective: 'raw' })).toEqual([
      'drafts.story-1',
      'story-1',
    ]);
    expect(await viewer.getDocument('drafts.story-1')).toMatchObject({ _id: 'drafts.story-1' });
    const { statusCode, body } = await failure(viewer.patch('story-1').set({ a: 1 }).commit());
    expect(statusCode).toBe(403);
    expect(body).toMatchObject({
      error: {
        type: 'mutationError',
        items: [{ error: { type: 'insufficientPermissionsError', permission: 'update' } }],
      },
    });
  });

  test('editors and administrators write', async () => {
    await t.client(TOKENS.editor).patch('story-1').set({ by: 'editor' }).commit();
    await t.client(TOKENS.admin).patch('story-1').set({ by: 'admin' }).commit();
    expect((await t.client(null).getDocument('story-1'))?.['by']).toBe('admin');
  });

  test('identity() is the caller', async () => {
    expect(await t.client(TOKENS.editor).fetch('identity()')).toBe('lake-test-editor');
  });

  test('/users/me: {} when anonymous, the user with a token', async () => {
    expect(await (await fetch(`${t.lake.url}/v2025-02-19/users/me`)).json()).toEqual({});
    const me = await t.client(TOKENS.viewer).request<{ name: string; role: string }>({ url: '/users/me' });
    expect(me).toMatchObject({ name: 'Test Viewer', role: 'viewer' });
  });
});

describe('datasets API', () => {
  test('administrators create and delete datasets; editors may only list', async () => {
    const admin = t.client(TOKENS.admin);
    await admin.datasets.create('staging');
    expect((await admin.datasets.list()).map((d) => d.name)).toEqual(['production', 'staging']);
    expect(await t.client(TOKENS.admin, '2025-02-19', 'staging').fetch('count(*)')).toBe(0);
    const { statusCode } = await failure(t.client(TOKENS.editor).datasets.delete('staging'));
    expect(statusCode).toBe(403);
    await admin.datasets.delete('staging');
    expect((await admin.datasets.list()).map((d) => d.name)).toEqual(['production']);
  });
});
