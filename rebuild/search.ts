/**
 * The search index of the served site, kept right after every publish and unpublish. The index is in parts by
 * publish time (src/lib/site/search-index.ts); Pagefind cannot update a part, and writing one takes seconds of CPU
 * per 1,000 stories (README, "Search"), so it is written off the critical path: right after a build is swapped in,
 * in the background, into a new folder `search/<n>/` (the index in its `pagefind/`) that becomes the served one by
 * renaming the `search/current` symlink; the page goes live first and search follows. Only the parts whose key changed are
 * written (one Pagefind process at a time); the others are hard links to the files of the folder served. Requests
 * that come meanwhile coalesce: the next index is written from the newest site. The folder before stays, for readers
 * whose page loaded the previous index.
 */
import { existsSync } from 'node:fs';
import { link, mkdir, readdir, readFile, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  PARTS_FILE,
  partKeysText,
  partsManifest,
  readPartKeys,
  SEARCH_DIR,
  stopSearchIndex,
  writeSearchPart,
  type SearchPart,
} from '../src/lib/site/search-index.ts';

/** What `/status` says about search. */
export interface SearchStatus {
  state: 'none' | 'indexing' | 'ready';
  /**
   * The index served: its stories, its parts and how many of them were written (the others were kept), how long
   * writing it took, when it went live, and since the publish it shows.
   */
  records: number | null;
  parts: number | null;
  written: number | null;
  ms: number | null;
  finishedAt: string | null;
  sincePublishMs: number | null;
  lastError: string | null;
}

/**
 * One index to write: the site's stories in parts (`searchParts`; their arrays are never changed) and the key of the
 * whole (`searchKey`).
 */
interface SearchJob {
  parts: readonly SearchPart[];
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
    parts: null,
    written: null,
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
    // Stryker disable next-line ConditionalExpression: closing Pagefind when no write runs does nothing; not closing it lets the write finish, unused
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
    const started = performance.now();
    this.#sequence += 1;
    const name = String(this.#sequence);
    const dir = path.join(this.root, name);
    await rm(dir, { recursive: true, force: true });
    // The folder served at /pagefind/ is `pagefind/` of the served one.
    const index = path.join(dir, SEARCH_DIR);
    await mkdir(index, { recursive: true });
    const served = await readlink(this.dir).catch(() => undefined);
    const before = served ? path.join(this.root, served, SEARCH_DIR) : undefined;
    const had = before ? await readPartKeys(path.join(before, KEYS_FILE)) : new Map<string, string>();
    let records = 0;
    let written = 0;
    for (const part of job.parts) {
      if (this.#stopped) return;
      records += part.stories.length;
      const from = before && had.get(part.name) === part.key ? path.join(before, part.name) : undefined;
      if (from && existsSync(path.join(from, 'pagefind-entry.json'))) await linkTree(from, path.join(index, part.name));
      else {
        await writeSearchPart(part.stories, job.timeZone, path.join(index, part.name));
        written += 1;
      }
    }
    if (this.#stopped) return;
    await writeFile(path.join(index, PARTS_FILE), partsManifest(job.parts));
    await writeFile(path.join(index, KEYS_FILE), partKeysText(job.parts));
    const ms = performance.now() - started;
    await writeFile(path.join(dir, 'key'), job.key);
    const next = path.join(this.root, `current.${process.pid}.tmp`);
    await rm(next, { force: true });
    await symlink(name, next);
    await rename(next, this.dir);
    this.#key = job.key;
    const finished = new Date();
    const since = job.triggeredAt ? finished.getTime() - Date.parse(job.triggeredAt) : null;
    this.#status = {
      state: 'ready',
      records,
      parts: job.parts.length,
      written,
      ms: Math.round(ms),
      finishedAt: finished.toISOString(),
      sincePublishMs: since,
      lastError: null,
    };
    this.#log(
      `search index of ${records} stories is live (${written} of ${job.parts.length} parts written, ${Math.round(ms)} ms${since === null ? '' : `, ${since} ms after the publish`})`,
    );
    await this.#prune(name, served);
  }

  /** Removes every index folder but `keep` (served) and `previous` (the one before, which open pages may still use). */
  async #prune(keep: string | undefined, previous?: string): Promise<void> {
    for (const entry of await readdir(this.root)) {
      if (entry === 'current' || entry === keep || entry === previous) continue;
      await rm(path.join(this.root, entry), { recursive: true, force: true });
    }
  }
}

/** The file of an index folder that records its parts' keys. */
const KEYS_FILE = 'parts.keys.json';

/** Copies the folder `from` to `to` as hard links (an index's files are never changed once written). */
async function linkTree(from: string, to: string): Promise<void> {
  // Stryker disable next-line ObjectLiteral,BooleanLiteral: the parent of `to` is made before (the index folder, or `to` one level up)
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) await linkTree(source, target);
    // Stryker disable next-line ConditionalExpression: Pagefind writes files and folders only
    else if (entry.isFile()) await link(source, target);
  }
}
