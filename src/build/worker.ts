// A build worker thread (see workers.ts): reads story files or renders bodies, a batch at a time.
import { parentPort } from 'node:worker_threads';
import { renderBody } from '../lib/body/body.ts';
import { readStoryFile } from '../lib/sources/content-files.ts';
import { lookupBodies } from '../lib/body/render-cache.ts';
import type { BodyResult, Task } from './workers.ts';

parentPort?.on('message', (task: Task) => {
  void run(task).then(
    (results) => parentPort?.postMessage({ ok: true, results }),
    (error: unknown) =>
      parentPort?.postMessage({
        ok: false,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      }),
  );
});

async function run(task: Task): Promise<unknown[]> {
  if (task.kind === 'read') return Promise.all(task.items.map((i) => readStoryFile(i.file, i.where)));
  const lookup = lookupFor(task.cacheDir);
  return task.items.map((body): BodyResult => {
    const cached = lookup?.(body);
    if (cached) return { body: cached, fresh: false };
    try {
      return { body: renderBody(body), fresh: true };
    } catch {
      return undefined;
    }
  });
}

const lookups = new Map<string | undefined, ReturnType<typeof lookupBodies>>();

/** One connection to the render cache per folder for the worker's life. */
function lookupFor(dir: string | undefined): ReturnType<typeof lookupBodies> {
  if (!lookups.has(dir)) lookups.set(dir, lookupBodies(dir));
  return lookups.get(dir);
}
