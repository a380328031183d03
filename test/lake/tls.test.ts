import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startLake, tokenForRole, type RunningLake } from '../../lake/server.ts';

// `startLake({tls: true})`: HTTP/2 and HTTP/1.1 over TLS for browsers, plain HTTP for Node tools, one port.

let dir: string;
let lake: RunningLake | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lake-tls-'));
});
afterEach(async () => {
  await lake?.close();
  lake = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** One HTTP/2 request; answers the status, headers and body. */
function h2Get(
  url: string,
  path: string,
  headers: Record<string, string>,
  ca?: string,
): Promise<{ alpn: string | false | undefined; status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const session = connect(url, ca === undefined ? { rejectUnauthorized: false } : { ca });
    session.on('error', reject);
    const stream = session.request({ ':path': path, ...headers });
    let body = '';
    let responseHeaders: Record<string, unknown> = {};
    stream.on('response', (received) => (responseHeaders = received));
    stream.on('data', (chunk: Buffer) => (body += chunk.toString()));
    stream.on('end', () => {
      resolve({
        alpn: session.alpnProtocol,
        status: Number(responseHeaders[':status']),
        headers: responseHeaders,
        body,
      });
      session.close();
    });
    stream.on('error', reject);
    stream.end();
  });
}

describe('TLS mode', () => {
  test('serves HTTP/2 with a certificate for localhost and *.localhost, and plain HTTP on the same port', async () => {
    lake = await startLake({ dataFile: join(dir, 'data.ndjson'), tls: true });
    expect(lake.url).toBe(`https://localhost:${lake.port}`);
    expect(lake.httpUrl).toBe(`http://127.0.0.1:${lake.port}`);
    const pem = await readFile(lake.certFile ?? '', 'utf8');
    expect(new X509Certificate(pem).subjectAltName).toContain('DNS:*.localhost');
    // Verified against the certificate itself, as a Node tool given NODE_EXTRA_CA_CERTS would.
    const me = await h2Get(
      lake.url,
      '/v2025-02-19/users/me',
      { authorization: `Bearer ${tokenForRole(lake.tokens, 'editor') ?? ''}` },
      pem,
    );
    expect(me.alpn).toBe('h2');
    expect(me.status).toBe(200);
    expect(JSON.parse(me.body)).toMatchObject({ role: 'editor' });
    const plain = await fetch(`${lake.httpUrl}/v2025-02-19/data/query/production?query=count(*)`);
    expect(await plain.json()).toMatchObject({ result: 0 });
  });

  test("the Studio's host name carries the project id, and CORS echoes its origin with credentials", async () => {
    const origin = 'http://localhost:3334';
    lake = await startLake({ dataFile: join(dir, 'data.ndjson'), tls: true, corsOrigins: [origin] });
    const preflight = await h2Get(lake.url, '/v2025-02-19/data/query/production', {
      ':method': 'OPTIONS',
      ':authority': `newsroom.localhost:${lake.port}`,
      origin,
      'access-control-request-headers': 'authorization',
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers).toMatchObject({
      'access-control-allow-origin': origin,
      'access-control-allow-credentials': 'true',
      'access-control-allow-headers': 'authorization',
    });
    const query = await h2Get(
      lake.url,
      `/v2025-02-19/data/query/production?query=${encodeURIComponent('sanity::projectId()')}`,
      { ':authority': `newsroom.localhost:${lake.port}`, origin },
    );
    expect(JSON.parse(query.body)).toMatchObject({ result: 'newsroom' });
  });

  test('HTTP/1.1 over TLS works too, and the certificate is kept across restarts', async () => {
    lake = await startLake({ dataFile: join(dir, 'data.ndjson'), tls: true });
    const first = await readFile(lake.certFile ?? '', 'utf8');
    const port = lake.port;
    await lake.close();
    lake = await startLake({ dataFile: join(dir, 'data.ndjson'), tls: true, port });
    expect(await readFile(lake.certFile ?? '', 'utf8')).toBe(first);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpsRequest(`${lake?.url ?? ''}/v2025-02-19/data/query/production?query=1`, { ca: first }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(200);
  });
});
