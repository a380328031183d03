/**
 * One publish of the rebuild service in this process, over a real lake, mirror, model, admission, Similar News and
 * schedule: what it builds (everything first, then the pages whose key changed and the routes every build renders),
 * what it skips, what it records for /status, what a failed publish leaves online and reports, the sync retries,
 * and the search index it hands on. Rendering and the search index are the two parts that run Astro and Pagefind
 * in other processes: here they are recorders (`PlanBuilds`, `Searches`) that keep what the pipeline asked.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { BuildFailure } from '../../src/build/failure.ts';
import { RenderCache } from '../../src/lib/body/render-cache.ts';
import type { ContentIssue } from '../../src/lib/model/content-error.ts';
import { STATIC_KINDS, type RenderPlan } from '../../src/lib/site/pages.ts';
import { searchKey } from '../../src/lib/site/search-index.ts';
import { readContentDir } from '../../src/lib/sources/content-files.ts';
import { siteSourceToDocuments, type SanityDocument } from '../../src/lib/sources/sanity/documents.ts';
import type { SanityConfig } from '../../src/lib/sources/sanity/config.ts';
import { startLake, type RunningLake } from '../../lake/server.ts';
import { AdmittedContent } from '../../rebuild/admitted-content.ts';
import { SiteBuilds } from '../../rebuild/builds.ts';
import { Mirror } from '../../rebuild/mirror.ts';
import { PublishPipeline } from '../../rebuild/publish.ts';
import { BuildRequests } from '../../rebuild/requests.ts';
import { ScheduledStories } from '../../rebuild/schedule.ts';
import { SearchIndexer } from '../../rebuild/search.ts';
import { SimilarSettling } from '../../rebuild/similar-settling.ts';
import type { Build } from '../../rebuild/site-folders.ts';
import { SiteModel } from '../../rebuild/site-model.ts';
import { ADMIN_TOKEN, startTestLake, type TestLake } from '../sanity/sanity-harness.ts';
import { freePort } from '../../e2e/rebuild/harness.ts';

// Each test takes seconds: a mutant that makes a publish hang fails here, not after minutes.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const SCHEDULED = '2099-06-01T08:00:00.000Z';
let tmp: string;
let lake: TestLake;
let demo: SanityDocument[];

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'rebuild-publish-'));
  lake = await startTestLake();
  const source = await readContentDir(path.resolve('content'));
  const withoutImages = source.stories.map(({ story, where }) => {
    const { image: _image, ...rest } = story;
    return { story: rest, where };
  });
  demo = siteSourceToDocuments({ ...source, stories: withoutImages }, () => undefined);
});
const stopped: (() => void)[] = [];
afterAll(async () => {
  for (const stop of stopped) stop();
  await lake?.close();
  await rm(tmp, { recursive: true, force: true });
});

/** A build as SiteBuilds makes it, without rendering: it records each plan and its options, and can be made to fail. */
class PlanBuilds extends SiteBuilds {
  served: Build | undefined;
  readonly plans: { plan: RenderPlan; options: { revision: string; keys: Map<string, string>; merge: boolean } }[] = [];
  readonly adopted: string[] = [];
  failure: Error | undefined;
  #n = 0;

  override get current(): Build | undefined {
    return this.served;
  }

  override adopt(revision: string): void {
    this.adopted.push(revision);
    if (this.served) this.served = { ...this.served, revision };
  }

  override build(
    plan: RenderPlan,
    options: { revision: string; keys: Map<string, string>; merge: boolean },
  ): Promise<Build> {
    this.plans.push({ plan, options });
    if (this.failure) return Promise.reject(this.failure);
    this.#n += 1;
    this.served = {
      id: `build-${this.#n}`,
      dir: this.root,
      revision: options.revision,
      keys: options.keys,
      // A fraction, so that the report's rounding shows.
      ms: 1234.6 + this.#n,
      finishedAt: `2026-02-0${this.#n}T10:00:00.000Z`,
    };
    return Promise.resolve(this.served);
  }
}

/** The search indexer, recording the indexes it is asked for instead of running Pagefind. */
class Searches extends SearchIndexer {
  readonly jobs: Parameters<SearchIndexer['update']>[0][] = [];
  override update(job: Parameters<SearchIndexer['update']>[0]): void {
    this.jobs.push(job);
  }
}

