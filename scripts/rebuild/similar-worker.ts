// A worker thread that computes Similar News for the whole site (see `computeSimilar` in similar-job.ts).
import { parentPort } from 'node:worker_threads';
import { SimilarIndex, type SimilarInput } from '../../src/lib/similar.ts';

parentPort?.once('message', (message: { inputs: SimilarInput[]; limit: number }) => {
  const index = SimilarIndex.build(message.inputs, { limit: message.limit });
  const links = [...index.all()];
  const { data, transfer } = index.toTransfer();
  parentPort?.postMessage({ links, index: data }, transfer);
});
