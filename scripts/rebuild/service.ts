import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeSanityError, sanityClient } from '../../src/lib/sanity/client.ts';
import { serveStatic } from '../lib/static-files.ts';
import { BuildFailure, SiteBuilds, type Build } from './builds.ts';
import type { ServiceConfig } from './config.ts';
import { Mirror } from './mirror.ts';
import { BuildQueue } from './queue.ts';
import { isRefusal, WebhookVerifier } from './webhook.ts';

/** The longest a timer may wait (setTimeout's limit); later scheduled stories get a timer that re-arms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A running rebuild service. */
export interface RebuildService {
  url: string;
  status(): ServiceStatus;
  /** Resolves when no build is running or queued. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** What GET /status answers. */
export interface ServiceStatus {
  build: { id: string; revision: string; finishedAt: string; ms: number } | null;
  contentRevision: string | null;
  lastSuccess: { buildId: string; at: string; ms: number; syncMs: number; changed: number; deleted: number; triggeredAt: string | null } | null;
  lastFailure: { at: string; reason: string; output: string } | null;
  queue: { building: boolean; pending: boolean; builds: number; buildPid: number | null; nextScheduled: string | null };
  webhooks: { accepted: number; duplicates: number; refused: number };
}

/**
 * Starts the service: serves the current build, verifies webhooks, and rebuilds through a coalescing queue.
 * `log` gets one line per event (never a secret).
 */
export async function startRebuildService(config: ServiceConfig, log: (line: string) => void = console.log): Promise<RebuildService> {
  const client = sanityClient(config.sanity);
  const mirror = new Mirror(client, { projectId: config.sanity.projectId, dataset: config.sanity.dataset, ...(config.sanity.apiHost ? { apiHost: config.sanity.apiHost } : {}) });
  const builds = new SiteBuilds(config.dir);
  const verifier = new WebhookVerifier({ secret: config.secret, maxBytes: config.maxBodyBytes, maxAgeMs: config.maxAgeMs });
  const counts = { accepted: 0, duplicates: 0, refused: 0 };
  let lastSuccess: ServiceStatus['lastSuccess'] = null;
  let lastFailure: ServiceStatus['lastFailure'] = null;
  let firstUnbuiltTrigger: string | null = null;
  let scheduleTimer: NodeJS.Timeout | undefined;
  let nextScheduled: string | null = null;
  let syncRetryMs = 0;

  const existing = await builds.init();
  if (existing) log(`serving the previous build ${existing.id} until a new one is ready`);

  async function rebuild(): Promise<void> {
    const triggeredAt = firstUnbuiltTrigger;
    firstUnbuiltTrigger = null;
    const started = new Date();
    try {
      const sync = await mirror.sync().catch((error: unknown) => {
        throw new BuildFailure(`sync failed: ${describeSanityError(error, config.sanity)}`, '');
      });
      syncRetryMs = 0;
      log(`sync: ${sync.full ? 'full' : 'incremental'}, ${sync.changed} changed, ${sync.deleted} deleted (${Math.round(sync.ms)} ms)`);
      if (builds.current && builds.current.revision === mirror.revision()) {
        log(`nothing changed since build ${builds.current.id}: not rebuilding`);
        return;
      }
      const build: Build = await builds.build(mirror.toFile());
      lastSuccess = { buildId: build.id, at: build.finishedAt, ms: Math.round(build.ms), syncMs: Math.round(sync.ms), changed: sync.changed, deleted: sync.deleted, triggeredAt };
      log(`build ${build.id} is live (${Math.round(build.ms)} ms, revision ${build.revision})`);
    } catch (error) {
      const failure = error instanceof BuildFailure ? error : new BuildFailure(String(error), '');
      // Content problems are the useful part of a failed build's output: they name the document and the field.
      const problems = failure.output.split('\n').filter((l) => /^\s+- .+(→|:)/.test(l)).map((l) => l.trim().slice(2));
      const reason = problems.length ? `${failure.message}: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (and ${problems.length - 5} more)` : ''}` : failure.message;
      lastFailure = { at: started.toISOString(), reason, output: failure.output.slice(-4000) };
      if (failure.message.startsWith('sync failed')) {
        // Sanity unreachable (or refusing): try again later, backing off, so a service started before its API recovers.
        syncRetryMs = Math.min(60_000, syncRetryMs ? syncRetryMs * 2 : 2_000);
        log(`retrying the sync in ${syncRetryMs / 1000} s`);
        setTimeout(() => queue.trigger(), syncRetryMs).unref();
      }
      log(`build failed: ${failure.message}; still serving ${builds.current?.id ?? 'nothing'}`);
      if (failure.output) log(failure.output.split('\n').filter((l) => /problem|error|→/i.test(l)).slice(0, 20).join('\n'));
    } finally {
      schedule();
    }
  }

  /** Arms a timer for the next story scheduled in the future. */
  function schedule(): void {
    clearTimeout(scheduleTimer);
    const next = mirror.scheduledTimes(new Date())[0];
    nextScheduled = next ?? null;
    if (!next) return;
    const wait = Math.min(MAX_TIMER_MS, Math.max(0, Date.parse(next) - Date.now()) + 1000);
    scheduleTimer = setTimeout(() => {
      log(`a scheduled story is due (${next}): rebuilding`);
      queue.trigger();
    }, wait);
    scheduleTimer.unref();
  }

  const queue = new BuildQueue(rebuild, { debounceMs: config.debounceMs });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/hooks/sanity') {
      const result = await verifier.verify(req);
      if (isRefusal(result)) {
        counts.refused += 1;
        log(`webhook refused: ${result.status} ${result.error}`);
        json(res, result.status, { error: result.error });
        return;
      }
      if (result.duplicate) {
        counts.duplicates += 1;
        log(`webhook ${result.key}: duplicate delivery, ignored`);
        json(res, 200, { status: 'duplicate' });
        return;
      }
      counts.accepted += 1;
      const doc = result.body as { _id?: unknown } | null;
      log(`webhook ${result.key}: ${typeof doc?._id === 'string' ? doc._id : 'change'} -> rebuild queued`);
      firstUnbuiltTrigger ??= new Date().toISOString();
      queue.trigger();
      json(res, 202, { status: 'queued' });
      return;
    }
    if (url.pathname === '/status') {
      json(res, 200, status());
      return;
    }
    const current = builds.current;
    if (!current) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '5' }).end('The site is being built. Try again in a few seconds.\n');
      return;
    }
    // The build is fixed for the whole request, so a reader never gets files from two builds.
    await serveStatic(current.dir, req, res);
  }

  function status(): ServiceStatus {
    const current = builds.current;
    return {
      build: current ? { id: current.id, revision: current.revision, finishedAt: current.finishedAt, ms: Math.round(current.ms) } : null,
      contentRevision: mirror.documents.size ? mirror.revision() : null,
      lastSuccess,
      lastFailure,
      queue: { ...queue.state(), buildPid: builds.pid ?? null, nextScheduled },
      webhooks: { ...counts },
    };
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log(`request failed: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent) json(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host}:${port}`;
  log(`rebuild service on ${url} (site ${url}/, webhooks ${url}/hooks/sanity, status ${url}/status)`);
  // Catch up with whatever changed while the service was down.
  firstUnbuiltTrigger = new Date().toISOString();
  queue.trigger();

  return {
    url,
    status,
    idle: () => queue.idle(),
    async close() {
      clearTimeout(scheduleTimer);
      builds.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await queue.close();
      // server.close() waits for every open request, and a stuck sender's never ends: cut them once the build stopped.
      server.closeAllConnections();
      await closed;
    },
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' }).end(text);
}