/** Admitted content that can be made to report problems that name no document (admission cannot build without). */
class Content extends AdmittedContent {
  issues: ContentIssue[] | undefined;
  override compute(now: Date, links?: Parameters<AdmittedContent['compute']>[1]) {
    return this.issues ? { ok: false as const, issues: this.issues } : super.compute(now, links);
  }
}

let datasets = 0;

/** A pipeline over a fresh dataset holding `docs` (on `target`, the shared lake by default). */
async function pipeline(docs: SanityDocument[], target: { url: string } = lake.lake) {
  const dataset = `publish${(datasets += 1)}`;
  const dir = path.join(tmp, dataset);
  const client = lake.client(dataset).withConfig({ apiHost: target.url });
  const transaction = client.transaction();
  for (const doc of docs) transaction.createOrReplace(doc);
  if (docs.length > 0) await transaction.commit();
  const sanity: SanityConfig = {
    projectId: 'local',
    dataset,
    apiVersion: '2025-02-19',
    apiHost: target.url,
    preview: false,
  };
  const lines: string[] = [];
  const log = (line: string) => lines.push(line);
  const mirror = new Mirror(client);
  const cacheDir = path.join(dir, 'cache');
  const cache = new RenderCache(cacheDir);
  const model = new SiteModel(cache, { projectId: 'local', dataset, apiHost: target.url });
  const content = new Content(mirror, model, sanity);
  const counts = { triggers: 0 };
  const requests = new BuildRequests(() => {
    counts.triggers += 1;
  });
  const similar = new SimilarSettling(model, log, () => requests.again());
  stopped.push(() => similar.stop());
  const schedule = new ScheduledStories(() => {});
  stopped.push(() => schedule.stop());
  const builds = new PlanBuilds(dir);
  const search = new Searches(dir, log);
  const publish = new PublishPipeline({
    sanity,
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
  return {
    publish,
    client,
    mirror,
    model,
    content,
    similar,
    requests,
    schedule,
    builds,
    search,
    lines,
    counts,
    cacheDir,
  };
}

const scheduledStory = (): SanityDocument => {
  const template = published()[0]!;
  return {
    ...template,
    _id: 'story-scheduled',
    slug: { _type: 'slug', current: 'scheduled-story' },
    title: 'A story scheduled for later',
    publishedAt: SCHEDULED,
  };
};
/** The demo's published stories (a draft is `drafts.<id>`, not published). */
const published = () => demo.filter((d) => d['_type'] === 'story' && !String(d['_id']).startsWith('drafts.'));
const liveStories = () => published().length;
const keysOf = (plan: RenderPlan) => new Map(plan.pages.map((p) => [p.path, p.key]));

describe('a first publish', () => {
  test('builds every page, records the success, hands the site to search and arms the schedule', async () => {
    const p = await pipeline([...demo, scheduledStory()]);
    p.requests.start();
    const before = Date.now();
    await p.publish.run();

    expect(p.publish.lastFailure).toBeNull();
    expect(p.builds.plans).toHaveLength(1);
    const [{ plan, options }] = p.builds.plans as [(typeof p.builds.plans)[number]];
    // Every page, not merged into an earlier build; the keys are those of the whole site; the mirror's revision.
    expect(options.merge).toBe(false);
    expect(options.keys).toEqual(keysOf(plan));
    expect(options.revision).toBe(p.mirror.revision());
    const storyPages = plan.pages.filter((page) => page.kind === 'story');
    expect(storyPages).toHaveLength(liveStories());
    expect(new Set(plan.pages.map((page) => page.kind))).toEqual(expect.objectContaining(new Set(STATIC_KINDS)));

    // The published documents (a draft is not read) and the scheduled story.
    const documents = demo.filter((d) => !String(d['_id']).startsWith('drafts.')).length + 1;
    const success = p.publish.lastSuccess!;
    expect(success).toEqual({
      buildId: 'build-1',
      at: '2026-02-01T10:00:00.000Z',
      ms: 1236,
      syncMs: expect.any(Number) as number,
      changed: documents,
      deleted: 0,
      pages: plan.pages.length,
      triggeredAt: expect.any(String) as string,
    });
    expect(Number.isInteger(success.syncMs)).toBe(true);
    expect(Date.parse(success.triggeredAt!)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(success.triggeredAt!)).toBeLessThanOrEqual(Date.now());

    expect(p.publish.site?.stories.map((s) => s.id).sort()).toEqual(
      published()
        .map((d) => String(d['_id']))
        .sort(),
    );
    expect(p.lines[0]).toMatch(new RegExp(`^sync: full, ${documents} changed, 0 deleted \\(\\d+ ms\\)$`));
    expect(p.lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^model: ${liveStories()} stories, ${plan.pages.length} pages, ${plan.pages.length} changed, 0 removed, Similar News settled \\(\\w+, \\d+ ms\\)$`,
        ),
      ),
    );
    expect(p.lines).toContainEqual(
      `build build-1 is live (1236 ms, ${plan.pages.length} page(s) rendered, 0 removed, revision ${options.revision})`,
    );
    expect(p.lines.some((line) => line.startsWith('model: the incremental'))).toBe(false);

    // The search index follows the site served: its stories in parts, their key, its time zone, the trigger's time.
    expect(p.search.jobs).toHaveLength(1);
    const job = p.search.jobs[0]!;
    expect(job.parts.flatMap((part) => part.stories.map((s) => s.id)).sort()).toEqual(
      p.publish.site!.stories.map((s) => s.id).sort(),
    );
    expect(job.key).toBe(searchKey(job.parts));
    expect(job.timeZone).toBe(p.publish.site!.timeZone);
    expect(job.triggeredAt).toBe(success.triggeredAt);

    // The next scheduled story arms the timer.
    expect(p.schedule.next).toBe(SCHEDULED);
    // Similar News was computed in full before this first build: nothing left to settle.
    expect(p.similar.settling).toBe(false);

    // The bodies rendered were saved: a fresh cache on the same folder finds them all.
    const fresh = new RenderCache(p.cacheDir);
    const again = new SiteModel(fresh, { projectId: 'local', dataset: 'x', apiHost: lake.lake.url });
    const stamp = (id: string) => String(p.mirror.documents.get(id)?.['_rev']);
    again.compute(
      { documents: [...p.mirror.documents.values()], assets: [] },
      { now: new Date(), stamp, links: new Map() },
    );
    expect(fresh.misses).toBe(0);
    expect(fresh.hits).toBe(liveStories());
  });
});

describe('a publish after the first', () => {
  test('nothing changed: no build, the revision adopted, the success kept; search is told again', async () => {
    const p = await pipeline(demo);
    p.requests.start();
    await p.publish.run();
    const first = p.publish.lastSuccess;
    p.requests.request();
    await p.publish.run();
    expect(p.builds.plans).toHaveLength(1);
    expect(p.builds.adopted).toEqual([p.mirror.revision()]);
    expect(p.publish.lastSuccess).toBe(first);
    expect(p.lines).toContain('no page changed since build build-1: not rebuilding');
    expect(p.lines).toContainEqual(expect.stringMatching(/^sync: incremental, 0 changed, 0 deleted \(\d+ ms\)$/));
    expect(p.search.jobs).toHaveLength(2);
    expect(p.search.jobs[1]!.key).toBe(p.search.jobs[0]!.key);
    // No webhook since the first build: nothing triggered this one.
    expect(p.search.jobs[1]!.triggeredAt).toBeNull();
    expect(p.schedule.next).toBeNull();
  });

  test('an edit renders the pages whose key changed and the routes every build renders, merged into the build', async () => {
    const p = await pipeline(demo);
    p.requests.start();
    await p.publish.run();
    const before = p.builds.plans[0]!.options.keys;
    const story = published()[0]!;
    const slug = (story['slug'] as { current: string }).current;
    await p.client.patch(String(story['_id'])).set({ title: 'An edited headline' }).commit();
    // A change no webhook announced is not read: the sync reads the documents named only.
    const other = published()[1]!;
    await p.client.patch(String(other['_id'])).set({ title: 'An edit nobody announced' }).commit();
    p.requests.webhook(String(story['_id']));
    await p.publish.run();
    expect(p.mirror.documents.get(String(other['_id']))?.['title']).toBe(other['title']);

    expect(p.builds.plans).toHaveLength(2);
    const { plan, options } = p.builds.plans[1]!;
    expect(options.merge).toBe(true);
    const after = options.keys;
    const changed = [...after].filter(([page, key]) => before.get(page) !== key).map(([page]) => page);
    expect(changed).toContain(`/news/${slug}/`);
    expect(changed.length).toBeLessThan(after.size);
    // The plan: the changed pages, and every page of a static kind (changed or not), nothing else.
    const planned = plan.pages.map((page) => page.path).sort();
    const statics = plan.pages.filter((page) => STATIC_KINDS.includes(page.kind)).map((page) => page.path);
    expect(planned).toEqual([...new Set([...changed, ...statics])].sort());
    expect(statics.length).toBeGreaterThan(0);
    expect(statics.some((page) => !changed.includes(page))).toBe(true);
    expect(plan.pages.every((page) => after.get(page.path) === page.key)).toBe(true);

    expect(p.publish.lastSuccess).toMatchObject({ buildId: 'build-2', changed: 1, deleted: 0, pages: changed.length });
    expect(p.lines).toContainEqual(expect.stringMatching(/^sync: incremental, 1 changed, 0 deleted \(\d+ ms\)$/));
    expect(p.lines).toContain(
      `build build-2 is live (1237 ms, ${changed.length} page(s) rendered, 0 removed, revision ${options.revision})`,
    );
    expect(p.search.jobs[1]!.parts.flatMap((part) => part.stories).find((s) => s.id === story['_id'])?.title).toBe(
      'An edited headline',
    );
  });

  test('a story taken down: its page is removed, and counted with the pages changed', async () => {
    const p = await pipeline(demo);
    p.requests.start();
    await p.publish.run();
    const before = p.builds.plans[0]!.options.keys;
    const story = published()[3]!;
    await p.client.delete(String(story['_id']));
    p.requests.webhook(String(story['_id']));
    const triggers = p.counts.triggers;
    await p.publish.run();

    const { options } = p.builds.plans[1]!;
    const after = options.keys;
    const removed = [...before.keys()].filter((page) => !after.has(page));
    const changed = [...after].filter(([page, key]) => before.get(page) !== key);
    expect(removed).toContain(`/news/${(story['slug'] as { current: string }).current}/`);
    expect(p.publish.lastSuccess).toMatchObject({ changed: 0, deleted: 1, pages: changed.length + removed.length });
    expect(p.lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^model: ${liveStories() - 1} stories, ${after.size} pages, ${changed.length} changed, ${removed.length} removed, `,
        ),
      ),
    );
    expect(p.lines).toContainEqual(expect.stringContaining(`page(s) rendered, ${removed.length} removed, revision`));

    // Similar News provisional (its full computation is not cheap enough to run inline): settled in the worker after
    // the publish, which then asks for a build; that build adopts it.
    const provisional = p.lines.some((line) => /Similar News provisional for \d+ stories/.test(line));
    expect(p.similar.settling).toBe(provisional);
    if (provisional) {
      const deadline = Date.now() + 20_000;
      while (p.counts.triggers === triggers && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50));
      expect(p.counts.triggers).toBe(triggers + 1);
      p.lines.length = 0;
      await p.publish.run();
      expect(p.lines).toContainEqual(expect.stringMatching(/^model: .*, Similar News settled /));
      expect(p.similar.settling).toBe(false);
    }
  });
});

