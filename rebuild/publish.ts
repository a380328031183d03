import { BuildFailure, describeError } from '../src/build/failure.ts';
import { formatIssue, type ContentIssue } from '../src/lib/model/content-error.ts';
import { STATIC_KINDS } from '../src/lib/site/pages.ts';
import type { RenderCache } from '../src/lib/body/render-cache.ts';
import { describeSanityError } from '../src/lib/sources/sanity/client.ts';
import type { SanityConfig } from '../src/lib/sources/sanity/config.ts';
import type { AdmittedContent } from './admitted-content.ts';
import type { SiteBuilds } from './builds.ts';
import type { Mirror } from './mirror.ts';
import type { BuildRequests } from './requests.ts';
import type { ScheduledStories } from './schedule.ts';
import type { SimilarSettling } from './similar-settling.ts';
import type { SiteModel } from './site-model.ts';
import type { Site } from '../src/lib/site/site.ts';
import type { SearchIndexer } from './search.ts';
import { searchKey, searchParts } from '../src/lib/site/search-index.ts';

/** The last build that went live, for `/status`. */
export interface PublishSuccess {
  buildId: string;
  at: string;
  ms: number;
  syncMs: number;
  changed: number;
  deleted: number;
  pages: number;
  triggeredAt: string | null;
}

/** The last build that failed, for `/status`: why, and the end of its output. */
export interface PublishFailure {
  at: string;
  reason: string;
  output: string;
}

/** The parts a publish goes through. */
export interface PublishParts {
  sanity: SanityConfig;
  mirror: Mirror;
  model: SiteModel;
  content: AdmittedContent;
  similar: SimilarSettling;
  cache: RenderCache;
  builds: SiteBuilds;
  requests: BuildRequests;
  schedule: ScheduledStories;
  search: SearchIndexer;
  log: (line: string) => void;
}

/**
 * One publish, run by the queue: syncs the mirror, computes the site, renders the pages whose key changed and swaps
 * them in; records the last success or failure; retries a sync that failed, backing off; arms the timer for the next
 * scheduled story.
 */
export class PublishPipeline {
  lastSuccess: PublishSuccess | null = null;
  lastFailure: PublishFailure | null = null;
  /** The site the served build shows (undefined until the first build of this process). */
  site: Site | undefined;
  readonly #parts: PublishParts;
  /** The wait before the next sync retry (0 after a sync that worked). */
  #syncRetryMs = 0;

  constructor(parts: PublishParts) {
    this.#parts = parts;
  }

