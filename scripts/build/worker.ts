// A build worker thread (see workers.ts): reads story files or renders bodies, a batch at a time.
import { parentPort } from 'node:worker_threads';
import { renderBody } from '../../src/lib/body.ts';
import { readStoryFile } from '../../src/lib/content-files.ts';
import { RenderCache } from '../../src/lib/render-cache.ts';
import type { BodyResult, Task } from './workers.ts';

parentPort?.on('message', (task: Task) => {
  void run(task).then(
    (results) => parentPort?.postMessage({ ok: true, results }),
    (error: unknown) => parentPort?.postMessage({ ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
});

async function run(task: Task): Promise<unknown[]> {
  if (task.kind === 'read') return Promise.all(task.items.map((i) => readStoryFile(i.file, i.where)));
  const cache = new RenderCache(task.cacheDir);
  const results: BodyResult[] = task.items.map((body) => {
    const misses = cache.misses;
    try {
      return { body: cache.get(body, renderBody), fresh: cache.misses > misses };
    } catch {
      return undefined;
    }
  });
  await cache.save();
  return results;
}
