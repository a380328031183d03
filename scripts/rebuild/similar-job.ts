import { Worker } from 'node:worker_threads';
import { SimilarIndex, type SimilarIndexData, type SimilarInput, type SimilarLink } from '../../src/lib/similar.ts';
import type { SettledSimilar } from './site-model.ts';

/**
 * Computes Similar News for every story in a worker thread (about half a millisecond per story), so that the
 * service keeps serving pages and answering webhooks meanwhile. The index comes back with its arrays transferred.
 */
export function computeSimilar(inputs: SimilarInput[], limit: number): Promise<SettledSimilar> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./similar-worker.ts', import.meta.url));
    worker.once('message', (message: { links: [string, SimilarLink[]][]; index: SimilarIndexData }) => {
      resolve({ index: SimilarIndex.fromTransfer(message.index), links: new Map(message.links), inputs, limit });
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the Similar News worker exited with code ${code}`)));
    worker.postMessage({ inputs, limit });
  });
}
