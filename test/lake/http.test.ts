import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type ClientHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createLakeApp } from '../../lake/server.ts';
import { startTestLake, TOKENS, type TestLake } from './lake-harness.ts';

let t: TestLake;
beforeEach(async () => {
  t = await startTestLake({ bodyLimit: 1024 * 1024, corsOrigins: ['http://localhost:3333'] });
});
afterEach(async () => {
  await t.close();
});

const editor = { authorization: `Bearer ${TOKENS.editor}` };

describe('malformed requests never crash the lake', () => {
  test('malformed JSON answers 400 httpInvalidRequestBody, quoting the body', async () => {
    const response = await fetch(`${t.lake.url}/v2025-02-19/data/mutate/production`, {
      method: 'POST',
      headers: editor,
      body: '{"mutations": [',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: { type: 'httpInvalidRequestBody', body: '{"mutations": [', bodyTruncated: false },
    });
  });

  test.each([
    ['an empty body', ''],
    ['a JSON array', '[]'],
    ['no mutations', '{}'],
    ['mutations that are not objects', '{"mutations": [42]}'],
    ['an unknown mutation', '{"mutations": [{"upsert": {"_id": "a"}}]}'],
  ])('%s answers 400', async (_name, body) => {
    const response = await fetch(`${t.lake.url}/v2025-02-19/data/mutate/production`, {
      method: 'POST',
      headers: editor,
      body,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toHaveProperty('error');
  });

  test('a body over the limit answers 413 and the lake keeps serving', async () => {
    const huge = JSON.stringify({ mutations: [{ create: { _type: 'blob', data: 'x'.repeat(2 * 1024 * 1024) } }] });
    const response = await fetch(`${t.lake.url}/v2025-02-19/data/mutate/production`, {
      method: 'POST',
      headers: editor,
      body: huge,
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: { type: 'httpPayloadTooLarge' } });
    expect(await t.client().fetch('count(*)')).toBe(0);
  });

  test.each([
    ['/nothing-here', 404],
    ['/v2025-02-19/nothing-here', 404],
    ['/v2025-02-19/data/frobnicate/production', 404],
    ['/v2025-02-19/data/query', 404],
    ['/vNOPE/data/query/production?query=*', 404],
    ['/v2025-02-19/data/query/Bad%20Name?query=*', 400],
    ['/v2025-02-19/data/query/production', 400],
  ])('GET %s answers %i in a JSON error shape', async (path, status) => {
    const response = await fetch(`${t.lake.url}${path}`);
    expect(response.status).toBe(status);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body['error']).toBeDefined();
  });

  test('a wrong method answers 405', async () => {
    const response = await fetch(`${t.lake.url}/v2025-02-19/data/mutate/production`, { headers: editor });
    expect(response.status).toBe(405);
  });

  test('CORS: preflight from an allowed origin answers 204 and responses echo the origin', async () => {
    const preflight = await fetch(`${t.lake.url}/v2025-02-19/data/query/production`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:3333', 'access-control-request-headers': 'authorization' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://localhost:3333');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('authorization');
    const response = await fetch(`${t.lake.url}/v2025-02-19/data/query/production?query=1`, {
      headers: { origin: 'http://localhost:3333' },
    });
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
  });
});

describe('node:http2 compatibility', () => {
  test('the same handler serves query, mutate and errors over HTTP/2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lake-h2-'));
    const app = await createLakeApp({
      dataFile: join(dir, 'data.ndjson'),
      tokens: { [TOKENS.editor]: { role: 'editor' } },
    });
    const server = createServer(app.handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const session = connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    try {
      const created = await h2(
        session,
        'POST',
        '/v2025-02-19/data/mutate/production?returnIds=true',
        JSON.stringify({ mutations: [{ create: { _id: 'a', _type: 'story' } }] }),
      );
      expect(created.status).toBe(200);
      expect(JSON.parse(created.body)).toMatchObject({ results: [{ id: 'a', operation: 'create' }] });
      const queried = await h2(session, 'GET', '/v2025-02-19/data/query/production?query=*%5B%5D._id');
      expect(JSON.parse(queried.body)).toMatchObject({ result: ['a'] });
      const broken = await h2(session, 'POST', '/v2025-02-19/data/mutate/production', '{nope');
      expect(broken.status).toBe(400);
    } finally {
      session.close();
      await new Promise((resolve) => server.close(resolve));
      await app.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

function h2(
  session: ClientHttp2Session,
  method: string,
  path: string,
  body?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const stream = session.request({
      ':method': method,
      ':path': path,
      authorization: `Bearer ${TOKENS.editor}`,
      'content-type': 'application/json',
    });
    let status = 0;
    let text = '';
    stream.on('response', (headers) => {
      status = Number(headers[':status']);
    });
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      text += chunk;
    });
    stream.on('end', () => resolve({ status, body: text }));
    stream.on('error', reject);
    stream.end(body);
  });
}
