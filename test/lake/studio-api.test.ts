import { request } from 'node:http';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startTestLake, TOKENS, type TestLake } from './lake-harness.ts';

// The project-level endpoints the Studio calls: who the user is, what the user may do, preferences, and the
// hosted features that answer empty.

let t: TestLake;
beforeEach(async () => {
  t = await startTestLake();
});
afterEach(async () => {
  await t.close();
});

const as = (token: string | null): Record<string, string> =>
  token === null ? {} : { authorization: `Bearer ${token}` };

async function get(
  path: string,
  token: string | null = TOKENS.editor,
): Promise<{ status: number; body: unknown; type: string }> {
  const response = await fetch(`${t.lake.url}${path}`, { headers: as(token) });
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  return { status: response.status, body: type.includes('json') && text !== '' ? JSON.parse(text) : text, type };
}

describe('users', () => {
  test.each([
    ['editor', TOKENS.editor, 'Test Editor'],
    ['viewer', TOKENS.viewer, 'Test Viewer'],
  ])('/users/me for the %s token is a user with id, name, email, role and roles', async (role, token, name) => {
    const { status, body } = await get('/v2025-02-19/users/me', token);
    expect(status).toBe(200);
    expect(body).toEqual(
      expect.objectContaining({
        id: expect.any(String),
        name,
        email: expect.stringContaining('@'),
        role,
        roles: [{ name: role, title: role[0]?.toUpperCase() + role.slice(1) }],
      }),
    );
  });

  test('/users/me without a token has no id (the Studio then shows its login screen)', async () => {
    const { status, body } = await get('/v2025-02-19/users/me', null);
    expect(status).toBe(200);
    expect(body).not.toHaveProperty('id');
  });

  test('/users/:ids finds the users behind the tokens', async () => {
    const me = (await get('/v2025-02-19/users/me')).body as { id: string };
    const { body } = await get(`/v2025-02-19/users/${me.id},nobody`);
    expect(body).toEqual([expect.objectContaining({ id: me.id, displayName: 'Test Editor' })]);
  });

  test('key-value preferences are kept per user', async () => {
    const put = await fetch(`${t.lake.url}/v2025-02-19/users/me/keyvalue`, {
      method: 'PUT',
      headers: { ...as(TOKENS.editor), 'content-type': 'application/json' },
      body: JSON.stringify([{ key: 'studio.x', value: { a: 1 } }]),
    });
    expect(await put.json()).toEqual([{ key: 'studio.x', value: { a: 1 } }]);
    expect((await get('/v2025-02-19/users/me/keyvalue/studio.x,studio.y')).body).toEqual([
      { key: 'studio.x', value: { a: 1 } },
      { key: 'studio.y', value: null },
    ]);
    expect((await get('/v2025-02-19/users/me/keyvalue/studio.x', TOKENS.viewer)).body).toEqual([
      { key: 'studio.x', value: null },
    ]);
  });
});

describe('dataset ACL', () => {
  test.each([
    ['editor', TOKENS.editor, ['read', 'create', 'update', 'history', 'editHistory']],
    ['viewer', TOKENS.viewer, ['read', 'history']],
  ])('the %s gets the grants of its role', async (_role, token, permissions) => {
    const { status, body } = await get('/v2021-06-07/projects/local/datasets/production/acl', token);
    expect(status).toBe(200);
    expect(body).toEqual([{ filter: '_id in path("**")', permissions }]);
  });
});

describe('the project id comes from a <projectId>.localhost host name', () => {
  test('a Host header names the project, as the Studio sends it with apiHost', async () => {
    const port = new URL(t.lake.url).port;
    // fetch() does not let a caller set Host; a raw HTTP/1.1 request does.
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/v2025-02-19/data/query/production?query=sanity::projectId()',
          headers: { host: `newsroom.localhost:${port}` },
        },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve(text));
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(JSON.parse(body)).toMatchObject({ result: 'newsroom' });
  });
});

describe('hosted features answer empty at once', () => {
  test.each([
    ['/v2025-02-19/data/history/production/events/documents/story-a?limit=50', { events: {}, nextCursor: '' }],
    ['/v2025-02-19/data/history/production/documents/story-a?time=2026-01-01T00:00:00Z', { documents: [] }],
    [
      '/v2025-02-19/data/references/production/documents/story-a/to?excludeInternalReferences=true',
      { totalCount: 0, references: [] },
    ],
    ['/v2025-02-19/features', []],
    ['/v2025-02-19/schedules/local/production?limit=1', { schedules: [] }],
    ['/v2025-02-19/projects/local/user-applications', []],
    ['/v2025-02-19/intake/telemetry-status', { status: 'denied' }],
    ['/v2025-02-19/journey/trial?studioVersion=6.8.0', null],
    ['/vX/journey/comments', null],
    ['/v2024-07-01/access/requests/me', []],
    ['/v1/help?m=sanity%406.8.0&locale=en-US&tag=sanity.studio.module.version-check', {}],
  ])('GET %s', async (path, expected) => {
    const { status, body } = await get(path);
    expect(status).toBe(200);
    expect(body).toEqual(expected);
  });

  test('the data ping answers (the Studio asks it once per open document, for latency reports)', async () => {
    const { status, body } = await get('/v2025-02-19/data/ping/production');
    expect(status).toBe(200);
    expect(body).toBe('PONG');
  });

  test('the transaction history is empty NDJSON', async () => {
    const { status, body, type } = await get(
      '/v2025-02-19/data/history/production/transactions/story-a,drafts.story-a?limit=50',
    );
    expect(status).toBe(200);
    expect(type).toContain('application/x-ndjson');
    expect(body).toBe('');
  });

  test('the project answers with its members', async () => {
    const { body } = await get('/v2021-12-15/projects/local');
    expect(body).toMatchObject({
      id: 'local',
      members: expect.arrayContaining([expect.objectContaining({ role: 'editor', isCurrentUser: true })]),
    });
  });
});

describe('the page a browser sees at the root', () => {
  test('links back to the Studio, for an editor who came to accept the certificate; tools still get JSON', async () => {
    await t.close();
    t = await startTestLake({ corsOrigins: ['http://localhost:3334'] });
    const page = await fetch(`${t.lake.url}/`, { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await page.text();
    expect(html).toContain('certificate');
    expect(html).toContain('<a href="http://localhost:3334/">');
    const { body } = await get('/', null);
    expect(body).toMatchObject({ service: 'lake' });
  });
});
