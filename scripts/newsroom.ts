/**
 * `npm run newsroom`: the newsroom on this machine, offline. Starts the lake (the local Sanity-compatible API) over
 * HTTPS + HTTP/2, seeds it from content/ when its dataset is empty, builds the Sanity Studio against it (cached in
 * .sanity/dist while its sources are unchanged), serves the Studio, and prints the URLs, the lake's tokens (generated
 * once per data folder) and one-time sign-in links.
 * `startNewsroom()` does the same for other scripts and tests and returns the URLs and a `close()`. `--help` lists
 * the options.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { readdir, readFile, rename, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startLake, tokenForRole, type Role, type RunningLake, type WebhookConfig } from '../lake/server.ts';
import { startRebuildService, type RebuildService } from '../rebuild/service.ts';
import { corsOriginsFrom } from '../lake/origins.ts';
import { limitedServer, type HttpLimits } from '../src/lib/server/http-limits.ts';
import { SignInCodes } from './lib/sign-in-codes.ts';
import { contentType, resolveStatic } from '../src/lib/server/static-files.ts';
import { cliArgs } from './lib/args.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
/**
 * The project's Node (24), for the child processes: the Sanity CLI needs 22.12 or newer and scripts/import.ts needs
 * type stripping, while this module may be loaded by an older Node (Playwright started by the system `node`).
 */
const NODE = existsSync(path.join(ROOT, 'node_modules', '.bin', 'node')) ? path.join(ROOT, 'node_modules', '.bin', 'node') : process.execPath;

/**
 * The API host the cached Studio build is made with. The static server writes the running lake's URL in its place
 * in the files it serves, so one build serves a lake on any port (tests pick free ports; a rebuild takes ~30 s).
 */
export const STUDIO_API_HOST_PLACEHOLDER = 'https://lake-api-host-placeholder.localhost:1';

/** Where `sanity build` output is cached, with a stamp of what it was built from. */
const STUDIO_CACHE_DIR = path.join(ROOT, '.sanity', 'dist');
const STUDIO_CACHE_STAMP = path.join(ROOT, '.sanity', 'dist.json');

/** The lake's token for each role (generated once per data folder, kept in `<data>/tokens.json`). */
export type NewsroomTokens = Readonly<Record<Role, string>>;

function tokensByRole(lake: RunningLake): NewsroomTokens {
  const pick = (role: Role): string => {
    const token = tokenForRole(lake.tokens, role);
    if (token === undefined) throw new Error(`newsroom: ${lake.tokensFile ?? 'the lake'} has no token with the ${role} role; delete the file to have new tokens generated`);
    return token;
  };
  return { administrator: pick('administrator'), editor: pick('editor'), viewer: pick('viewer') };
}

/** Options of `startNewsroom`; every one has a default suited to `npm run newsroom`. */
export interface NewsroomOptions {
  /** Folder of the lake's data (NDJSON, journal, assets, TLS certificate); `.lake` by default. */
  dataDir?: string;
  /** Interface for every server; loopback (127.0.0.1) by default. */
  host?: string;
  /** Port of the lake (HTTPS and plain HTTP on the one port); 3333 by default, 0 picks a free one. */
  lakePort?: number;
  /** Port of the Studio's static server; 3334 by default, 0 picks a free one. */
  studioPort?: number;
  projectId?: string;
  dataset?: string;
  /** Import content/ when the dataset has no stories, sections, tags or authors; true by default. */
  seed?: boolean;
  /** Build the Studio even when the cached build is current. */
  rebuildStudio?: boolean;
  /** Webhooks the lake delivers, besides the rebuild service's own. */
  webhooks?: WebhookConfig[];
  /** Port of the site (the rebuild service); 4322 by default, 0 picks a free one. `false`: no site. */
  sitePort?: number | false;
  /** Progress lines; silent when absent. */
  log?: (line: string) => void;
  /** Receives the lake's request log; dropped when absent. */
  lakeLog?: (line: string) => void;
  /** Browser origins the lake answers besides the Studio's (CORS with credentials). */
  corsOrigins?: string[];
  /** Told when a sign-in link was used (each works once), e.g. to print a new one. */
  onSignIn?: (role: Role) => void;
}

