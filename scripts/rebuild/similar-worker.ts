// The Similar News worker thread (see `SimilarJob` in similar-job.ts): keeps the stories (without their text, which
// only tokenizing reads), their terms and the links of its last answer between computations.
import { parentPort } from 'node:worker_threads';
import { SimilarIndex, TermCache, type SimilarInput, type SimilarLink } from '../../src/lib/similar.ts';
import type { SimilarAnswer, SimilarRequest } from './similar-job.ts';

const stories = new Map<string, SimilarInput>();
const terms = new TermCache();
let previous = new Map<string, SimilarLink[]>();

parentPort?.on('message', (request: SimilarRequest) => {
  const started = performance.now();
  for (const id of request.remove) stories.delete(id);
  for (const input of request.upsert) {
    stories.set(input.id, input);
    terms.forget(input.id);
  }
  const index = SimilarIndex.build([...stories.values()], { limit: request.limit }, terms);
  // Tokenized now: the text (a few kilobytes a story) is not needed again.
  for (const input of request.upsert) stories.set(input.id, { ...input, text: '' });
  const links = index.all();
  const changed: [string, SimilarLink[]][] = [];
  for (const [id, list] of links) {
    const before = previous.get(id);
    if (before === undefined || !sameLinks(before, list)) changed.push([id, list]);
  }
  previous = links;
  const { data, transfer } = index.toTransfer();
  const answer: SimilarAnswer = { changed, index: data, ms: performance.now() - started };
  parentPort?.postMessage(answer, transfer);
});

function sameLinks(a: SimilarLink[], b: SimilarLink[]): boolean {
  return a.length === b.length && a.every((link, i) => link.id === b[i]?.id && link.score === b[i]?.score && link.reason === b[i]?.reason);
}
