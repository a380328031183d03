import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect as connectHttp2 } from 'node:http2';
import { connect as connectTcp, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as connectTls } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { serveStudio } from '../../scripts/newsroom/studio-server.ts';
import { NODE, ROOT, spawnServing, type ServingProcess } from './processes.ts';

// "Lake access": a web page (any other origin, or a DNS-rebinding domain) cannot drive the local API, and the lake's
// own surfaces (tokens, data files, assets, the member list, idle connections) do not leak. Every test attacks a real
// lake started as a child process (`node scripts/lake.ts`, or `startLake` in a child for options the CLI does not
// expose), the way a page in the editor's browser or another user of the machine would.

const STUDIO = 'http://localhost:3334';
const EVIL = 'https://evil.example';

/** A lake child process and its data folder. */
interface LakeProcess extends ServingProcess {
  dir: string;
}

const running = new Set<LakeProcess>();
const dirs: string[] = [];

async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lake-access-'));
  dirs.push(dir);
  return dir;
}

/** Starts `node <args>` (see `spawnServing`), tracked so that `afterEach` stops it. */
async function spawnUntil(args: string[], env: NodeJS.ProcessEnv, ready: RegExp, dir: string): Promise<LakeProcess> {
  const serving = await spawnServing(args, { env, ready });
  const lake: LakeProcess = {
    ...serving,
    dir,
    stop: async () => {
      running.delete(lake);
      await serving.stop();
    },
  };
  running.add(lake);
  return lake;
}

/** `node scripts/lake.ts --port 0 --data <dir>/data.ndjson ...args`, as `npm run lake` runs it. */
async function startCli(args: string[] = [], env: NodeJS.ProcessEnv = {}, dir?: string): Promise<LakeProcess> {
  const folder = dir ?? (await freshDir());
  return spawnUntil(
    [join(ROOT, 'scripts', 'lake.ts'), '--port', '0', '--data', join(folder, 'data.ndjson'), ...args],
    { LAKE_TOKENS: '', LAKE_HOST: '', ...env },
    / at (http:\/\/\S+) \(/,
    folder,
  );
}

/** A child process running `startLake(options)` (TLS, short timeouts: what the CLI does not expose). */
async function startInChild(options: Record<string, unknown>): Promise<LakeProcess> {
  const dir = await freshDir();
  const program = `const { startLake } = await import(${JSON.stringify(join(ROOT, 'lake', 'server.ts'))});
const lake = await startLake({ dataFile: ${JSON.stringify(join(dir, 'data.ndjson'))}, ...${JSON.stringify(options)} });
console.log('READY ' + lake.httpUrl + ' ');
process.on('SIGTERM', () => lake.close().then(() => process.exit(0)));`;
  return spawnUntil(['--input-type=module', '-e', program], {}, /READY (\S+) /, dir);
}

/** The generated token for `role` in a lake's data folder. */
async function tokenOf(lake: LakeProcess, role: 'administrator' | 'editor' | 'viewer'): Promise<string> {
  const tokens = JSON.parse(await readFile(join(lake.dir, 'tokens.json'), 'utf8')) as Record<string, { role: string }>;
  const token = Object.entries(tokens).find(([, grant]) => grant.role === role)?.[0];
  if (token === undefined) throw new Error(`no ${role} token in ${lake.dir}/tokens.json`);
  return token;
}

/** One HTTP/1.1 request with any headers (fetch cannot set Host), answering status, headers and body. */
function raw(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Milliseconds until the server closes `socket`, or `limitMs` (the test's bound) if it is still open then. */
function closedWithin(socket: Socket, limitMs: number): Promise<number> {
  const started = performance.now();
  // Read whatever the server sends (a 408, say): a paused socket with unread data never reports its end.
  socket.resume();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(limitMs);
    }, limitMs);
    socket.on('error', () => undefined);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(performance.now() - started);
    });
  });
}

