import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RenderedBody } from './site.ts';
import type { StoryBody } from './story.ts';

/**
 * Bump when the render pipeline's output changes (markdown.ts, portable-text.ts, render.ts, body.ts), so that
 * cached bodies are rendered again.
 */
export const RENDER_VERSION = 1;

/** A cache of rendered bodies keyed by a digest of the body, so a build renders only new or changed bodies. */
export class RenderCache {
  #previous: Map<string, RenderedBody>;
  #used = new Map<string, RenderedBody>();
  hits = 0;
  misses = 0;

  constructor(entries: Iterable<[string, RenderedBody]> = []) {
    this.#previous = new Map(entries);
  }

  /** The rendered body, from the cache or from `render`. */
  get(body: StoryBody, render: (body: StoryBody) => RenderedBody): RenderedBody {
    const key = bodyDigest(body);
    let value = this.#used.get(key) ?? this.#previous.get(key);
    if (value) this.hits += 1;
    else {
      this.misses += 1;
      value = render(body);
    }
    this.#used.set(key, value);
    return value;
  }

  /** The entries used since construction: saving only these drops bodies that no longer exist. */
  entries(): [string, RenderedBody][] {
    return [...this.#used];
  }
}

/** A digest of a body and the pipeline version. */
export function bodyDigest(body: StoryBody): string {
  return createHash('sha1').update(`${RENDER_VERSION}\0${body.format}\0`).update(typeof body.value === 'string' ? body.value : JSON.stringify(body.value)).digest('base64url');
}

/** Loads a cache file; a missing, unreadable or foreign file gives an empty cache. */
export async function loadRenderCache(file: string): Promise<RenderCache> {
  try {
    const data = JSON.parse(await readFile(file, 'utf8')) as { version?: number; entries?: [string, RenderedBody][] };
    return new RenderCache(data.version === RENDER_VERSION && Array.isArray(data.entries) ? data.entries : []);
  } catch {
    return new RenderCache();
  }
}

/** Writes the cache atomically (temporary file, then rename), keeping only the entries this build used. */
export async function saveRenderCache(file: string, cache: RenderCache): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify({ version: RENDER_VERSION, entries: cache.entries() }));
  await rename(temporary, file);
}
