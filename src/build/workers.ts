/**
 * A pool of worker threads, one per core, for the parts of computing the site that take a story at a time: reading
 * and checking story files, and rendering bodies. The build's main thread hands them batches and keeps the order.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ContentIssue } from '../lib/model/content-error.ts';
import type { RenderedBody } from '../lib/site/site.ts';
import type { Story, StoryBody, StoryRefs } from '../lib/model/story.ts';

/** What reading one story file gives (see `readStoryFile`). */
export interface StoryFileResult {
  story?: Story | undefined;
  issues: ContentIssue[];
  refs: StoryRefs;
}

/** A body rendered, or found in the render cache (`fresh: false`); nothing when the renderer failed on it. */
export type BodyResult = { body: RenderedBody; fresh: boolean } | undefined;

export type Task =
  | { kind: 'read'; items: { file: string; where: string }[] }
  | { kind: 'render'; items: StoryBody[]; cacheDir: string | undefined };

const BATCH = 64;

export class WorkerPool {
  readonly #workers: Worker[];

  constructor(size = availableParallelism()) {
    this.#workers = Array.from(
      { length: Math.max(1, size) },
      () => new Worker(new URL('./worker.ts', import.meta.url)),
    );
  }

  /** Reads and checks story files, in their order. */
  readStories(items: { file: string; where: string }[]): Promise<StoryFileResult[]> {
    return this.#run(
      (batch) => ({ kind: 'read', items: batch as { file: string; where: string }[] }),
      items,
    ) as Promise<StoryFileResult[]>;
  }

  /**
   * Renders the bodies not in the render cache in `cacheDir` (which the workers read; the caller writes what they
   * rendered), in their order; a body the renderer failed on comes back as nothing, for the main thread to render
   * again and report.
   */
  renderBodies(items: StoryBody[], cacheDir: string | undefined): Promise<BodyResult[]> {
    return this.#run((batch) => ({ kind: 'render', items: batch as StoryBody[], cacheDir }), items) as Promise<
      BodyResult[]
    >;
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }

  /** Runs the items in batches on whichever worker is free. */
  async #run(task: (batch: unknown[]) => Task, items: unknown[]): Promise<unknown[]> {
    const results: unknown[] = new Array(items.length);
    let next = 0;
    const drive = async (worker: Worker): Promise<void> => {
      while (next < items.length) {
        const start = next;
        next = Math.min(items.length, next + BATCH);
        const batch = await ask(worker, task(items.slice(start, next)));
        for (let i = 0; i < batch.length; i += 1) results[start + i] = batch[i];
      }
    };
    await Promise.all(this.#workers.map(drive));
    return results;
  }
}

function ask(worker: Worker, task: Task): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const done = (message: { ok: true; results: unknown[] } | { ok: false; error: string }) => {
      worker.off('error', failed);
      if (message.ok) resolve(message.results);
      else reject(new Error(`a build worker failed: ${message.error}`));
    };
    const failed = (error: Error) => {
      worker.off('message', done);
      reject(error);
    };
    worker.once('message', done);
    worker.once('error', failed);
    worker.postMessage(task);
  });
}
