// The Similar News worker thread (see `SimilarJob` in similar-job.ts): keeps the stories (without their text, which
// only tokenizing reads), their terms and the links of its last answer between computations. The search, most of
// a computation at 100,000 stories, is split with a helper thread (the machine's second core): the index goes into
// shared memory, and each thread searches half of the stories.
import { Worker, parentPort, workerData } from 'node:worker_threads';
import type { SimilarIndexData } from '../src/lib/similar/index-data.ts';
import type { SimilarInput, SimilarLink } from '../src/lib/similar/options.ts';
import { SimilarIndex } from '../src/lib/similar/similar-index.ts';
import { TermCache } from '../src/lib/similar/terms.ts';
import { SIMILAR_HELPER } from './similar-helper.ts';
import { SIMILAR_WORKER, type SimilarAnswer, type SimilarRequest } from './similar-job.ts';

/** Links of some stories, searched elsewhere (the helper thread) in an index's data. */
export type SearchElsewhere = (data: SimilarIndexData, ids: string[]) => Promise<[string, SimilarLink[]][]>;

/**
 * What the worker keeps between computations, and a computation: the stories changed since the last one are
 * tokenized, the index built over all of them, and half of the stories searched by `elsewhere`.
 */
export class SimilarWorker {
  readonly #stories = new Map<string, SimilarInput>();
  readonly #terms = new TermCache();
  #previous = new Map<string, SimilarLink[]>();
  readonly #elsewhere: SearchElsewhere;

  constructor(elsewhere: SearchElsewhere) {
    this.#elsewhere = elsewhere;
  }

  async compute(request: SimilarRequest): Promise<SimilarAnswer> {
    const started = performance.now();
    for (const id of request.remove) this.#stories.delete(id);
    for (const input of request.upsert) {
      this.#stories.set(input.id, input);
      this.#terms.forget(input.id);
    }
    const built = SimilarIndex.build([...this.#stories.values()], { limit: request.limit }, this.#terms);
    // Tokenized now: the text (a few kilobytes a story) is not needed again.
    // Stryker disable next-line StringLiteral: the text kept is never read (the terms of a story not upserted come from the cache)
    for (const input of request.upsert) this.#stories.set(input.id, { ...input, text: '' });
    const data = shared(built.toTransfer().data);
    const index = SimilarIndex.fromTransfer(data);
    const ids = index.ids();
    const half = Math.ceil(ids.length / 2);
    const theirs = this.#elsewhere(data, ids.slice(half));
    const links = index.linksFor(ids.slice(0, half));
    for (const [id, list] of await theirs) links.set(id, list);
    // Only lists that point elsewhere go back: scores move a little with every computation (the corpus statistics
    // change), at 100,000 stories on every list, and no page shows them.
    const changed: [string, SimilarLink[]][] = [];
    for (const [id, list] of links) {
      const before = this.#previous.get(id);
      if (before === undefined || !sameTargets(before, list)) changed.push([id, list]);
      else links.set(id, before);
    }
    this.#previous = links;
    return { changed, index: data, ms: performance.now() - started };
  }
}

let helper: Worker | undefined;
const worker = new SimilarWorker(search);

// Only in the thread the job starts (a test imports this module in a thread of the test runner's own): a failure
// is left unhandled there, which ends the thread; the job sees its 'error' event and starts a new worker.
if (workerData === SIMILAR_WORKER)
  parentPort?.on('message', (request: SimilarRequest) => {
    void worker.compute(request).then((answer) => parentPort?.postMessage(answer));
  });

/** The links of `ids`, searched by the helper thread in the shared index. */
function search(data: SimilarIndexData, ids: string[]): Promise<[string, SimilarLink[]][]> {
  const thread = (helper ??= new Worker(new URL('./similar-helper.ts', import.meta.url), {
    workerData: SIMILAR_HELPER,
  }));
  return new Promise((resolve, reject) => {
    const onMessage = (links: [string, SimilarLink[]][]) => {
      thread.off('error', onError);
      resolve(links);
    };
    const onError = (error: Error) => {
      thread.off('message', onMessage);
      helper = undefined;
      reject(error);
    };
    thread.once('message', onMessage);
    thread.once('error', onError);
    thread.postMessage({ data, ids });
  });
}

/** The index data with every array in shared memory (one copy, which both threads and then the service read). */
export function shared(data: SimilarIndexData): SimilarIndexData {
  const copies = new Map<ArrayBufferView, ArrayBufferView>();
  const share = <T extends Int32Array | Float64Array>(array: T): T => {
    let copy = copies.get(array) as T | undefined;
    if (copy === undefined) {
      const Kind = array.constructor as new (buffer: SharedArrayBuffer) => T;
      copy = new Kind(new SharedArrayBuffer(array.byteLength));
      copy.set(array);
      copies.set(array, copy);
    }
    return copy;
  };
  const signal = (s: SimilarIndexData['text']): SimilarIndexData['text'] =>
    s && {
      keys: s.keys,
      df: share(s.df),
      rows: { start: share(s.rows.start), item: share(s.rows.item), weight: share(s.rows.weight) },
      queryWeight: share(s.queryWeight),
      probeEnd: share(s.probeEnd),
      postings: { start: share(s.postings.start), item: share(s.postings.item), weight: share(s.postings.weight) },
    };
  return {
    ...data,
    time: share(data.time),
    pinnedStart: share(data.pinnedStart),
    sectionOf: share(data.sectionOf),
    fallback: { start: share(data.fallback.start), item: share(data.fallback.item) },
    tagNorm: share(data.tagNorm),
    text: signal(data.text),
    tags: signal(data.tags),
  };
}

function sameTargets(a: SimilarLink[], b: SimilarLink[]): boolean {
  return a.length === b.length && a.every((link, i) => link.id === b[i]?.id && link.reason === b[i]?.reason);
}