/** The running newsroom: what to open, what to give tools, and how to stop it. */
export interface RunningNewsroom {
  lake: RunningLake;
  projectId: string;
  dataset: string;
  urls: {
    /** The Studio, e.g. http://localhost:3334/ */
    studio: string;
    /** The API for browsers (`apiHost`); the Studio calls `https://<projectId>.localhost:<port>`. */
    api: string;
    /** The same API over plain HTTP, for Node tools (`SANITY_API_HOST`). */
    apiHttp: string;
    /** The site, served by the rebuild service (rebuilt on every publish); absent with `sitePort: false`. */
    site?: string;
  };
  /** The rebuild service, when the site runs. */
  service?: RebuildService;
  /** The lake's tokens by role, for tools and tests; never printed or logged. */
  tokens: NewsroomTokens;
  /** A new sign-in link for `role`: opens the Studio signed in, once (the token is not in the link). */
  signInLink(role: Role): string;
  /** How the Studio build was obtained, and how long it took. */
  studioBuild: { cached: boolean; ms: number };
  /** Documents imported from content/, or undefined when the dataset already had content. */
  seeded: number | undefined;
  /** Stops the Studio server and the lake (which writes its snapshot). */
  close(): Promise<void>;
}

/** Starts the lake, seeds it, builds (or reuses) the Studio and serves it. The hook for more pieces (site, rebuild). */
export async function startNewsroom(options: NewsroomOptions = {}): Promise<RunningNewsroom> {
  const log = options.log ?? (() => undefined);
  const host = options.host ?? '127.0.0.1';
  const projectId = options.projectId ?? 'local';
  const dataset = options.dataset ?? 'production';
  const dataDir = path.resolve(ROOT, options.dataDir ?? '.lake');
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async (): Promise<void> => {
    for (const close of closers.splice(0).reverse()) await close();
  };
  try {
    // The site's port is fixed before the lake starts, since the lake's webhook must name it.
    const sitePort = options.sitePort === false ? undefined : options.sitePort === 0 ? await freePort(host) : (options.sitePort ?? 4322);
    const secret = randomBytes(24).toString('hex');
    const siteHook: WebhookConfig[] = sitePort === undefined ? [] : [{ name: 'rebuild', url: `http://${host}:${sitePort}/hooks/sanity`, filter: '_type in ["story", "section", "tag", "author"]', projection: '{_id, _type}', secret }];
    const lake = await startLake({
      // The lake keeps `production` in data.ndjson and any other dataset beside it (data.<name>.ndjson).
      dataFile: path.join(dataDir, 'data.ndjson'),
      host,
      port: options.lakePort ?? 3333,
      tls: true,
      webhooks: [...siteHook, ...(options.webhooks ?? [])],
      corsOrigins: options.corsOrigins ?? [],
      ...(options.lakeLog === undefined ? {} : { log: options.lakeLog }),
    });
    closers.push(() => lake.close());
    const shownDir = dataDir.startsWith(ROOT + path.sep) ? path.relative(ROOT, dataDir) : dataDir;
    log(`lake: ${lake.url} (plain HTTP for tools: ${lake.httpUrl}), data in ${shownDir}`);
    const tokens = tokensByRole(lake);
    const seeded = options.seed === false ? undefined : await seedIfEmpty(lake.httpUrl, { projectId, dataset, token: tokens.editor, log });
    const build = await buildStudio({ projectId, dataset, force: options.rebuildStudio === true, log });
    const studio = await serveStudio(build.dir, {
      host,
      port: options.studioPort ?? 3334,
      projectId,
      apiHost: lake.url,
      tokens,
      ...(options.onSignIn === undefined ? {} : { onSignIn: options.onSignIn }),
    });
    closers.push(studio.close);
    // The lake answers browsers from the Studio's origin only (and from origins LAKE_CORS_ORIGINS lists).
    for (const origin of studioOrigins(studio.url)) lake.allowOrigin(origin);
    let service: RebuildService | undefined;
    if (sitePort !== undefined) {
      service = await startRebuildService(
        {
          host,
          port: sitePort,
          dir: path.join(dataDir, 'site'),
          sanity: { projectId, dataset, apiVersion: '2025-02-19', apiHost: lake.httpUrl, preview: false },
          secret,
          debounceMs: 200,
          maxBodyBytes: 1_048_576,
          maxAgeMs: 300_000,
        },
        (line) => log(`site: ${line}`),
      );
      const running = service;
      closers.push(() => running.close());
    }
    return {
      lake,
      projectId,
      dataset,
      urls: { studio: studio.url, api: lake.url, apiHttp: lake.httpUrl, ...(service ? { site: service.url } : {}) },
      ...(service ? { service } : {}),
      tokens,
      signInLink: (role) => studio.signInLink(role),
      studioBuild: { cached: build.cached, ms: build.ms },
      seeded,
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/**
 * Imports content/ with scripts/import.ts when the dataset holds none of its document types; returns how many
 * documents that wrote, or undefined when there was content already.
 */
export async function seedIfEmpty(apiHttpUrl: string, options: { projectId: string; dataset: string; token: string; log: (line: string) => void }): Promise<number | undefined> {
  const count = async (): Promise<number> => {
    const query = encodeURIComponent('count(*[_type in ["story", "section", "tag", "author"]])');
    const response = await fetch(`${apiHttpUrl}/v2025-02-19/data/query/${options.dataset}?query=${query}&perspective=raw`, {
      headers: { authorization: `Bearer ${options.token}`, 'x-sanity-project-id': options.projectId },
    });
    if (!response.ok) throw new Error(`newsroom: could not count documents in the lake (${response.status}: ${await response.text()})`);
    return ((await response.json()) as { result: number }).result;
  };
  if ((await count()) > 0) return undefined;
  options.log('seed: the dataset is empty; importing content/ with scripts/import.ts');
  const started = performance.now();
  const result = await run(NODE, [path.join(ROOT, 'scripts', 'import.ts'), '--dataset', options.dataset, '--api-host', apiHttpUrl], {
    SANITY_TOKEN: options.token,
    SANITY_PROJECT_ID: options.projectId,
  });
  if (!result.ok) throw new Error(`newsroom: importing content/ failed (${result.exit}):\n${result.output.trim()}`);
  const documents = await count();
  options.log(`seed: ${result.output.trim().split('\n').at(-1) ?? ''} (${seconds(performance.now() - started)})`);
  return documents;
}

/**
 * Builds the Studio with `sanity build` into .sanity/dist, or reuses that build when its inputs are unchanged:
 * sanity.config.ts, sanity.cli.ts, schemas/, the project id and dataset, and the versions of the Studio packages.
 */
export async function buildStudio(options: { projectId: string; dataset: string; force?: boolean; log?: (line: string) => void }): Promise<{ dir: string; cached: boolean; ms: number }> {
  const log = options.log ?? (() => undefined);
  const started = performance.now();
  const key = await studioInputsKey(options.projectId, options.dataset);
  const stamp = await readFile(STUDIO_CACHE_STAMP, 'utf8').then((text) => (JSON.parse(text) as { key?: unknown }).key, () => undefined);
  const hasIndex = await stat(path.join(STUDIO_CACHE_DIR, 'index.html')).then((info) => info.isFile(), () => false);
  if (!options.force && stamp === key && hasIndex) {
    log(`studio: using the cached build in ${path.relative(ROOT, STUDIO_CACHE_DIR)} (sources unchanged)`);
    return { dir: STUDIO_CACHE_DIR, cached: true, ms: performance.now() - started };
  }
  log('studio: building with `sanity build` (about 30 s)…');
  // Built beside the cache and swapped in, so a build that fails or is interrupted leaves the old one usable.
  const temp = `${STUDIO_CACHE_DIR}.tmp-${process.pid}`;
  await mkdir(path.dirname(STUDIO_CACHE_DIR), { recursive: true });
  const sanityBin = path.join(ROOT, 'node_modules', '.bin', 'sanity');
  // The CLI's shebang would pick the system Node (older than it needs); the project's Node runs it instead.
  const result = await run(NODE, [sanityBin, 'build', temp, '--yes'], {
    SANITY_STUDIO_API_HOST: STUDIO_API_HOST_PLACEHOLDER,
    SANITY_STUDIO_PROJECT_ID: options.projectId,
    SANITY_STUDIO_DATASET: options.dataset,
    // Telemetry consent denied and no npm version check: nothing is fetched or sent (see scripts/studio-check.ts).
    DO_NOT_TRACK: '1',
    NO_UPDATE_NOTIFIER: '1',
    SANITY_TELEMETRY_DISABLED: '1',
  });
  if (!result.ok) {
    await rm(temp, { recursive: true, force: true });
    throw new Error(`newsroom: \`sanity build\` failed (${result.exit}):\n${result.output.replace(/\u001b\[[0-9;]*m/g, '').trim()}`);
  }
  await rm(STUDIO_CACHE_DIR, { recursive: true, force: true });
  await rename(temp, STUDIO_CACHE_DIR);
  await writeFile(STUDIO_CACHE_STAMP, `${JSON.stringify({ key, builtAt: new Date().toISOString() }, null, 2)}\n`);
  const ms = performance.now() - started;
  log(`studio: built in ${seconds(ms)}`);
  return { dir: STUDIO_CACHE_DIR, cached: false, ms };
}

async function studioInputsKey(projectId: string, dataset: string): Promise<string> {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ projectId, dataset, apiHost: STUDIO_API_HOST_PLACEHOLDER }));
  const files = ['sanity.config.ts', 'sanity.cli.ts', ...(await listFiles(path.join(ROOT, 'schemas'))).map((file) => path.relative(ROOT, file))].sort();
  for (const file of files) hash.update(`\0${file}\0`).update(await readFile(path.join(ROOT, file)));
  for (const name of ['sanity', '@sanity/vision', 'react', 'react-dom', 'styled-components']) {
    const manifest = await readFile(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8').catch(() => '{}');
    hash.update(`\0${name}@${String((JSON.parse(manifest) as { version?: unknown }).version)}`);
  }
  return hash.digest('hex');
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}

/** Options of `serveStudio`. */
export interface StudioServerOptions {
  host: string;
  port: number;
  projectId: string;
  apiHost: string;
  /** The tokens sign-in links hand over, by role. */
  tokens: NewsroomTokens;
  /** Told when a sign-in link was used. */
  onSignIn?: (role: Role) => void;
}

/** A running Studio server. */
export interface StudioServer {
  url: string;
  server: Server;
  /** A new one-time sign-in link for `role`. */
  signInLink(role: Role): string;
  close(): Promise<void>;
}

/** The Studio server's limits: its bundle files are large, so requests get longer than the site's. */
const STUDIO_LIMITS: HttpLimits = { headersMs: 10_000, requestMs: 30_000, idleMs: 60_000, keepAliveMs: 5_000 };

/**
 * Serves a built Studio: files as they are (the API host placeholder replaced by `apiHost` in text files), any
 * other path gets index.html (the Studio routes in the browser), and `/__newsroom/sign-in?code=<one-time code>`
 * stores the code's role's token where the Studio reads it, then opens the Studio; the code then stops working.
 */
export async function serveStudio(dir: string, options: StudioServerOptions): Promise<StudioServer> {
  const root = path.resolve(dir);
  const codes = new SignInCodes<Role>();
  // Slow or silent connections are closed, as on every server of the newsroom.
  const server = limitedServer((req, res) => {
    handleStudio(root, options, codes, req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`newsroom: could not serve ${req.url ?? '/'}: ${error instanceof Error ? error.message : String(error)}\n`);
    });
  }, STUDIO_LIMITS);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(new Error(`newsroom: cannot serve the Studio on ${options.host}:${options.port}: ${error.message}`)));
    server.listen(options.port, options.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const loopback = options.host === '127.0.0.1' || options.host === '::1' || options.host === 'localhost';
  const url = `http://${loopback ? 'localhost' : options.host}:${port}/`;
  return {
    url,
    server,
    signInLink: (role) => `${url}__newsroom/sign-in?code=${codes.issue(role)}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The origins a browser may show the Studio under: its URL, and on loopback the same port under 127.0.0.1. */
function studioOrigins(studioUrl: string): string[] {
  const url = new URL(studioUrl);
  return url.hostname === 'localhost' ? [url.origin, `${url.protocol}//127.0.0.1:${url.port}`] : [url.origin];
}

async function handleStudio(root: string, options: StudioServerOptions, codes: SignInCodes<Role>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  const url = new URL(req.url ?? '/', 'http://studio.invalid');
  if (url.pathname === '/__newsroom/sign-in') {
    signIn(url, options, codes, res);
    return;
  }
  const file = (await resolveStatic(root, url.pathname))?.file ?? path.join(root, 'index.html');
  const extension = path.extname(file);
  const type = contentType(file);
  let body = await readFile(file);
  if (type.startsWith('text/') || extension === '.json') body = Buffer.from(body.toString('utf8').replaceAll(STUDIO_API_HOST_PLACEHOLDER, options.apiHost));
  // Hashed bundles never change under their name; index.html (the fallback for every route) must not be cached.
  const immutable = url.pathname.startsWith('/static/') && extension !== '.html';
  res.writeHead(200, { 'content-type': type, 'content-length': String(body.length), 'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache' });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function signIn(url: URL, options: StudioServerOptions, codes: SignInCodes<Role>, res: ServerResponse): void {
  const role = codes.redeem(url.searchParams.get('code') ?? '');
  if (role === undefined) {
    res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end('This sign-in link was already used, or is not one the newsroom made: each link works once. Use the new link the newsroom printed in its terminal (or restart `npm run newsroom`).\n');
    return;
  }
  const key = JSON.stringify(`__studio_auth_token_${options.projectId}`);
  const value = JSON.stringify(JSON.stringify({ token: options.tokens[role] }));
  options.onSignIn?.(role);
  // Never cached, never sent on as a referrer: this page is the only place the token travels.
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
  res.end(`<!doctype html><meta charset="utf-8"><title>Signing in</title><p>Signing in as ${role}…</p><script>localStorage.setItem(${key}, ${value}); location.replace('/');</script>\n`);
}

/** Runs a command to completion (stdin closed so a prompt fails fast), collecting its output. */
function run(command: string, args: string[], env: Record<string, string>): Promise<{ ok: boolean; output: string; exit: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error) => resolve({ ok: false, output: `${output}\n${error.message}`, exit: 'could not start' }));
    child.on('close', (code, signal) => resolve({ ok: code === 0, output, exit: signal === null ? `exit code ${String(code)}` : `signal ${signal}` }));
  });
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

