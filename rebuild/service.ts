import path from 'node:path';
import { sanityClient } from '../src/lib/sources/sanity/client.ts';
import { RenderCache } from '../src/lib/body/render-cache.ts';
import { AdmittedContent } from './admitted-content.ts';
import type { Rejection } from './admission.ts';
import { SiteBuilds } from './builds.ts';
import type { ServiceConfig } from './config.ts';
import { ServiceHttp } from './http.ts';
import { Mirror } from './mirror.ts';
import { PreviewServer } from './preview.ts';
import { previewKey } from './preview-token.ts';
import { PublishPipeline, type PublishFailure, type PublishSuccess } from './publish.ts';
import { BuildQueue } from './queue.ts';
import { BuildRequests } from './requests.ts';
import { ScheduledStories } from './schedule.ts';
import { SimilarSettling } from './similar-settling.ts';
import { SearchIndexer, type SearchStatus } from './search.ts';
import { SiteModel } from './site-model.ts';
import { CommentsEndpoint, type CommentCounts, type CommentStory } from './comments.ts';
import type { Site } from '../src/lib/site/site.ts';
import { WebhookVerifier } from './webhook.ts';

/** A running rebuild service. */
export interface RebuildService {
  url: string;
  /** The draft preview server's URL, when `config.preview` is set. */
  previewUrl?: string;
  status(): ServiceStatus;
  /** Resolves when no build is running or queued. */
  idle(): Promise<void>;
  /** Resolves when no build is running or queued and the search index follows the last one. */
  searchIdle(): Promise<void>;
  close(): Promise<void>;
}

/** What GET /status answers. */
export interface ServiceStatus {
  build: { id: string; revision: string; finishedAt: string; ms: number } | null;
  contentRevision: string | null;
  lastSuccess: PublishSuccess | null;
  lastFailure: PublishFailure | null;
  /** Published documents with a content problem, built without: the last valid version stays live, or none. */
  rejected: Rejection[];
  /** `renderer`: the next build process, started ahead of time: "ready" once it has bundled the site. */
  queue: {
    building: boolean;
    pending: boolean;
    builds: number;
    buildPid: number | null;
    nextScheduled: string | null;
    settling: boolean;
    renderer: 'ready' | 'starting' | 'none';
  };
  webhooks: { accepted: number; duplicates: number; refused: number };
  /** What the comments endpoint did since the start, when it runs. */
  comments?: CommentCounts;
  /** The search index: written after each build that changed a story (rebuild/search.ts). */
  search: SearchStatus;
}

/**
 * Starts the service: serves the current build, verifies webhooks, and rebuilds through a coalescing queue.
 * `log` gets one line per event (never a secret).
 */