describe('content problems', () => {
  test('a document with a problem is built without, and each is logged with what is served in its place', async () => {
    const story = published()[0]!;
    const broken = { ...story, _id: 'story-broken', slug: { _type: 'slug', current: 'broken' }, title: '' };
    const p = await pipeline([...demo, broken]);
    p.requests.start();
    await p.publish.run();
    expect(p.publish.lastFailure).toBeNull();
    expect(p.content.rejected.map((r) => r.id)).toEqual(['story-broken']);
    const [rejection] = p.content.rejected;
    expect(p.lines).toContain(
      `content problem: story-broken → ${rejection!.field}: ${rejection!.message}; built without it (serving nothing in its place)`,
    );
    // A story that was valid and turns invalid: its last valid version stays.
    await p.client.patch(String(story['_id'])).set({ title: '' }).commit();
    p.requests.webhook(String(story['_id']));
    await p.publish.run();
    expect(p.lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^content problem: ${String(story['_id'])} → .*; built without it \\(serving its last valid version\\)$`,
        ),
      ),
    );
  });

  const issue = (i: number): ContentIssue => ({ where: `story-${i}`, field: 'title', message: `problem ${i}` });

  test('problems that stop the build: nothing built, the reason names the first five, the log lists twenty', async () => {
    const p = await pipeline(demo);
    p.requests.start();
    await p.publish.run();
    const served = p.builds.served;
    const site = p.publish.site;
    const success = p.publish.lastSuccess;
    p.content.issues = Array.from({ length: 25 }, (_, i) => issue(i + 1));
    p.lines.length = 0;
    const started = Date.now();
    p.requests.request();
    await p.publish.run();

    expect(p.builds.plans).toHaveLength(1);
    expect(p.builds.served).toBe(served);
    expect(p.publish.site).toBe(site);
    expect(p.publish.lastSuccess).toBe(success);
    const failure = p.publish.lastFailure!;
    const five = [1, 2, 3, 4, 5].map((i) => `story-${i} → title: problem ${i}`).join('; ');
    expect(failure.reason).toBe(`25 content problems found; nothing was built: ${five} (and 20 more)`);
    expect(failure.output).toBe(
      Array.from({ length: 25 }, (_, i) => `  - story-${i + 1} → title: problem ${i + 1}`).join('\n'),
    );
    expect(Date.parse(failure.at)).toBeGreaterThanOrEqual(started - 1000);
    expect(Date.parse(failure.at)).toBeLessThanOrEqual(Date.now());
    expect(p.lines).toContain('build failed: 25 content problems found; nothing was built; still serving build-1');
    expect(p.lines).toContain(
      Array.from({ length: 20 }, (_, i) => `  - story-${i + 1} → title: problem ${i + 1}`).join('\n'),
    );
    // Not a sync failure: no retry.
    expect(p.lines.some((line) => line.startsWith('retrying'))).toBe(false);
    expect(p.search.jobs).toHaveLength(1);
  });

  test('one problem is “1 content problem”, five are listed without a remainder', async () => {
    const p = await pipeline(demo);
    p.content.issues = [{ ...issue(1), hint: 'a hint' }];
    p.requests.start();
    await p.publish.run();
    expect(p.publish.lastFailure?.reason).toBe(
      '1 content problem found; nothing was built: story-1 → title: problem 1 (a hint)',
    );
    expect(p.lines).toContain('build failed: 1 content problem found; nothing was built; still serving nothing');
    expect(p.lines).toContain('  - story-1 → title: problem 1 (a hint)');
    p.content.issues = [1, 2, 3, 4, 5].map(issue);
    await p.publish.run();
    expect(p.publish.lastFailure?.reason).toBe(
      `5 content problems found; nothing was built: ${[1, 2, 3, 4, 5].map((i) => `story-${i} → title: problem ${i}`).join('; ')}`,
    );
    expect(p.builds.plans).toHaveLength(0);
    expect(p.publish.lastSuccess).toBeNull();
  });
});

describe('a build that fails', () => {
  test('leaves the build served and the success as they were, and reports the end of its output and its error', async () => {
    const p = await pipeline([...demo, scheduledStory()]);
    p.requests.start();
    await p.publish.run();
    const site = p.publish.site;
    const success = p.publish.lastSuccess;
    const story = published()[0]!;
    await p.client.patch(String(story['_id'])).set({ title: 'Edited before a failing build' }).commit();
    p.builds.failure = new BuildFailure('the render process exited with code 1', `${'x'.repeat(5000)}THE END`, {
      error: { name: 'TypeError', message: 'boom', where: 'src/pages/index.astro:3:1' },
    });
    p.lines.length = 0;
    p.schedule.arm(undefined);
    p.requests.request();
    await p.publish.run();

    expect(p.builds.plans).toHaveLength(2);
    expect(p.builds.served?.id).toBe('build-1');
    expect(p.publish.site).toBe(site);
    expect(p.publish.lastSuccess).toBe(success);
    expect(p.publish.lastFailure?.reason).toBe('the render process exited with code 1');
    expect(p.publish.lastFailure?.output).toBe(`${'x'.repeat(3993)}THE END`);
    expect(p.lines).toContain('build failed: the render process exited with code 1; still serving build-1');
    expect(p.lines).toContain('  - TypeError: boom (src/pages/index.astro:3:1)');
    expect(p.search.jobs).toHaveLength(1);
    // The schedule is armed whatever happened.
    expect(p.schedule.next).toBe(SCHEDULED);

    // An error that is not a BuildFailure is reported as it converts to text, with no output and no details.
    p.builds.failure = new RangeError('disk full');
    p.lines.length = 0;
    await p.publish.run();
    expect(p.publish.lastFailure).toMatchObject({ reason: 'RangeError: disk full', output: '' });
    expect(p.lines).toEqual([
      expect.stringMatching(/^sync: /),
      expect.stringMatching(/^model: /),
      'build failed: RangeError: disk full; still serving build-1',
    ]);
  });

  test('a failure with neither problems nor an error logs no details', async () => {
    const p = await pipeline(demo);
    p.builds.failure = new BuildFailure('render failed', 'out');
    p.requests.start();
    await p.publish.run();
    expect(p.lines.at(-1)).toBe('build failed: render failed; still serving nothing');
    expect(p.publish.lastFailure?.output).toBe('out');
  });
});

test('the model’s incremental failure is logged once, then cleared', async () => {
  const p = await pipeline(demo);
  p.requests.start();
  await p.publish.run();
  const error = new Error('incremental broke');
  p.model.incrementalError = error;
  p.requests.request();
  await p.publish.run();
  expect(p.lines).toContain(`model: the incremental computation failed and was done in full: ${error.stack}`);
  expect(p.model.incrementalError).toBeUndefined();
  const bare = Object.assign(new Error('no stack'), { stack: undefined });
  p.model.incrementalError = bare;
  await p.publish.run();
  expect(p.lines).toContain('model: the incremental computation failed and was done in full: no stack');
  p.model.incrementalError = 'a string';
  await p.publish.run();
  expect(p.lines).toContain('model: the incremental computation failed and was done in full: a string');
  expect(p.lines.filter((line) => line.startsWith('model: the incremental'))).toHaveLength(3);
});

describe('a sync that fails', () => {
  let own: RunningLake;
  let port: number;
  const startOwn = async () => {
    own = await startLake({
      port,
      dataFile: path.join(tmp, 'own-lake.ndjson'),
      tokens: { [ADMIN_TOKEN]: { role: 'administrator', name: 'Test Admin' } },
    });
  };
  beforeAll(async () => {
    port = await freePort();
    await startOwn();
  });
  afterAll(async () => {
    await own.close();
  });

  test('is reported and retried, backing off from 2 s to a minute; a sync that works starts again at 2 s', async () => {
    const p = await pipeline(demo, { url: `http://127.0.0.1:${port}` });
    p.requests.start();
    await p.publish.run();
    expect(p.publish.lastFailure).toBeNull();
    const success = p.publish.lastSuccess;
    await own.close();

    const waits: string[] = [];
    for (let i = 0; i < 7; i++) {
      p.lines.length = 0;
      p.requests.webhook('story-x');
      await p.publish.run();
      waits.push(p.lines.find((line) => line.startsWith('retrying')) ?? 'no retry');
      expect(p.publish.lastFailure?.reason).toMatch(/^sync failed: /);
      expect(p.publish.lastFailure?.output).toBe('');
      expect(p.lines).toContain(`build failed: ${p.publish.lastFailure?.reason}; still serving build-1`);
      // The next sync reads every change, not only what the webhooks named (they may have been lost).
      expect(p.requests.take().hint).toBeNull();
    }
    expect(waits).toEqual([2, 4, 8, 16, 32, 60, 60].map((s) => `retrying the sync in ${s} s`));
    expect(p.publish.lastSuccess).toBe(success);
    expect(p.builds.plans).toHaveLength(1);
    expect(p.search.jobs).toHaveLength(1);

    await startOwn();
    p.requests.request();
    await p.publish.run();
    expect(p.lines.some((line) => line.startsWith('sync: '))).toBe(true);
    await own.close();
    p.lines.length = 0;
    p.requests.request();
    await p.publish.run();
    expect(p.lines).toContain('retrying the sync in 2 s');
    await startOwn();
  });

  test('the retry asks for a build when its time comes; a service that never synced serves nothing meanwhile', async () => {
    const p = await pipeline([], { url: `http://127.0.0.1:${await freePort()}` });
    p.requests.webhook('story-x');
    await p.publish.run();
    expect(p.lines).toEqual([
      'retrying the sync in 2 s',
      `build failed: ${p.publish.lastFailure?.reason}; still serving nothing`,
    ]);
    const triggers = p.counts.triggers;
    await new Promise((resolve) => setTimeout(resolve, 1700));
    expect(p.counts.triggers).toBe(triggers);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(p.counts.triggers).toBe(triggers + 1);
  });
});
