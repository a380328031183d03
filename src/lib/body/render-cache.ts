import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { RenderedBody } from '../site/site.ts';
import type { StoryBody } from '../model/story.ts';

/**
 * Bump when the render pipeline's output changes (markdown.ts, portable-text.ts, render.ts, body.ts), so that
 * cached bodies are rendered again.
 */
export const RENDER_VERSION = 1;

/**
 * A cache of rendered bodies keyed by a digest of the body, so a build renders only new or changed bodies. On disk it
 * is an SQLite database (`<dir>/bodies.sqlite`, Node's built-in `node:sqlite`), read a body at a time when one is
 * asked for and written in one transaction per save: no step holds the whole cache in one string, and a build that
 * changed one story writes one row. (One small file per body, tried first, cost about 1 ms a body to write on these
 * disks, ten seconds for 10,000 stories; the database takes half a second.) Several threads and processes may use
 * the same database; each write waits for the others.
 */
export class RenderCache {
  readonly #dir: string | undefined;
  #store: BodyStore | null | undefined;
  #used = new Map<string, RenderedBody>();
  /** Rendered since the last save, not on disk yet. */
  #fresh = new Map<string, RenderedBody>();
  hits = 0;
  misses = 0;

  /** A cache over the folder `dir`, or in memory only without one. */
  constructor(dir?: string) {
    this.#dir = dir;
  }

  /** The rendered body, from the cache or from `render`. */
  get(body: StoryBody, render: (body: StoryBody) => RenderedBody): RenderedBody {
    const key = bodyDigest(body);
    const adopted = this.#used.get(key);
    if (adopted) return adopted;
    let value = this.#open()?.read(key);
    if (value) this.hits += 1;
    else {
      this.misses += 1;
      value = render(body);
      this.#fresh.set(key, value);
    }
    this.#used.set(key, value);
    return value;
  }

  /**
   * Records a body rendered (`fresh`, to be written by the next save) or found in the cache elsewhere, by a build
   * worker thread that reads the same database (`lookupBodies`).
   */
  adopt(body: StoryBody, value: RenderedBody, fresh: boolean): void {
    const key = bodyDigest(body);
    this.#used.set(key, value);
    if (fresh) {
      this.misses += 1;
      this.#fresh.set(key, value);
    } else this.hits += 1;
  }

  /**
   * Lets go of the bodies held in memory, except those not saved yet: a long-running process (the rebuild service)
   * keeps what it needs itself, and a body asked for again is read from the database.
   */
  release(): void {
    this.#used = new Map(this.#fresh);
  }

  /** The entries used since construction. */
  entries(): [string, RenderedBody][] {
    return [...this.#used];
  }

  /**
   * Writes the bodies rendered since the last save, in one transaction. With `prune`, also deletes every entry this
   * cache did not use (after a full build: bodies that no longer exist).
   */
  async save(options: { prune?: boolean } = {}): Promise<void> {
    const store = this.#open();
    if (!store) return;
    const fresh = [...this.#fresh];
    this.#fresh = new Map();
    store.write(fresh);
    if (options.prune === true) store.keepOnly(new Set(this.#used.keys()));
  }

  /** The database, opened on first use (and tried once only); none when there is no folder or it cannot be created. */
  #open(): BodyStore | null {
    if (this.#store === undefined) this.#store = openStore(this.#dir);
    return this.#store;
  }
}

/**
 * Reads the render cache in `dir` without keeping what it read (for worker threads; the thread that owns the
 * `RenderCache` writes). Nothing when there is no folder or no database.
 */
export function lookupBodies(dir: string | undefined): ((body: StoryBody) => RenderedBody | undefined) | undefined {
  const store = openStore(dir);
  return store ? (body) => store.read(bodyDigest(body)) : undefined;
}

/** The database in `dir`; none when there is no folder or it cannot be created. */
function openStore(dir: string | undefined): BodyStore | null {
  // Stryker disable next-line ConditionalExpression: without a folder `new BodyStore` throws, and the catch gives null
  if (dir === undefined) return null;
  try {
    return new BodyStore(dir);
  } catch {
    return null;
  }
}

/** The rows of the render cache: key, and the rendered body as JSON. */
class BodyStore {
  readonly #db: DatabaseSync;
  readonly #select: StatementSync;
  readonly #insert: StatementSync;

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    // Waits up to a minute for another writer (a worker thread, the rebuild service) instead of failing.
    this.#db = new DatabaseSync(path.join(dir, 'bodies.sqlite'), { timeout: 60_000 });
    this.#db.exec(
      'PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; CREATE TABLE IF NOT EXISTS body (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID',
    );
    this.#select = this.#db.prepare('SELECT value FROM body WHERE key = ?');
    this.#insert = this.#db.prepare('INSERT OR REPLACE INTO body (key, value) VALUES (?, ?)');
  }

  /** One cached body; a missing or malformed entry is a miss (the body is rendered again). */
  read(key: string): RenderedBody | undefined {
    try {
      const row = this.#select.get(key) as { value: string } | undefined;
      // Stryker disable next-line ConditionalExpression: reading a missing row's value throws, and the catch gives a miss
      if (!row) return undefined;
      const value = JSON.parse(row.value) as Partial<RenderedBody>;
      return typeof value.html === 'string' && typeof value.text === 'string' ? (value as RenderedBody) : undefined;
    } catch {
      return undefined;
    }
  }

  write(entries: [string, RenderedBody][]): void {
    // Stryker disable next-line ConditionalExpression,EqualityOperator: an empty transaction writes nothing (skipping it spares the write lock)
    if (entries.length > 0)
      this.#transaction(() => entries.forEach(([key, value]) => this.#insert.run(key, JSON.stringify(value))));
  }

  /** Deletes every row whose key is not in `keep`. */
  keepOnly(keep: ReadonlySet<string>): void {
    const gone = (this.#db.prepare('SELECT key FROM body').all() as { key: string }[]).filter((r) => !keep.has(r.key));
    // Stryker disable next-line ConditionalExpression: deleting no rows changes nothing (returning early spares the write lock)
    if (gone.length === 0) return;
    const remove = this.#db.prepare('DELETE FROM body WHERE key = ?');
    this.#transaction(() => gone.forEach((r) => remove.run(r.key)));
  }

  #transaction(work: () => void): void {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      work();
      this.#db.exec('COMMIT');
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
  }
}

/** A digest of a body and the pipeline version. */
export function bodyDigest(body: StoryBody): string {
  return createHash('sha1')
    .update(`${RENDER_VERSION}\0${body.format}\0`)
    .update(typeof body.value === 'string' ? body.value : JSON.stringify(body.value))
    .digest('base64url');
}
