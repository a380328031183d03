// A content source that fails (unreachable, refusing) is reported as the source failing, with its cause: not as a
// content problem for editors to fix. Real processes and a real HTTP server; nothing is mocked.
import { createServer, type Server } from 'node:http';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ContentError } from '../src/lib/model/content-error.ts';
import { fetchSiteDocuments } from '../src/lib/sources/sanity/site-source.ts';
import { SourceError } from '../src/lib/sources/source-error.ts';
import { childEnv, closedPort, runScript } from './sanity/sanity-harness.ts';

let dir: string;
/** An API that refuses every request with 401, as Sanity does for a revoked token. */
let refusing: Server;
let refusingUrl: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'newsdesk-source-failure-'));
  refusing = createServer((_request, response) => {
    response.writeHead(401, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ error: 'Unauthorized', message: 'Session not found', statusCode: 401 }));
  });
  await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
  const address = refusing.address();
  if (address === null || typeof address === 'string') throw new Error('expected a TCP address');
  refusingUrl = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => refusing.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

const config = (apiHost: string) => ({
  projectId: 'local',
  dataset: 'production',
  apiVersion: '2025-02-19',
  token: 'some-token',
  apiHost,
  preview: false,
});

describe('fetchSiteDocuments', () => {
  test('an unreachable API is a SourceError naming the host and the cause, not a ContentError', async () => {
    const host = `http://127.0.0.1:${await closedPort()}`;
    const error: unknown = await fetchSiteDocuments(config(host)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceError);
    expect(error).not.toBeInstanceOf(ContentError);
    expect((error as SourceError).source).toBe(host);
    expect((error as SourceError).message).toBe(
      `the content source failed: could not reach Sanity at ${host} (ECONNREFUSED); check SANITY_API_HOST, the network, or start the local API with \`npm run lake\``,
    );
    expect((error as SourceError).cause).toBeDefined();
  });

  test('an API that refuses the token is a SourceError that names the token', async () => {
    const error: unknown = await fetchSiteDocuments(config(refusingUrl)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceError);
    expect((error as SourceError).message).toBe(
      `the content source failed: Sanity at ${refusingUrl} refused the token (401); check SANITY_TOKEN`,
    );
  });
});

describe('npm run build with a failing source', () => {
  test.each([
    [
      'unreachable',
      async () => `http://127.0.0.1:${await closedPort()}`,
      /could not reach Sanity at .* \(ECONNREFUSED\)/,
    ],
    ['refusing the token', () => Promise.resolve(refusingUrl), /refused the token \(401\); check SANITY_TOKEN/],
  ])(
    'an API %s: the build says the source failed, with the cause, and does not blame the content',
    async (_name, host, cause) => {
      const outDir = path.join(dir, `out-${_name.replace(/\W+/g, '-')}`);
      const run = await runScript(
        'scripts/build.ts',
        ['--outDir', outDir],
        childEnv({
          SANITY_PROJECT_ID: 'local',
          SANITY_DATASET: 'production',
          SANITY_API_HOST: await host(),
          SANITY_TOKEN: 'some-token',
          NEWS_CACHE_DIR: path.join(dir, 'cache'),
        }),
      );
      expect(run.code).toBe(1);
      const lines = run.stderr.trim().split('\n');
      expect(lines[0]).toMatch(/^the content source failed: /);
      expect(lines[0]).toMatch(cause);
      expect(lines[0]).toMatch(new RegExp(`; ${outDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} was left as it was\\.$`));
      expect(run.stderr).toContain('This is not a problem in the content');
      expect(run.stderr).not.toContain('content problem');
      expect(run.stderr).not.toContain('Fix each entry');
      expect(run.stderr).not.toMatch(/^\s+at /m);
      expect(await readdir(outDir).catch(() => 'absent')).toBe('absent');
    },
    60_000,
  );
});