function tcp(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

afterEach(async () => {
  for (const lake of [...running]) await lake.stop();
});

afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('a page from another origin cannot drive the API', () => {
  let lake: LakeProcess;
  let editor: string;
  let admin: string;
  beforeAll(async () => {
    lake = await startCli(['--cors-origin', STUDIO]);
    editor = await tokenOf(lake, 'editor');
    admin = await tokenOf(lake, 'administrator');
    // A draft and a second dataset, for the page to try to read and delete.
    const created = await raw(`${lake.url}/v2025-02-19/data/mutate/production`, {
      method: 'POST',
      headers: { authorization: `Bearer ${editor}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        mutations: [{ create: { _id: 'drafts.secret', _type: 'story', title: 'Unpublished scoop' } }],
      }),
    });
    expect(created.status).toBe(200);
    expect(
      (await raw(`${lake.url}/v1/datasets/staging`, { method: 'PUT', headers: { authorization: `Bearer ${admin}` } }))
        .status,
    ).toBe(200);
    running.delete(lake);
  });
  afterAll(async () => {
    running.add(lake);
    await lake.stop();
  });

  test.each([EVIL, 'null'])('Origin %s: preflight refused, no CORS headers, no credentials', async (origin) => {
    const preflight = await raw(`${lake.url}/v2025-02-19/data/mutate/production`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(preflight.headers['access-control-allow-credentials']).toBeUndefined();
  });

  test.each([EVIL, 'null'])(
    'Origin %s with a token: reading drafts, writing and deleting a dataset are refused',
    async (origin) => {
      const read = await raw(
        `${lake.url}/v2025-02-19/data/query/production?query=${encodeURIComponent('*[_id in path("drafts.**")]')}&perspective=raw`,
        { headers: { origin, authorization: `Bearer ${editor}` } },
      );
      expect(read.status).toBe(403);
      expect(read.body).not.toContain('Unpublished scoop');
      expect(read.headers['access-control-allow-origin']).toBeUndefined();
      const write = await raw(`${lake.url}/v2025-02-19/data/mutate/production`, {
        method: 'POST',
        headers: { origin, authorization: `Bearer ${editor}`, 'content-type': 'application/json' },
        body: JSON.stringify({ mutations: [{ create: { _id: 'planted', _type: 'story' } }] }),
      });
      expect(write.status).toBe(403);
      expect(JSON.parse(write.body)).toMatchObject({ message: expect.stringContaining('CORS origin not allowed') });
      // A "simple" cross-origin POST (no preflight, no token) is refused too.
      const simple = await raw(`${lake.url}/v2025-02-19/data/mutate/production`, {
        method: 'POST',
        headers: { origin, 'content-type': 'text/plain' },
        body: JSON.stringify({ mutations: [{ create: { _id: 'planted', _type: 'story' } }] }),
      });
      expect(simple.status).toBe(403);
      const drop = await raw(`${lake.url}/v1/datasets/staging`, {
        method: 'DELETE',
        headers: { origin, authorization: `Bearer ${admin}` },
      });
      expect(drop.status).toBe(403);
      // Nothing happened: the document was not written and the dataset is still there (asked without an Origin).
      const check = await raw(`${lake.url}/v2025-02-19/data/doc/production/planted`, {
        headers: { authorization: `Bearer ${editor}` },
      });
      expect(JSON.parse(check.body)).toMatchObject({ documents: [] });
      const list = await raw(`${lake.url}/v1/datasets`, { headers: { authorization: `Bearer ${admin}` } });
      expect(JSON.parse(list.body)).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'staging' })]));
    },
  );

  test('an anonymous read from another origin gets no CORS headers, so the page cannot read it', async () => {
    const read = await raw(`${lake.url}/v2025-02-19/data/query/production?query=1`, { headers: { origin: EVIL } });
    expect(read.status).toBe(200);
    expect(read.headers['access-control-allow-origin']).toBeUndefined();
  });

  test("the Studio's origin keeps CORS with credentials; Node clients (no Origin) are unaffected", async () => {
    const preflight = await raw(`${lake.url}/v2025-02-19/data/mutate/production`, {
      method: 'OPTIONS',
      headers: { origin: STUDIO, 'access-control-request-headers': 'authorization' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers).toMatchObject({
      'access-control-allow-origin': STUDIO,
      'access-control-allow-credentials': 'true',
    });
    const read = await raw(`${lake.url}/v2025-02-19/data/doc/production/drafts.secret`, {
      headers: { origin: STUDIO, authorization: `Bearer ${editor}` },
    });
    expect(read.status).toBe(200);
    expect(read.body).toContain('Unpublished scoop');
    const node = await raw(`${lake.url}/v2025-02-19/data/doc/production/drafts.secret`, {
      headers: { authorization: `Bearer ${editor}` },
    });
    expect(node.body).toContain('Unpublished scoop');
    expect(node.headers['access-control-allow-credentials']).toBeUndefined();
  });

  test.each(['attacker.example', `attacker.example:PORT`, 'localhost.attacker.example', '127.0.0.1.nip.io:PORT'])(
    'a rebinding Host %s is refused',
    async (host) => {
      const response = await raw(`${lake.url}/v2025-02-19/data/doc/production/drafts.secret`, {
        headers: { host: host.replace('PORT', String(lake.port)), authorization: `Bearer ${editor}` },
      });
      expect(response.status).toBe(403);
      expect(response.body).not.toContain('Unpublished scoop');
      expect(JSON.parse(response.body)).toMatchObject({ message: expect.stringContaining('not allowed') });
    },
  );

  test.each(['localhost:PORT', 'local.localhost:PORT', '127.0.0.1:PORT', '[::1]:PORT', 'localhost'])(
    'a loopback Host %s is answered',
    async (host) => {
      const response = await raw(`${lake.url}/v2025-02-19/data/query/production?query=1`, {
        headers: { host: host.replace('PORT', String(lake.port)) },
      });
      expect(response.status).toBe(200);
    },
  );
});

describe('tokens', () => {
  test('are random per data folder, kept with mode 0600 across restarts, and the old fixed ones are refused', async () => {
    const first = await startCli();
    const second = await startCli();
    const file = join(first.dir, 'tokens.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const tokensA = Object.keys(JSON.parse(await readFile(file, 'utf8')) as object);
    const tokensB = Object.keys(JSON.parse(await readFile(join(second.dir, 'tokens.json'), 'utf8')) as object);
    // One per role: administrator, editor, viewer and the comments endpoint's commenter.
    expect(tokensA).toHaveLength(4);
    expect(tokensA.filter((token) => tokensB.includes(token))).toEqual([]);
    for (const token of tokensA) expect(token.length).toBeGreaterThanOrEqual(32);
    // Folder A's token means nothing to lake B; the fixed development token means nothing to either.
    expect(
      (
        await raw(`${second.url}/v2025-02-19/users/me`, {
          headers: { authorization: `Bearer ${await tokenOf(first, 'editor')}` },
        })
      ).status,
    ).toBe(401);
    expect(
      (await raw(`${first.url}/v2025-02-19/users/me`, { headers: { authorization: 'Bearer lake-dev-admin' } })).status,
    ).toBe(401);
    expect(
      JSON.parse(
        (
          await raw(`${first.url}/v2025-02-19/users/me`, {
            headers: { authorization: `Bearer ${await tokenOf(first, 'editor')}` },
          })
        ).body,
      ),
    ).toMatchObject({ role: 'editor' });
    // The start-up line names the file, never a token.
    for (const token of tokensA) expect(first.output()).not.toContain(token);
    await first.stop();
    const again = await startCli([], {}, first.dir);
    expect(Object.keys(JSON.parse(await readFile(file, 'utf8')) as object)).toEqual(tokensA);
    expect(
      (await raw(`${again.url}/v2025-02-19/users/me`, { headers: { authorization: `Bearer ${tokensA[0] ?? ''}` } }))
        .status,
    ).toBe(200);
  });

  test("--help prints no token, and --token prints one role's token alone", async () => {
    const lake = await startCli();
    await lake.stop();
    const run = (args: string[]): Promise<string> =>
      new Promise((resolve) => {
        const child = spawn(
          NODE,
          [join(ROOT, 'scripts', 'lake.ts'), '--data', join(lake.dir, 'data.ndjson'), ...args],
          { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
        );
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        child.on('exit', () => resolve(out));
      });
    const help = await run(['--help']);
    expect(help).toContain('tokens.json');
    expect(help).not.toMatch(/lake-dev-|lake-(administrator|editor|viewer)-[A-Za-z0-9_-]{20}/);
    for (const role of ['administrator', 'editor', 'viewer'] as const)
      expect(help).not.toContain(await tokenOf(lake, role));
    expect((await run(['--token', 'viewer'])).trim()).toBe(await tokenOf(lake, 'viewer'));
  });

  test('binding 0.0.0.0 without LAKE_TOKENS exits non-zero with a clear message; with LAKE_TOKENS it starts', async () => {
    const dir = await freshDir();
    const child = spawn(
      NODE,
      [join(ROOT, 'scripts', 'lake.ts'), '--host', '0.0.0.0', '--port', '0', '--data', join(dir, 'data.ndjson')],
      { cwd: ROOT, env: { ...process.env, LAKE_TOKENS: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).not.toBe(0);
    expect(output).toContain('--host 0.0.0.0: binding beyond loopback exposes the API to the network');
    expect(output).toContain('set LAKE_TOKENS');
    await expect(stat(join(dir, 'tokens.json'))).rejects.toThrow();
    const exposed = await startCli(['--host', '0.0.0.0'], {
      LAKE_TOKENS: JSON.stringify({ 'a-long-random-ci-token-0123456789': { role: 'editor' } }),
    });
    const response = await raw(`http://127.0.0.1:${exposed.port}/v2025-02-19/users/me`, {
      headers: { authorization: 'Bearer a-long-random-ci-token-0123456789' },
    });
    expect(JSON.parse(response.body)).toMatchObject({ role: 'editor' });
  });
});

describe("the newsroom's sign-in link", () => {
  test('works once: the second use is refused and carries no token', async () => {
    const dir = await freshDir();
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>Studio</title>');
    const tokens = { administrator: 'admin-token-xyz', editor: 'editor-token-xyz', viewer: 'viewer-token-xyz' };
    const studio = await serveStudio(dir, {
      host: '127.0.0.1',
      port: 0,
      projectId: 'local',
      apiHost: 'https://localhost:1',
      tokens,
    });
    try {
      const link = studio.signInLink('editor');
      expect(link).not.toContain(tokens.editor);
      const first = await fetch(link);
      expect(first.status).toBe(200);
      expect(first.headers.get('cache-control')).toBe('no-store');
      expect(await first.text()).toContain(tokens.editor);
      const second = await fetch(link);
      expect(second.status).toBe(403);
      const body = await second.text();
      expect(body).not.toContain('token-xyz');
      expect(body).toContain('each link works once');
      // A guessed code, or the old role-only link, signs nobody in.
      for (const url of [
        `${studio.url}__newsroom/sign-in?code=guess`,
        `${studio.url}__newsroom/sign-in?role=administrator`,
      ]) {
        const response = await fetch(url);
        expect(response.status).toBe(403);
        expect(await response.text()).not.toContain('token-xyz');
      }
    } finally {
      await studio.close();
    }
  });
});

describe("the lake's own surfaces", () => {
  test('an anonymous GET /projects/local lists no members', async () => {
    const lake = await startCli();
    const anonymous = await raw(`${lake.url}/v2025-02-19/projects/local`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).not.toContain('members');
    expect(anonymous.body).not.toContain('lake-local-admin');
    const member = await raw(`${lake.url}/v2025-02-19/projects/local`, {
      headers: { authorization: `Bearer ${await tokenOf(lake, 'viewer')}` },
    });
    expect(member.status).toBe(200);
    expect(JSON.parse(member.body)).toMatchObject({
      members: expect.arrayContaining([expect.objectContaining({ role: 'administrator' })]),
    });
  });

  test('an editor cannot create a dataset by writing into it (mutate, actions, upload); an administrator can', async () => {
    const lake = await startCli();
    const editor = { authorization: `Bearer ${await tokenOf(lake, 'editor')}`, 'content-type': 'application/json' };
    const mutate = await raw(`${lake.url}/v2025-02-19/data/mutate/rogue`, {
      method: 'POST',
      headers: editor,
      body: JSON.stringify({ mutations: [{ create: { _id: 'a', _type: 'story' } }] }),
    });
    expect(mutate.status).toBe(403);
    expect(JSON.parse(mutate.body)).toMatchObject({
      message: expect.stringContaining('creating a dataset requires the administrator role'),
    });
    const actions = await raw(`${lake.url}/v2025-02-19/data/actions/rogue`, {
      method: 'POST',
      headers: editor,
      body: JSON.stringify({
        actions: [
          {
            actionType: 'sanity.action.document.create',
            publishedId: 'a',
            attributes: { _id: 'drafts.a', _type: 'story' },
            ifExists: 'fail',
          },
        ],
      }),
    });
    expect(actions.status).toBe(403);
    const upload = await raw(`${lake.url}/v2025-02-19/assets/files/rogue?filename=a.txt`, {
      method: 'POST',
      headers: { authorization: editor.authorization, 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(upload.status).toBe(403);
    expect((await readdir(lake.dir)).filter((name) => name.includes('rogue'))).toEqual([]);
    expect((await raw(`${lake.url}/v2025-02-19/data/query/rogue?query=1`)).status).toBe(404);
    // Writing into the existing dataset still works for the editor, and an administrator may create one.
    expect(
      (
        await raw(`${lake.url}/v2025-02-19/data/mutate/production`, {
          method: 'POST',
          headers: editor,
          body: JSON.stringify({ mutations: [{ create: { _id: 'a', _type: 'story' } }] }),
        })
      ).status,
    ).toBe(200);
    const admin = await raw(`${lake.url}/v2025-02-19/data/mutate/team`, {
      method: 'POST',
      headers: { ...editor, authorization: `Bearer ${await tokenOf(lake, 'administrator')}` },
      body: JSON.stringify({ mutations: [{ create: { _id: 'a', _type: 'story' } }] }),
    });
    expect(admin.status).toBe(200);
  });

  test("an uploaded SVG is served with CSP sandbox and nosniff, so a script in it cannot run on the API's origin", async () => {
    const lake = await startCli();
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>fetch("/v1/datasets/production",{method:"DELETE"})</script></svg>';
    const upload = await raw(`${lake.url}/v2025-02-19/assets/images/production?filename=x.svg`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await tokenOf(lake, 'editor')}`, 'content-type': 'image/svg+xml' },
      body: svg,
    });
    expect(upload.status).toBe(200);
    const path = (JSON.parse(upload.body) as { document: { path: string } }).document.path;
    const served = await raw(`${lake.url}/${path}`);
    expect(served.status).toBe(200);
    expect(served.headers['content-type']).toBe('image/svg+xml');
    expect(served.headers['content-security-policy']).toMatch(/(^|;)\s*sandbox\s*(;|$)/);
    expect(served.headers['content-security-policy']).toContain("default-src 'none'");
    expect(served.headers['x-content-type-options']).toBe('nosniff');
  });

  test('data files, the journal, assets, the TLS key and the tokens file are 0600; the folders the lake makes 0700', async () => {
    const lake = await startInChild({ tls: true });
    const editor = await tokenOf(lake, 'editor');
    const headers = { authorization: `Bearer ${editor}`, 'content-type': 'application/json' };
    expect(
      (
        await raw(`${lake.url}/v2025-02-19/data/mutate/production`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ mutations: [{ create: { _id: 'drafts.a', _type: 'story' } }] }),
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await raw(`${lake.url}/v2025-02-19/assets/files/production?filename=a.txt`, {
          method: 'POST',
          headers: { authorization: headers.authorization },
          body: 'unpublished',
        })
      ).status,
    ).toBe(200);
    const files = [
      'tokens.json',
      'data.ndjson',
      'data.ndjson.journal',
      'tls/localhost-key.pem',
      'tls/localhost-cert.pem',
    ];
    const assetDir = join(lake.dir, 'data.assets', 'production');
    const modes: Record<string, string> = {};
    for (const file of files) modes[file] = ((await stat(join(lake.dir, file))).mode & 0o777).toString(8);
    for (const file of await readdir(assetDir))
      modes[`data.assets/production/${file}`] = ((await stat(join(assetDir, file))).mode & 0o777).toString(8);
    for (const folder of ['tls', 'data.assets', 'data.assets/production'])
      modes[`${folder}/`] = ((await stat(join(lake.dir, folder))).mode & 0o777).toString(8);
    expect(Object.keys(modes)).toHaveLength(files.length + 1 + 3);
    expect(modes).toEqual(
      Object.fromEntries(Object.keys(modes).map((name) => [name, name.endsWith('/') ? '700' : '600'])),
    );
    // After the snapshot is rewritten (a second without writes), it is still private.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await stat(join(lake.dir, 'data.ndjson'))).mode & 0o777).toBe(0o600);
  });

  test('a data file left world-readable by an earlier version is made private at start', async () => {
    const dir = await freshDir();
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'data.ndjson'), `${JSON.stringify({ _id: 'a', _type: 'story' })}\n`, { mode: 0o644 });
    await startCli([], {}, dir);
    expect((await stat(join(dir, 'data.ndjson'))).mode & 0o777).toBe(0o600);
  });
});

describe('idle connections are closed', () => {
  test('`npm run lake` closes a connection that sends nothing within its default header timeout (5 s)', async () => {
    const lake = await startCli();
    const sockets = await Promise.all(Array.from({ length: 20 }, () => tcp(lake.port)));
    const times = await Promise.all(sockets.map((socket) => closedWithin(socket, 9000)));
    expect(Math.max(...times)).toBeLessThan(7000);
  });

  // Short limits so that each attack takes about a second; the defaults are 5 s for headers, 60 s idle.
  const timeouts = { headersMs: 800, idleMs: 1500, keepAliveMs: 500, requestMs: 5000 };

  test.each([false, true])(
    'sockets that never send a byte (tls: %s): 100 of them are all closed within the header timeout',
    async (tls) => {
      const lake = await startInChild({ tls, timeouts });
      const sockets = await Promise.all(Array.from({ length: 100 }, () => tcp(lake.port)));
      const times = await Promise.all(sockets.map((socket) => closedWithin(socket, 5000)));
      expect(Math.max(...times)).toBeLessThan(3000);
    },
  );

  test.each([false, true])('a request head that never ends (slowloris, tls: %s) is cut off', async (tls) => {
    const lake = await startInChild({ tls, timeouts });
    const socket = await tcp(lake.port);
    socket.write('GET /v2025-02-19/data/query/production?query=1 HTTP/1.1\r\nHost: localhost\r\n');
    // One more header line every 300 ms keeps the socket busy but never finishes the head.
    const drip = setInterval(() => socket.writable && socket.write('X-Slow: 1\r\n'), 300);
    const ms = await closedWithin(socket, 6000);
    clearInterval(drip);
    expect(ms).toBeLessThan(4000);
  });

  test('a TLS connection that stops mid-handshake, or after it, is closed', async () => {
    const lake = await startInChild({ tls: true, timeouts });
    const half = await tcp(lake.port);
    half.write(Buffer.from([0x16, 0x03, 0x01]));
    const tlsSocket = await new Promise<Socket>((resolve, reject) => {
      const socket = connectTls(
        {
          host: '127.0.0.1',
          port: lake.port,
          servername: 'localhost',
          rejectUnauthorized: false,
          ALPNProtocols: ['http/1.1'],
        },
        () => resolve(socket),
      );
      socket.once('error', reject);
    });
    const [halfMs, idleMs] = await Promise.all([closedWithin(half, 6000), closedWithin(tlsSocket, 6000)]);
    expect(halfMs).toBeLessThan(4000);
    expect(idleMs).toBeLessThan(4000);
  });

  test('a keep-alive connection waits for its next request no longer than the keep-alive timeout', async () => {
    const lake = await startInChild({ tls: true, timeouts });
    const socket = await tcp(lake.port);
    const answered = new Promise<void>((resolve, reject) => {
      socket.once('data', () => resolve());
      socket.once('close', () => reject(new Error('the lake closed the connection before answering')));
    });
    socket.write('GET /v2025-02-19/data/query/production?query=1 HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await answered;
    expect(await closedWithin(socket, 6000)).toBeLessThan(3000);
  });

  test('an idle HTTP/2 session is closed, while a listen stream on another keeps receiving heartbeats and events', async () => {
    const lake = await startInChild({ tls: true, timeouts });
    const editor = await tokenOf(lake, 'editor');
    const origin = `https://localhost:${lake.port}`;
    const idle = connectHttp2(origin, { rejectUnauthorized: false });
    const idleClosed = new Promise<number>((resolve) => {
      const started = performance.now();
      idle.on('error', () => undefined);
      idle.once('close', () => resolve(performance.now() - started));
    });
    const listening = connectHttp2(origin, { rejectUnauthorized: false });
    listening.on('error', () => undefined);
    const stream = listening.request({
      ':path': `/v2025-02-19/data/listen/production?query=${encodeURIComponent('*[_type == "story"]')}&includeResult=true`,
      authorization: `Bearer ${editor}`,
    });
    let received = '';
    stream.on('data', (chunk: Buffer) => (received += chunk.toString()));
    try {
      expect(
        await Promise.race([idleClosed, new Promise<number>((resolve) => setTimeout(() => resolve(10_000), 6000))]),
      ).toBeLessThan(4000);
      // Three idle timeouts later the stream is still open, and a write reaches it.
      await new Promise((resolve) => setTimeout(resolve, 3 * timeouts.idleMs));
      expect(stream.closed).toBe(false);
      expect(received).toContain(': heartbeat');
      const write = await raw(`${lake.url}/v2025-02-19/data/mutate/production`, {
        method: 'POST',
        headers: { authorization: `Bearer ${editor}`, 'content-type': 'application/json' },
        body: JSON.stringify({ mutations: [{ create: { _id: 'late', _type: 'story' } }] }),
      });
      expect(write.status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(received).toContain('"documentId":"late"');
    } finally {
      stream.close();
      listening.close();
      idle.close();
    }
  });

  test('a listen stream over plain HTTP/1.1 stays open past the idle timeout', async () => {
    const lake = await startInChild({ tls: false, timeouts });
    const socket = await tcp(lake.port);
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    socket.write(
      `GET /v2025-02-19/data/listen/production?query=${encodeURIComponent('*')} HTTP/1.1\r\nHost: localhost\r\n\r\n`,
    );
    const closed = closedWithin(socket, 3 * timeouts.idleMs);
    expect(await closed).toBe(3 * timeouts.idleMs);
    expect(received).toContain('event: welcome');
    expect(received).toContain(': heartbeat');
  });
});
