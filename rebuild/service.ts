import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { describeSanityError, sanityClient } from '../src/lib/sanity/client.ts';
import { formatIssue, type ContentIssue } from '../src/lib/content-error.ts';
import { STATIC_KINDS } from '../src/lib/pages.ts';
import { RenderCache } from '../src/lib/render-cache.ts';
import type { SiteDocuments } from '../src/lib/sanity/source.ts';
import { SIMILAR_DEFAULTS, SimilarIndex, type SimilarInput, type SimilarLink } from '../src/lib/similar.ts';
import { BuildFailure, describeError } from '../src/build/failure.ts';
import { HTTP_LIMITS, limitedServer } from '../scripts/lib/http-limits.ts';
import { securityHeaders, serveStatic } from '../scripts/lib/static-files.ts';
import { admitDocuments, type Rejection } from './admission.ts';
import { SiteBuilds } from './builds.ts';
import type { Build } from './site-folders.ts';
import type { ServiceConfig } from './config.ts';
import { Mirror } from './mirror.ts';
import { BuildQueue } from './queue.ts';
import { SimilarJob } from './similar-job.ts';
import { SiteModel, type ModelResult, type SettledSimilar } from './site-model.ts';
import { isRefusal, WebhookVerifier } from './webhook.ts';

/**
 * A full Similar News computation that took less than this last time runs inline in a publish (it blocks the
 * service that long); a longer one runs in a worker after the publish is live (see `settle`).
 */
const INLINE_SIMILAR_MS = 250;


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
  lastSuccess: { buildId: string; at: string; ms: number; syncMs: number; changed: number; deleted: number; pages: number; triggeredAt: string | null } | null;
  lastFailure: { at: string; reason: string; output: string } | null;
  /** Published documents with a content problem, built without: the last valid version stays live, or none. */
  rejected: Rejection[];
  /** `renderer`: the next build process, started ahead of time: "ready" once it has bundled the site. */
  queue: { building: boolean; pending: boolean; builds: number; buildPid: number | null; nextScheduled: string | null; settling: boolean; renderer: 'ready' | 'starting' | 'none' };
  webhooks: { accepted: number; duplicates: number; refused: number };
}

/**
 * Starts the service: serves the current build, verifies webhooks, and rebuilds through a coalescing queue.
 * `log` gets one line per event (never a secret).
 */