export async function startRebuildService(
  config: ServiceConfig,
  log: (line: string) => void = console.log,
): Promise<RebuildService> {
  const mirror = new Mirror(sanityClient(config.sanity));
  const builds = new SiteBuilds(config.dir, config.siteUrl ? { SITE_URL: config.siteUrl } : undefined);
  const cache = new RenderCache(path.join(builds.root, 'cache', 'render'));
  const model = new SiteModel(cache, {
    projectId: config.sanity.projectId,
    dataset: config.sanity.dataset,
    ...(config.sanity.apiHost ? { apiHost: config.sanity.apiHost } : {}),
    ...(config.timeZone ? { timeZone: config.timeZone } : {}),
  });
  const content = new AdmittedContent(mirror, model, config.sanity);
  // The queue runs the publish pipeline, which asks it for follow-up builds through these.
  const requests = new BuildRequests(() => queue.trigger());
  const similar = new SimilarSettling(model, log, () => requests.again());
  const schedule = new ScheduledStories((time) => {
    log(`a scheduled story is due (${time}): rebuilding`);
    requests.request();
  });
  const search = new SearchIndexer(config.dir, log);
  await search.init();
  const pipeline = new PublishPipeline({
    sanity: config.sanity,
    mirror,
    model,
    content,
    similar,
    cache,
    builds,
    requests,
    schedule,
    search,
    log,
  });

  const existing = await builds.init();
  if (existing) log(`serving the previous build ${existing.id} until a new one is ready`);
  builds.warm();
  const queue = new BuildQueue(() => pipeline.run(), { debounceMs: config.debounceMs });
  const comments = config.comments ? commentsEndpoint(config, pipeline, log) : undefined;

  function status(): ServiceStatus {
    const current = builds.current;
    return {
      build: current
        ? { id: current.id, revision: current.revision, finishedAt: current.finishedAt, ms: Math.round(current.ms) }
        : null,
      contentRevision: mirror.documents.size ? mirror.revision() : null,
      lastSuccess: pipeline.lastSuccess,
      lastFailure: pipeline.lastFailure,
      rejected: content.rejected,
      queue: {
        ...queue.state(),
        buildPid: builds.pid ?? null,
        nextScheduled: schedule.next,
        settling: similar.settling,
        renderer: builds.renderer,
      },
      webhooks: { ...http.counts },
      ...(comments ? { comments: { ...comments.counts } } : {}),
      search: search.status(),
    };
  }

  const http = new ServiceHttp(
    {
      verifier: new WebhookVerifier({
        secret: config.secret,
        maxBytes: config.maxBodyBytes,
        maxAgeMs: config.maxAgeMs,
      }),
      requests,
      current: () => builds.current,
      searchDir: search.dir,
      status,
      // Pages show Sanity images from the API host (an http origin for the local API, which `https:` would not cover).
      imageOrigins: config.sanity.apiHost ? [new URL(config.sanity.apiHost).origin] : [],
      ...(comments ? { comments } : {}),
      log,
    },
    config.limits,
  );
  const port = await http.listen(config.port, config.host);
  const url = `http://${config.host}:${port}`;
  log(`rebuild service on ${url} (site ${url}/, webhooks ${url}/hooks/sanity, status ${url}/status)`);
  let preview: PreviewServer | undefined;
  let previewUrl: string | undefined;
  if (config.preview) {
    const key = await previewKey(path.join(builds.root, 'preview.key'), config.preview.secret);
    preview = new PreviewServer({
      config: config.preview,
      host: config.host,
      dir: builds.root,
      client: sanityClient({ ...config.sanity, token: config.preview.token, preview: true }),
      sanity: {
        projectId: config.sanity.projectId,
        dataset: config.sanity.dataset,
        ...(config.sanity.apiHost ? { apiHost: config.sanity.apiHost } : {}),
      },
      mirror,
      content,
      model,
      renderCacheDir: path.join(builds.root, 'cache', 'render'),
      current: () => builds.current,
      imageOrigins: config.sanity.apiHost ? [new URL(config.sanity.apiHost).origin] : [],
      siteUrl: config.siteUrl ?? process.env['SITE_URL'] ?? url,
      ...(config.siteUrl ? { env: { SITE_URL: config.siteUrl } } : {}),
      key,
      log,
      ...(config.limits ? { limits: config.limits } : {}),
    });
    previewUrl = await preview.listen();
    log(`draft previews on ${previewUrl}`);
  }
  // Catch up with whatever changed while the service was down.
  requests.start();

  return {
    url,
    ...(previewUrl ? { previewUrl } : {}),
    status,
    idle: () => queue.idle(),
    async searchIdle() {
      await queue.idle();
      await search.idle();
    },
    async close() {
      schedule.stop();
      builds.stop();
      await preview?.close();
      similar.stop();
      const closed = http.close();
      await queue.close();
      await search.stop();
      await cache.save().catch((error: unknown) => log(`could not save the render cache: ${String(error)}`));
      // server.close() waits for every open request, and a stuck sender's never ends: cut them once the build stopped.
      http.cut();
      await closed;
    },
  };
}

/**
 * The comments endpoint over the served site: stories are looked up in the site the served build shows, and comments
 * written with the comments token, which can do nothing but create them.
 */
function commentsEndpoint(
  config: ServiceConfig,
  pipeline: PublishPipeline,
  log: (line: string) => void,
): CommentsEndpoint {
  const settings = config.comments!;
  const writer = sanityClient({ ...config.sanity, token: settings.token });
  let indexed: { site: Site; byId: Map<string, CommentStory> } | undefined;
  const story = (id: string): CommentStory | undefined => {
    const site = pipeline.site;
    if (site === undefined) return undefined;
    if (indexed?.site !== site)
      indexed = {
        site,
        byId: new Map(
          site.stories.map((s) => [s.id, { id: s.id, url: s.url, title: s.title, closed: s.commentsClosed === true }]),
        ),
      };
    return indexed.byId.get(id);
  };
  const origins = [...settings.origins, ...(config.siteUrl ? [new URL(config.siteUrl).origin] : [])];
  return new CommentsEndpoint({
    story,
    write: async (comment) => {
      await writer.create(comment);
    },
    origins,
    trustProxy: settings.trustProxy,
    log,
  });
}
