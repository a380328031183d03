import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RenderedBody } from './site.ts';
import type { StoryBody } from './story.ts';

/**
 * Bump when the render pipeline's output changes (markdown.ts, portable-text.ts, render.ts, body.ts), so that
 * cached bodies are rendered again.
 */
export const RENDER_VERSION = 1;

/**
 * A cache of rendered bodies keyed by a digest of the body, so a build renders only new or changed bodies. On disk it
 * is one small file per body (`<dir>/<2 characters>/<digest>.json`), read when a body is asked for and written when
 * one is rendered: no step holds the whole cache in one string, and a build that changed one story writes one file.
 */
export class RenderCache {
  readonly #dir: string | undefined;
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
    let value = this.#used.get(key) ?? (this.#dir === undefined ? undefined : readEntry(entryFile(this.#dir, key)));
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
   * Lets go of the bodies held in memory, except those not saved yet: a long-running process (the rebuild service)
   * keeps what it needs itself, and a body asked for again is read from disk.
   */
  release(): void {
    this.#used = new Map(this.#fresh);
  }

  /** The entries used since construction. */
  entries(): [string, RenderedBody][] {
    return [...this.#used];
  }

  /**
   * Writes the bodies rendered since the last save, each atomically (temporary file, then rename). With `prune`,
   * also deletes every entry this cache did not use (after a full build: bodies that no longer exist).
   */
  async save(options: { prune?: boolean } = {}): Promise<void> {
    const dir = this.#dir;
    if (dir === undefined) return;
    const fresh = [...this.#fresh];
    this.#fresh = new Map();
    const folders = new Set<string>();
    for (const [key, value] of fresh) {
      const file = entryFile(dir, key);
      const folder = path.dirname(file);
      if (!folders.has(folder)) await mkdir(folder, { recursive: true });
      folders.add(folder);
      const temporary = `${file}.${process.pid}.tmp`;
      await writeFile(temporary, JSON.stringify(value));
      await rename(temporary, file);
    }
    if (options.prune !== true) return;
    for (const folder of await readdir(dir).catch(() => [] as string[])) {
      for (const name of await readdir(path.join(dir, folder)).catch(() => [] as string[])) {
        if (!this.#used.has(name.replace(/\.json$/, ''))) await rm(path.join(dir, folder, name), { force: true });
      }
    }
  }
}

/** A digest of a body and the pipeline version. */
export function bodyDigest(body: StoryBody): string {
  return createHash('sha1').update(`${RENDER_VERSION}\0${body.format}\0`).update(typeof body.value === 'string' ? body.value : JSON.stringify(body.value)).digest('base64url');
}

function entryFile(dir: string, key: string): string {
  return path.join(dir, key.slice(0, 2), `${key}.json`);
}

/** One cached body; a missing, unreadable or malformed entry is a miss (the body is rendered again). */
function readEntry(file: string): RenderedBody | undefined {
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as Partial<RenderedBody>;
    return typeof value.html === 'string' && typeof value.text === 'string' ? (value as RenderedBody) : undefined;
  } catch {
    return undefined;
  }
}
