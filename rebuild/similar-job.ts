import { Worker } from 'node:worker_threads';
import type { SimilarIndexData } from '../src/lib/similar/index-data.ts';
import { sameSimilarInput, type SimilarInput, type SimilarLink } from '../src/lib/similar/options.ts';
import { SimilarIndex } from '../src/lib/similar/similar-index.ts';
import type { SettledSimilar } from './site-model.ts';

/** The `workerData` of the worker thread: similar-worker.ts listens only there, not where it is imported. */
export const SIMILAR_WORKER = 'similar-worker';

/** What the main thread sends the worker: the stories changed since the last computation, and those gone. */
export interface SimilarRequest {
  upsert: SimilarInput[];
  remove: string[];
  limit: number;
}

/**
 * What the worker answers: the link lists that point at other stories, or for other reasons, than in its last answer
 * (all of them the first time), and the index. A list that points where it did keeps the scores it had then.
 */
export interface SimilarAnswer {
  changed: [string, SimilarLink[]][];
  index: SimilarIndexData;
  ms: number;
}

/**
 * Computes Similar News for every story in a worker thread, so that the service keeps serving pages and answering
 * webhooks meanwhile. The worker stays between computations and keeps the stories and their terms: each computation
 * sends only the stories changed since the last one, tokenizes only those (most of the cost of building the index),
 * and answers with the links that changed; the index comes back with its arrays transferred. At 100,000 stories a
 * computation takes seconds instead of a minute. A worker that fails is replaced, and the next one starts afresh.
 */
export class SimilarJob {
  #worker: Worker | undefined;
  /** The stories the worker holds, as last sent. */
  #sent = new Map<string, SimilarInput>();
  /** The links of the worker's last answer, in full. */
  #links = new Map<string, SimilarLink[]>();
  #running: Promise<SettledSimilar> | undefined;

  /** Every story's links over `inputs` (one computation at a time: a second call waits for the first). */
  compute(inputs: SimilarInput[], limit: number): Promise<SettledSimilar> {
    const run = (this.#running ?? Promise.resolve()).catch(() => undefined).then(() => this.#compute(inputs, limit));
    this.#running = run;
    return run;
  }

  /** Stops the worker; a computation asked for after this starts afresh in a new one. */
  stop(): void {
    void this.#worker?.terminate();
    this.#worker = undefined;
    this.#sent.clear();
    this.#links.clear();
  }

  async #compute(inputs: SimilarInput[], limit: number): Promise<SettledSimilar> {
    const worker = (this.#worker ??= this.#start());
    const upsert: SimilarInput[] = [];
    const live = new Set<string>();
    for (const input of inputs) {
      live.add(input.id);
      const sent = this.#sent.get(input.id);
      if (sent === undefined || !sameSimilarInput(sent, input)) upsert.push(input);
    }
    const remove = [...this.#sent.keys()].filter((id) => !live.has(id));
    const request: SimilarRequest = { upsert, remove, limit };
    try {
      const answer = await new Promise<SimilarAnswer>((resolve, reject) => {
        const onMessage = (message: SimilarAnswer) => {
          done();
          resolve(message);
        };
        const onError = (error: Error) => {
          done();
          reject(error);
        };
        const onExit = (code: number) => {
          done();
          reject(new Error(`the Similar News worker exited with code ${code}`));
        };
        const done = () => {
          worker.off('message', onMessage);
          worker.off('error', onError);
          worker.off('exit', onExit);
        };
        worker.on('message', onMessage);
        worker.on('error', onError);
        worker.on('exit', onExit);
        worker.postMessage(request);
      });
      for (const input of upsert) this.#sent.set(input.id, input);
      for (const id of remove) {
        this.#sent.delete(id);
        this.#links.delete(id);
      }
      for (const [id, links] of answer.changed) this.#links.set(id, links);
      return { index: SimilarIndex.fromTransfer(answer.index), links: new Map(this.#links), inputs, limit };
    } catch (error) {
      // Whatever the worker held is unknown now: the next computation starts from nothing in a new one.
      this.stop();
      throw error;
    }
  }

  #start(): Worker {
    const worker = new Worker(new URL('./similar-worker.ts', import.meta.url), { workerData: SIMILAR_WORKER });
    worker.unref();
    return worker;
  }
}