export async function startRebuildService(config: ServiceConfig, log: (line: string) => void = console.log): Promise<RebuildService> {
  const client = sanityClient(config.sanity);
  const mirror = new Mirror(client);
  const builds = new SiteBuilds(config.dir);
  const verifier = new WebhookVerifier({ secret: config.secret, maxBytes: config.maxBodyBytes, maxAgeMs: config.maxAgeMs });
  const counts = { accepted: 0, duplicates: 0, refused: 0 };
  let lastSuccess: ServiceStatus['lastSuccess'] = null;
  let lastFailure: ServiceStatus['lastFailure'] = null;
  let firstUnbuiltTrigger: string | null = null;
  let scheduleTimer: NodeJS.Timeout | undefined;
  let nextScheduled: string | null = null;
  let syncRetryMs = 0;
  // The ids webhooks reported since the last sync; null when something else asked for a build (start, schedule,
  // retry, settle), which then reads every change since the last full read.
  let hinted: Set<string> | null = null;
  const requestBuild = (id?: string): void => {
    const published = id?.replace(/^drafts\./, '');
    if (published && !published.includes('.')) hinted?.add(published);
    else hinted = null;
    queue.trigger();
  };

  const cache = new RenderCache(path.join(builds.root, 'cache', 'render'));
  const model = new SiteModel(cache, { projectId: config.sanity.projectId, dataset: config.sanity.dataset, ...(config.sanity.apiHost ? { apiHost: config.sanity.apiHost } : {}) });
  const similar = new SimilarJob();
  // A full Similar News computation finished in the worker, waiting for the next build to adopt it.
  let settledSimilar: SettledSimilar | undefined;
  let settling = false;
  // How long the last full Similar News computation took (decides whether the next one runs inline).
  let similarMs = Infinity;
  // The documents of the last valid content, by id: a document that turns invalid is built from its version here.
  // (Kept as the list it was, and made a map only when a document is invalid: at 100,000 stories a map per publish costs.)
  let accepted: SiteDocuments['documents'] = [];
  let rejected: Rejection[] = [];

  const existing = await builds.init();
  if (existing) log(`serving the previous build ${existing.id} until a new one is ready`);
  builds.warm();

  async function rebuild(): Promise<void> {
    const triggeredAt = firstUnbuiltTrigger;
    firstUnbuiltTrigger = null;
    const started = new Date();
    try {
      const hint = hinted;
      hinted = new Set();
      const sync = await mirror.sync(hint ?? undefined).catch((error: unknown) => {
        hinted = null;
        throw new BuildFailure(`sync failed: ${describeSanityError(error, config.sanity)}`, '', { stage: 'sync' });
      });
      syncRetryMs = 0;
      log(`sync: ${sync.full ? 'full' : 'incremental'}, ${sync.changed} changed, ${sync.deleted} deleted (${Math.round(sync.ms)} ms)`);
      if (settledSimilar) {
        model.settle(settledSimilar);
        settledSimilar = undefined;
      }
      const revision = mirror.revision();
      const result = await computeSite();
      if (!result.ok) throw contentFailure(result.issues);
      for (const r of rejected) log(`content problem: ${r.id} → ${r.field}: ${r.message}; built without it (serving ${r.serving === 'left out' ? 'nothing in its place' : 'its last valid version'})`);
      const current = builds.current;
      const keys = new Map(result.pages.map((p) => [p.path, p.key]));
      const known = current?.keys;
      const changed = known ? result.pages.filter((p) => known.get(p.path) !== p.key) : result.pages;
      const removed = known ? [...known.keys()].filter((page) => !keys.has(page)) : [];
      if (model.incrementalError !== undefined) {
        log(`model: the incremental computation failed and was done in full: ${model.incrementalError instanceof Error ? (model.incrementalError.stack ?? model.incrementalError.message) : String(model.incrementalError)}`);
        model.incrementalError = undefined;
      }
      log(`model: ${result.site.stories.length} stories, ${result.pages.length} pages, ${changed.length} changed, ${removed.length} removed, Similar News ${result.settled ? 'settled' : `provisional for ${result.provisional} stories`} (${result.mode}, ${Math.round(result.ms)} ms)`);
      if (current && known && changed.length === 0 && removed.length === 0) {
        log(`no page changed since build ${current.id}: not rebuilding`);
        builds.adopt(revision);
      } else {
        // Routes without parameters are rendered by every build, so the plan always carries their data.
        const pages = known ? result.pages.filter((p) => known.get(p.path) !== p.key || STATIC_KINDS.includes(p.kind)) : result.pages;
        const build: Build = await builds.build({ layout: result.layout, pages }, { revision, keys, merge: Boolean(known) });
        lastSuccess = { buildId: build.id, at: build.finishedAt, ms: Math.round(build.ms), syncMs: Math.round(sync.ms), changed: sync.changed, deleted: sync.deleted, pages: changed.length + removed.length, triggeredAt };
        log(`build ${build.id} is live (${Math.round(build.ms)} ms, ${changed.length} page(s) rendered, ${removed.length} removed, revision ${build.revision})`);
        // Only the bodies this build rendered are written, one small file each.
        await saveCache();
      }
      if (!result.settled) settle(result.inputs);
    } catch (error) {
      const failure = error instanceof BuildFailure ? error : new BuildFailure(String(error), '');
      // Content problems are the useful part of a failed build's report: they name the document and the field.
      const { problems } = failure;
      const reason = problems.length ? `${failure.message}: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (and ${problems.length - 5} more)` : ''}` : failure.message;
      lastFailure = { at: started.toISOString(), reason, output: failure.output.slice(-4000) };
      if (failure.stage === 'sync') {
        // Sanity unreachable (or refusing): try again later, backing off, so a service started before its API recovers.
        syncRetryMs = Math.min(60_000, syncRetryMs ? syncRetryMs * 2 : 2_000);
        log(`retrying the sync in ${syncRetryMs / 1000} s`);
        setTimeout(() => requestBuild(), syncRetryMs).unref();
      }
      log(`build failed: ${failure.message}; still serving ${builds.current?.id ?? 'nothing'}`);
      const details = failure.problems.length > 0 ? failure.problems : failure.error ? [describeError(failure.error)] : [];
      if (details.length > 0) log(details.slice(0, 20).map((line) => `  - ${line}`).join('\n'));
    } finally {
      schedule();
    }
  }

  /**
   * The site from the mirror. Similar News: the first time, every story's, computed in the worker; after that the
   * model's quick links, made final at once when a full computation is cheap (a small site) and by `settle` if not.
   */
  async function computeSite(): Promise<ModelResult> {
    const now = new Date();
    if (!model.settled) {
      const first = computeValid(now, new Map());
      if (!first.ok) return first;
      const computing = performance.now();
      model.settle(await similar.compute(first.inputs, SIMILAR_DEFAULTS.limit));
      similarMs = performance.now() - computing;
    }
    const result = computeValid(now);
    if (!result.ok || result.settled || similarMs > INLINE_SIMILAR_MS) return result;
    const computing = performance.now();
    const index = SimilarIndex.build(result.inputs, { limit: SIMILAR_DEFAULTS.limit });
    model.settle({ index, links: index.all(), inputs: result.inputs, limit: SIMILAR_DEFAULTS.limit });
    similarMs = performance.now() - computing;
    return computeValid(now);
  }

  /**
   * The model of the mirror's documents; when some are invalid, of the documents `admitDocuments` keeps (their last
   * valid versions, or without them), so that one bad document never stops every other publish.
   */
  function computeValid(now: Date, links?: Map<string, SimilarLink[]>): ModelResult {
    const assets = [...mirror.assets.values()];
    const assetsStamp = mirror.assetsRevision();
    const compute = (documents: SiteDocuments['documents'], byId: ReadonlyMap<string, SiteDocuments['documents'][number]>) => {
      const stamp = (id: string) => {
        const doc = byId.get(id);
        return doc ? `${String(doc['_rev'])}|${assetsStamp}` : undefined;
      };
      return model.compute({ documents, assets }, { now, stamp, ...(links ? { links } : {}) });
    };
    let documents: SiteDocuments['documents'] = [...mirror.documents.values()];
    let result = compute(documents, mirror.documents);
    let without: Rejection[] = [];
    if (!result.ok) {
      const admission = admitDocuments({ documents, assets }, new Map(accepted.map((d) => [String(d['_id']), d])), config.sanity, result.issues);
      if (!admission.ok) return { ok: false, issues: admission.issues };
      documents = admission.documents;
      without = admission.rejected;
      result = compute(documents, new Map(documents.map((d) => [String(d['_id']), d])));
    }
    if (result.ok) {
      accepted = documents;
      rejected = without;
    }
    return result;
  }

  /** Writes the bodies rendered since the last save (one file each). */
  async function saveCache(): Promise<void> {
    await cache.save();
  }

  /**
   * Recomputes Similar News for every story in the worker; when done, a build renders the pages whose links changed.
   * One computation at a time: a publish during it is built with the provisional links, and settles after.
   */
  function settle(inputs: SimilarInput[]): void {
    if (settling) return;
    settling = true;
    const started = performance.now();
    similar
      .compute(inputs, SIMILAR_DEFAULTS.limit)
      .then((settled) => {
        similarMs = performance.now() - started;
        log(`Similar News recomputed for ${inputs.length} stories (${Math.round(similarMs)} ms): rendering the pages whose links changed`);
        settledSimilar = settled;
        // Content did not change: the build needs no read from Sanity beyond what webhooks announced meanwhile.
        queue.trigger();
      })
      .catch((error: unknown) => log(`Similar News recomputation failed: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => {
        settling = false;
      });
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
      requestBuild();
    }, wait);
    scheduleTimer.unref();
  }

  const queue = new BuildQueue(rebuild, { debounceMs: config.debounceMs });

  // Pages show Sanity images from the API host (an http origin for the local API, which `https:` would not cover).
  const imageOrigins = config.sanity.apiHost ? [new URL(config.sanity.apiHost).origin] : [];

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
      requestBuild(typeof doc?._id === 'string' ? doc._id : undefined);
      json(res, 202, { status: 'queued' });
      return;
    }
    if (url.pathname === '/status') {
      json(res, 200, status());
      return;
    }
    const current = builds.current;
    if (!current) {
      res.writeHead(503, { ...securityHeaders(), 'content-type': 'text/plain; charset=utf-8', 'retry-after': '5' }).end('The site is being built. Try again in a few seconds.\n');
      return;
    }
    // The build is fixed for the whole request, so a reader never gets files from two builds.
    await serveStatic(current.dir, req, res, { imageOrigins });
  }

  function status(): ServiceStatus {
    const current = builds.current;
    return {
      build: current ? { id: current.id, revision: current.revision, finishedAt: current.finishedAt, ms: Math.round(current.ms) } : null,
      contentRevision: mirror.documents.size ? mirror.revision() : null,
      lastSuccess,
      lastFailure,
      rejected,
      queue: { ...queue.state(), buildPid: builds.pid ?? null, nextScheduled, settling: settling || settledSimilar !== undefined, renderer: builds.renderer },
      webhooks: { ...counts },
    };
  }

  const server = limitedServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log(`request failed: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent) json(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  }, config.limits ?? HTTP_LIMITS);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host}:${port}`;
  log(`rebuild service on ${url} (site ${url}/, webhooks ${url}/hooks/sanity, status ${url}/status)`);
  // Catch up with whatever changed while the service was down.
  firstUnbuiltTrigger = new Date().toISOString();
  requestBuild();

  return {
    url,
    status,
    idle: () => queue.idle(),
    async close() {
      clearTimeout(scheduleTimer);
      builds.stop();
      similar.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await queue.close();
      await saveCache().catch((error: unknown) => log(`could not save the render cache: ${String(error)}`));
      // server.close() waits for every open request, and a stuck sender's never ends: cut them once the build stopped.
      server.closeAllConnections();
      await closed;
    },
  };
}

/** A build stopped by content problems: the message counts them, the output lists them (document and field). */
function contentFailure(issues: readonly ContentIssue[]): BuildFailure {
  const n = issues.length;
  const problems = issues.map(formatIssue);
  return new BuildFailure(`${n} content problem${n === 1 ? '' : 's'} found; nothing was built`, problems.map((p) => `  - ${p}`).join('\n'), { stage: 'content', problems });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { ...securityHeaders(), 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' }).end(text);
}
