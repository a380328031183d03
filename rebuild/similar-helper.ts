// A helper thread of the Similar News worker (see similar-worker.ts): searches the links of the stories it is given,
// in an index the worker shares with it (its arrays are SharedArrayBuffers: nothing is copied).
import { parentPort, workerData } from 'node:worker_threads';
import type { SimilarIndexData } from '../src/lib/similar/index-data.ts';
import type { SimilarLink } from '../src/lib/similar/options.ts';
import { SimilarIndex } from '../src/lib/similar/similar-index.ts';

/** The links of `ids` in the index of `data`. */
export function searchShared(data: SimilarIndexData, ids: string[]): [string, SimilarLink[]][] {
  return [...SimilarIndex.fromTransfer(data).linksFor(ids)];
}

/** The `workerData` of the helper thread: the module listens only there, not where it is imported. */
export const SIMILAR_HELPER = 'similar-helper';

if (workerData === SIMILAR_HELPER)
  parentPort?.on('message', (message: { data: SimilarIndexData; ids: string[] }) => {
    parentPort?.postMessage(searchShared(message.data, message.ids));
  });
