/**
 * The search index of the served site, kept right after every publish and unpublish. Pagefind cannot update an index,
 * and writing one takes about 5 s of CPU per 1,000 stories (README, "Search"), so it is written off the critical path:
 * right after a build is swapped in, in the background, into a new folder `search/<n>/pagefind/` that then becomes
 * the served one by renaming the `search/current` symlink; the page goes live first and search follows. Requests
 * that come meanwhile coalesce: the next index is written from the newest site. The folder before stays, for readers
 * whose page loaded the previous index.
 */
import { mkdir, readdir, readFile, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { StoryView } from '../src/lib/site/site.ts';
import { stopSearchIndex, writeSearchIndex } from '../src/lib/site/search-index.ts';

/** What `/status` says about search. */
export interface SearchStatus {
  state: 'none' | 'indexing' | 'ready';
  /** The index served: its stories, how long writing it took, when it went live, and since the publish it shows. */
  records: number | null;
  ms: number | null;
  finishedAt: string | null;
  sincePublishMs: number | null;
  lastError: string | null;
}

/** One index to write: the site's stories (the array is replaced, never changed, by the site model) and their key. */
interface SearchJob {
  stories: readonly StoryView[];
  timeZone: string;
  key: string;
  /** When the publish it shows was asked for (a webhook's arrival), if known. */
  triggeredAt: string | null;
}

export class SearchIndexer {
  readonly root: string;
  readonly #log: (line: string) => void;
  /** The key of the index served. */
  #key: string | undefined;
  #pending: SearchJob | undefined;
  /** The key of the index being written. */
  #writing: string | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;
  #sequence = 0;
  #status: SearchStatus = {
    state: 'none',
    records: null,
    ms: null,
    finishedAt: null,
    sincePublishMs: null,
    lastError: null,
  };

  /** `root`: the service's folder; the index lives in its `search/`. */
  constructor(root: string, log: (line: string) => void) {
    this.root = path.join(path.resolve(root), 'search');
    this.#log = log;
  }

  /** The folder /pagefind/ is served from (a symlink, resolved again for every request). */
  get dir(): string {
    return path.join(this.root, 'current');
  }

  /** Picks up the index of an earlier run and its key; removes folders neither served nor the one before. */
  async init(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    const current = await readlink(this.dir).catch(() => undefined);
    if (current) {
      this.#key = await readFile(path.join(this.root, current, 'key'), 'utf8').catch(() => undefined);
      if (this.#key) this.#status.state = 'ready';
    }
    this.#sequence = Date.now();
    await this.#prune(current);
  }

  status(): SearchStatus {
    return { ...this.#status, state: this.#running ? 'indexing' : this.#status.state };
  }

  /** Asks for the index of `job.stories` unless the one served (or being written) already has their key. */
  update(job: SearchJob): void {
    if (this.#stopped) return;
    if (job.key === (this.#pending?.key ?? this.#writing ?? this.#key)) return;
    this.#pending = job;
    this.#running ??= this.#drain().finally(() => {
      this.#running = undefined;
    });
  }

  /** Resolves when no index is being written or waiting. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /** Stops: a write under way is cut short (its Pagefind process ends), nothing more starts. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#pending = undefined;
    if (this.#running) await stopSearchIndex();
    await this.idle();
  }

  async #drain(): Promise<void> {
    while (this.#pending && !this.#stopped) {
      const job = this.#pending;
      this.#pending = undefined;
      if (job.key === this.#key) continue;
      try {
        this.#writing = job.key;
        await this.#write(job);
      } catch (error) {
        if (this.#stopped) return;
        const message = error instanceof Error ? error.message : String(error);
        this.#status.lastError = message;
        this.#log(`search index failed: ${message}; still serving the one before`);
      } finally {
        this.#writing = undefined;
      }
    }
  }

  async #write(job: SearchJob): Promise<void> {
    this.#sequence += 1;
    const name = String(this.#sequence);
    const dir = path.join(this.root, name);
    await rm(dir, { recursive: true, force: true });
    const written = await writeSearchIndex(job.stories, job.timeZone, dir);
    if (this.#stopped) return;
    await writeFile(path.join(dir, 'key'), job.key);
    const link = path.join(this.root, `current.${process.pid}.tmp`);
    await rm(link, { force: true });
    await symlink(name, link);
    const before = await readlink(this.dir).catch(() => undefined);
    await rename(link, this.dir);
    this.#key = job.key;
    const finished = new Date();
    const since = job.triggeredAt ? finished.getTime() - Date.parse(job.triggeredAt) : null;
    this.#status = {
      state: 'ready',
      records: written.records,
      ms: Math.round(written.ms),
      finishedAt: finished.toISOString(),
      sincePublishMs: since,
      lastError: null,
    };
    this.#log(
      `search index of ${written.records} stories is live (${Math.round(written.ms)} ms${since === null ? '' : `, ${since} ms after the publish`})`,
    );
    await this.#prune(name, before);
  }

  /** Removes every index folder but `keep` (served) and `previous` (the one before, which open pages may still use). */
  async #prune(keep: string | undefined, previous?: string): Promise<void> {
    for (const entry of await readdir(this.root)) {
      if (entry === 'current' || entry === keep || entry === previous) continue;
      await rm(path.join(this.root, entry), { recursive: true, force: true });
    }
  }
}