  /** Runs one publish; a failure is recorded and logged, never thrown. */
  async run(): Promise<void> {
    const { sanity, mirror, model, content, similar, cache, builds, requests, schedule, search, log } = this.#parts;
    const { hint, triggeredAt } = requests.take();
    const started = new Date();
    try {
      const sync = await mirror.sync(hint ?? undefined).catch((error: unknown) => {
        requests.forget();
        throw new BuildFailure(`sync failed: ${describeSanityError(error, sanity)}`, '', { stage: 'sync' });
      });
      this.#syncRetryMs = 0;
      log(
        `sync: ${sync.full ? 'full' : 'incremental'}, ${sync.changed} changed, ${sync.deleted} deleted (${Math.round(sync.ms)} ms)`,
      );
      similar.adopt();
      const revision = mirror.revision();
      const now = new Date();
      const result = await similar.site((links) => content.compute(now, links));
      if (!result.ok) throw contentFailure(result.issues);
      for (const r of content.rejected)
        log(
          `content problem: ${r.id} → ${r.field}: ${r.message}; built without it (serving ${r.serving === 'left out' ? 'nothing in its place' : 'its last valid version'})`,
        );
      const current = builds.current;
      const keys = new Map(result.pages.map((p) => [p.path, p.key]));
      const known = current?.keys;
      const changed = known ? result.pages.filter((p) => known.get(p.path) !== p.key) : result.pages;
      const removed = known ? [...known.keys()].filter((page) => !keys.has(page)) : [];
      if (model.incrementalError !== undefined) {
        log(
          `model: the incremental computation failed and was done in full: ${model.incrementalError instanceof Error ? (model.incrementalError.stack ?? model.incrementalError.message) : String(model.incrementalError)}`,
        );
        model.incrementalError = undefined;
      }
      log(
        `model: ${result.site.stories.length} stories, ${result.pages.length} pages, ${changed.length} changed, ${removed.length} removed, Similar News ${result.settled ? 'settled' : `provisional for ${result.provisional} stories`} (${result.mode}, ${Math.round(result.ms)} ms)`,
      );
      if (current && known && changed.length === 0 && removed.length === 0) {
        log(`no page changed since build ${current.id}: not rebuilding`);
        builds.adopt(revision);
        this.site = result.site;
      } else {
        // Routes without parameters are rendered by every build, so the plan always carries their data.
        const pages = known
          ? result.pages.filter((p) => known.get(p.path) !== p.key || STATIC_KINDS.includes(p.kind))
          : result.pages;
        const build = await builds.build({ layout: result.layout, pages }, { revision, keys, merge: Boolean(known) });
        this.lastSuccess = {
          buildId: build.id,
          at: build.finishedAt,
          ms: Math.round(build.ms),
          syncMs: Math.round(sync.ms),
          changed: sync.changed,
          deleted: sync.deleted,
          pages: changed.length + removed.length,
          triggeredAt,
        };
        log(
          `build ${build.id} is live (${Math.round(build.ms)} ms, ${changed.length} page(s) rendered, ${removed.length} removed, revision ${build.revision})`,
        );
        this.site = result.site;
        // Only the bodies this build rendered are written.
        await cache.save();
      }
      // The search index follows the site just served, off the critical path (rebuild/search.ts).
      const parts = searchParts(result.site.stories, result.site.timeZone);
      search.update({ parts, timeZone: result.site.timeZone, key: searchKey(parts), triggeredAt });
      if (!result.settled) similar.settle(result.inputs);
    } catch (error) {
      this.#failed(error instanceof BuildFailure ? error : new BuildFailure(String(error), ''), started);
    } finally {
      schedule.arm(mirror.scheduledTimes(new Date())[0]);
    }
  }

  #failed(failure: BuildFailure, started: Date): void {
    const { builds, requests, log } = this.#parts;
    // Content problems are the useful part of a failed build's report: they name the document and the field.
    const { problems } = failure;
    const reason = problems.length
      ? `${failure.message}: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (and ${problems.length - 5} more)` : ''}`
      : failure.message;
    this.lastFailure = { at: started.toISOString(), reason, output: failure.output.slice(-4000) };
    if (failure.stage === 'sync') {
      // Sanity unreachable (or refusing): try again later, backing off, so a service started before its API recovers.
      this.#syncRetryMs = Math.min(60_000, this.#syncRetryMs ? this.#syncRetryMs * 2 : 2_000);
      log(`retrying the sync in ${this.#syncRetryMs / 1000} s`);
      setTimeout(() => requests.request(), this.#syncRetryMs).unref();
    }
    log(`build failed: ${failure.message}; still serving ${builds.current?.id ?? 'nothing'}`);
    const details = problems.length > 0 ? problems : failure.error ? [describeError(failure.error)] : [];
    if (details.length > 0)
      log(
        details
          .slice(0, 20)
          .map((line) => `  - ${line}`)
          .join('\n'),
      );
  }
}

/** A build stopped by content problems: the message counts them, the output lists them (document and field). */
function contentFailure(issues: readonly ContentIssue[]): BuildFailure {
  const n = issues.length;
  const problems = issues.map(formatIssue);
  return new BuildFailure(
    `${n} content problem${n === 1 ? '' : 's'} found; nothing was built`,
    problems.map((p) => `  - ${p}`).join('\n'),
    // Stryker disable next-line StringLiteral: the stage is read only to tell a sync failure (retried) from the rest
    { stage: 'content', problems },
  );
}