const HELP = `Usage: npm run newsroom -- [--port 3333] [--studio-port 3334] [--data .lake] [--no-seed] [--rebuild-studio]

Runs the newsroom offline: the lake (local Sanity-compatible API, HTTPS + HTTP/2 with a self-signed certificate
for localhost and *.localhost, plain HTTP on the same port for tools), seeded from content/ when empty, the
Sanity Studio built against it (cached in .sanity/dist while its sources are unchanged), and the site, served by
the rebuild service, which the lake's webhook rebuilds on every publish.

  --port <n>          the lake's port (default 3333; 0 picks a free one)
  --studio-port <n>   the Studio's port (default 3334; 0 picks a free one)
  --site-port <n>     the site's port: the rebuild service, rebuilt on every publish (default 4322; 0 picks a free one)
  --data <dir>        the lake's data folder (default .lake)
  --no-seed           do not import content/ into an empty dataset
  --rebuild-studio    build the Studio even if the cached build is current
  --help              show this help

The lake's tokens are made once per data folder (<data>/tokens.json, readable by you only) and never printed; the
newsroom prints one-time sign-in links for the Studio instead. The lake answers browsers from the Studio's origin only; set
LAKE_CORS_ORIGINS (comma-separated origins) to allow more.`;

async function main(): Promise<void> {
  const { values } = cliArgs(
    {
      options: {
        port: { type: 'string', default: '3333' },
        'studio-port': { type: 'string', default: '3334' },
        'site-port': { type: 'string', default: '4322' },
        data: { type: 'string', default: '.lake' },
        'no-seed': { type: 'boolean', default: false },
        'rebuild-studio': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    },
    HELP,
  );
  const problems: string[] = [];
  const port = (name: string, raw: string): number => {
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0 || value > 65535) problems.push(`--${name}: expected a port number from 0 to 65535, received ${JSON.stringify(raw)}`);
    return value;
  };
  const lakePort = port('port', values.port);
  const studioPort = port('studio-port', values['studio-port']);
  const sitePort = port('site-port', values['site-port']);
  const corsOrigins = corsOriginsFrom('LAKE_CORS_ORIGINS', process.env['LAKE_CORS_ORIGINS'], problems);
  if (problems.length > 0) {
    console.error(`newsroom: cannot start:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    process.exitCode = 2;
    return;
  }
  const started = performance.now();
  let newsroom: RunningNewsroom;
  try {
    newsroom = await startNewsroom({
      lakePort,
      studioPort,
      sitePort,
      corsOrigins,
      dataDir: values.data,
      seed: !values['no-seed'],
      rebuildStudio: values['rebuild-studio'],
      log: (line) => console.log(line),
      // Each link works once; the next one is printed here, in the editor's own terminal.
      onSignIn: (role) => console.log(`newsroom: the ${role} sign-in link was used; a new one: ${newsroom.signInLink(role)}`),
    });
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
    return;
  }
  const { urls, projectId } = newsroom;
  const studioHost = urls.api.replace('://', `://${projectId}.`);
  console.log(`
Newsroom ready in ${seconds(performance.now() - started)} (Studio ${newsroom.studioBuild.cached ? 'from cache' : `built in ${seconds(newsroom.studioBuild.ms)}`}).
  Studio        ${urls.studio}
  Site          ${urls.site ?? '(not started)'}   (rebuilt on every publish; status at ${urls.site ?? ''}/status)
  Sign in       ${newsroom.signInLink('editor')}   (editor; each link works once)
                ${newsroom.signInLink('viewer')}   (viewer)
                ${newsroom.signInLink('administrator')}   (administrator)
  API           ${urls.api}   (the Studio calls ${studioHost})
  API for tools ${urls.apiHttp}   (SANITY_API_HOST; no certificate to trust)
  Tokens        in ${path.join(values.data, 'tokens.json')} (made for this data folder, readable by you only; never printed):
                SANITY_TOKEN=$(npm run -s lake -- --data ${path.join(values.data, 'data.ndjson')} --token editor) for a tool
  Certificate   self-signed: open ${studioHost}/ once in your browser and accept it, or the Studio cannot reach the API.
Ctrl-C stops everything.`);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`newsroom: ${signal}, stopping`);
    newsroom.close().then(
      () => console.log('newsroom: stopped'),
      (error: unknown) => {
        console.error(`newsroom: error while stopping: ${error instanceof Error ? error.message : String(error)}`);
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

if (import.meta.main) await main();

/** A port nobody listens on now, for a server whose address another must know before it starts. */
async function freePort(host: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
