// A helper thread of the Similar News worker (see similar-worker.ts): searches the links of the stories it is given,
// in an index the worker shares with it (its arrays are SharedArrayBuffers: nothing is copied).
import { parentPort } from 'node:worker_threads';
import { SimilarIndex, type SimilarIndexData, type SimilarLink } from '../src/lib/similar.ts';

parentPort?.on('message', (message: { data: SimilarIndexData; ids: string[] }) => {
  const links: [string, SimilarLink[]][] = [...SimilarIndex.fromTransfer(message.data).linksFor(message.ids)];
  parentPort?.postMessage(links);
});
