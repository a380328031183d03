import { spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdir, mkdtemp, readlink, rm, symlink } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SanityClient } from '@sanity/client';
import { startLake, type RunningLake } from '../../lake/server.ts';
import type { ServiceStatus } from '../../rebuild/service.ts';
import { lakeClient } from '../../scripts/lib/lake-client.ts';

/** The project root, where `scripts/` lives. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The administrator token the test lakes are given explicitly (the lake's own are random per data folder). */
export const ADMIN_TOKEN = 'e2e-rebuild-admin-token';
const TOKENS = { [ADMIN_TOKEN]: { role: 'administrator', name: 'E2E Admin' } } as const;
/** The webhook secret the lake signs with and the service checks. */
export const SECRET = 'e2e-rebuild-webhook-secret';
/** The document types whose changes the site shows; the webhook fires only for them, as a real project's would. */
const WEBHOOK_FILTER = '_type in ["story", "section", "author", "tag"]';

// Scripts are TypeScript run by Node 24 (type stripping); Playwright may run on another Node, so pick 24 explicitly.
const NODE =
  Number(process.versions.node.split('.')[0]) >= 24 ? process.execPath : path.join(ROOT, 'node_modules/.bin/node');

/** Waits `ms` milliseconds. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A port that was free a moment ago (the lake needs the service's URL before the service starts). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A child process with its output collected, and a promise of its exit. */
export interface Child {
  process: ChildProcess;
  /** Everything it printed so far (stdout and stderr interleaved). */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `node <script> ...args` from the project root with extra environment. */
export function runScript(script: string, args: string[], env: NodeJS.ProcessEnv): Child {
  const child = spawn(NODE, [path.join(ROOT, script), ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
    child.on('error', (error) => {
      output += `\nspawn failed: ${error.message}\n`;
      resolve({ code: null, signal: null });
    });
  });
  return { process: child, output: () => output, exited };
}

/** The environment without variables a developer's shell may carry that would point the tools elsewhere. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ASTRO_TELEMETRY_DISABLED: '1' };
  for (const name of Object.keys(env)) if (/^(SANITY_|SERVE_|REBUILD_|WEBHOOK_|NEWS_)/.test(name)) delete env[name];
  // Playwright sets FORCE_COLOR for its workers; without it the build output in /status is plain text, as in production.
  delete env['FORCE_COLOR'];
  return env;
}

/** A rebuild service started as a real child process (`node scripts/serve.ts`). */
export interface ServiceProcess extends Child {
  url: string;
  dir: string;
  status(): Promise<ServiceStatus>;
  /** Polls /status until `accept` returns true; throws with the last status and the service's output on timeout. */
  waitForStatus(accept: (s: ServiceStatus) => boolean, what: string, timeoutMs?: number): Promise<ServiceStatus>;
  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts `scripts/serve.ts` on `port`, reading the lake at `lakeUrl`, keeping builds in `dir`. */
export function startService(options: {
  lakeUrl: string;
  port: number;
  dir: string;
  env?: Record<string, string>;
}): ServiceProcess {
  const url = `http://127.0.0.1:${options.port}`;
  const child = runScript('scripts/serve.ts', [], {
    ...cleanEnv(),
    SANITY_PROJECT_ID: 'local',
    SANITY_DATASET: 'production',
    SANITY_API_HOST: options.lakeUrl,
    SANITY_WEBHOOK_SECRET: SECRET,
    SERVE_HOST: '127.0.0.1',
    SERVE_PORT: String(options.port),
    SERVE_DIR: options.dir,
    ...options.env,
  });
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  void child.exited.then((e) => {
    exit = e;
  });
  const status = async (): Promise<ServiceStatus> => {
    const response = await fetch(`${url}/status`);
    if (!response.ok) throw new Error(`GET ${url}/status answered ${response.status}`);
    return (await response.json()) as ServiceStatus;
  };
  const service: ServiceProcess = {
    ...child,
    url,
    dir: options.dir,
    status,
    async waitForStatus(accept, what, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      let last: ServiceStatus | undefined;
      let lastError = '';
      while (Date.now() < deadline) {
        if (exit)
          throw new Error(
            `waiting for ${what}: the service exited (${exit.code ?? exit.signal}). Its output:\n${child.output().slice(-4000)}`,
          );
        try {
          last = await status();
          if (accept(last)) return last;
        } catch (error) {
          lastError = error instanceof Error ? error.message : String(error);
        }
        await sleep(50);
      }
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}; last status ${JSON.stringify(last)}${lastError ? `, last error ${lastError}` : ''}. Service output:\n${child.output().slice(-4000)}`,
      );
    },
    async stop(graceMs = 10_000) {
      if (exit) return;
      child.process.kill('SIGTERM');
      const timer = setTimeout(() => child.process.kill('SIGKILL'), graceMs);
      await child.exited;
      clearTimeout(timer);
    },
  };
  return service;
}

/** The lake, seeded from content/, and one rebuild service receiving its webhooks. */
export interface RebuildStack {
  lake: RunningLake;
  service: ServiceProcess;
  /** A `@sanity/client` with the admin token, writing to the lake like an editor's Studio would. */
  client: SanityClient;
  tmp: string;
  /** Waits until every webhook has been delivered and the service has nothing building or queued. */
  settle(timeoutMs?: number): Promise<ServiceStatus>;
  close(): Promise<void>;
}

/**
 * Starts the stack: a lake in this process on a free port over a temporary data file, `scripts/import.ts` run into
 * it, then the service as a child process (with `env` added to its environment); resolves once the service serves a
 * build of the imported content.
 */
export async function startRebuildStack(options: { env?: Record<string, string> } = {}): Promise<RebuildStack> {
  const tmp = await mkdtemp(path.join(tmpdir(), 'rebuild-e2e-'));
  const dataFile = path.join(tmp, 'data.ndjson');
  // Import into a lake without webhooks: nothing listens yet, and undeliverable hooks would retry for seconds.
  const seed = await startLake({ dataFile, tokens: TOKENS });
  const imported = runScript(
    'scripts/import.ts',
    ['--api-host', seed.url, '--content', path.join(ROOT, 'content'), '--public', path.join(ROOT, 'public')],
    { ...cleanEnv(), SANITY_TOKEN: ADMIN_TOKEN },
  );
  const { code } = await imported.exited;
  await seed.close();
  if (code !== 0) {
    await rm(tmp, { recursive: true, force: true });
    throw new Error(`scripts/import.ts exited with ${code}:\n${imported.output()}`);
  }

  const port = await freePort();
  const lake = await startLake({
    dataFile,
    tokens: TOKENS,
    webhooks: [
      {
        name: 'rebuild',
        url: `http://127.0.0.1:${port}/hooks/sanity`,
        filter: WEBHOOK_FILTER,
        projection: '{_id, _type, "slug": slug.current}',
        secret: SECRET,
      },
    ],
    webhookRetryDelaysMs: [200, 500],
  });
  const service = startService({
    lakeUrl: lake.url,
    port,
    dir: path.join(tmp, 'site'),
    ...(options.env ? { env: options.env } : {}),
  });
  const client = lakeClient(lake.url, ADMIN_TOKEN);
  const settle = async (timeoutMs = 90_000) => {
    await lake.webhooksIdle();
    // A delivered webhook has already called queue.trigger(), so "not pending and not building" means done (and not
    // settling: no Similar News recomputation whose pages are still to come).
    return service.waitForStatus(
      (s) => !s.queue.building && !s.queue.pending && !s.queue.settling,
      'the service to finish building',
      timeoutMs,
    );
  };
  try {
    await service.waitForStatus(
      (s) =>
        s.build !== null &&
        s.build.revision === s.contentRevision &&
        !s.queue.building &&
        !s.queue.pending &&
        !s.queue.settling,
      'the first build',
      120_000,
    );
  } catch (error) {
    await service.stop();
    await lake.close();
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
  return {
    lake,
    service,
    client,
    tmp,
    settle,
    async close() {
      await service.stop();
      await lake.close();
      await rm(tmp, { recursive: true, force: true });
    },
  };
}

/** Copies a service folder's current build into a fresh folder, so a second service starts by serving it. */
export async function copyCurrentBuild(fromDir: string, toDir: string): Promise<void> {
  const target = await readlink(path.join(fromDir, 'current'));
  await mkdir(path.join(toDir, 'builds'), { recursive: true });
  await cp(path.resolve(fromDir, target), path.join(toDir, 'builds', path.basename(target)), { recursive: true });
  await symlink(path.join('builds', path.basename(target)), path.join(toDir, 'current'));
}

/** Whether a process with this id exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
