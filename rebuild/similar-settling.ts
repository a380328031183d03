import { SIMILAR_DEFAULTS, type SimilarInput, type SimilarLink } from '../src/lib/similar/options.ts';
import { SimilarIndex } from '../src/lib/similar/similar-index.ts';
import { SimilarJob } from './similar-job.ts';
import type { ModelResult, SettledSimilar, SiteModel } from './site-model.ts';

/**
 * A full Similar News computation that took less than this last time runs inline in a publish (it blocks the
 * service that long); a longer one runs in a worker after the publish is live (see `settle`).
 */
const INLINE_SIMILAR_MS = 250;

/**
 * When the site's Similar News is computed in full. The first time, before the first build, in the worker; after
 * that a publish goes live with the model's quick links, made final at once when a full computation is cheap (a
 * small site), and otherwise by a computation in the worker after the publish ("settling"), which a follow-up build
 * adopts.
 */
export class SimilarSettling {
  readonly #model: SiteModel;
  readonly #job = new SimilarJob();
  readonly #log: (line: string) => void;
  readonly #settled: () => void;
  /** A full computation finished in the worker, waiting for the next build to adopt it. */
  #waiting: SettledSimilar | undefined;
  #running = false;
  /** How long the last full computation took (decides whether the next one runs inline). */
  #ms = Infinity;

  /** `settled` asks for the build that renders the pages whose links changed. */
  constructor(model: SiteModel, log: (line: string) => void, settled: () => void) {
    this.#model = model;
    this.#log = log;
    this.#settled = settled;
  }

  /** Whether a computation runs in the worker, or waits for a build to adopt it. */
  get settling(): boolean {
    return this.#running || this.#waiting !== undefined;
  }

  /** Hands the model the computation finished in the worker, if one waits (before a build computes the site). */
  adopt(): void {
    if (!this.#waiting) return;
    this.#model.settle(this.#waiting);
    this.#waiting = undefined;
  }

  /**
   * The site computed by `compute` (given every story's links, or none: the model's own), with Similar News: the
   * first time, every story's, computed in the worker; after that the model's quick links, made final at once when a
   * full computation is cheap.
   */
  async site(compute: (links?: Map<string, SimilarLink[]>) => ModelResult): Promise<ModelResult> {
    if (!this.#model.settled) {
      const first = compute(new Map());
      if (!first.ok) return first;
      const computing = performance.now();
      this.#model.settle(await this.#job.compute(first.inputs, SIMILAR_DEFAULTS.limit));
      this.#ms = performance.now() - computing;
    }
    const result = compute();
    if (!result.ok || result.settled || this.#ms > INLINE_SIMILAR_MS) return result;
    const computing = performance.now();
    const index = SimilarIndex.build(result.inputs, { limit: SIMILAR_DEFAULTS.limit });
    this.#model.settle({ index, links: index.all(), inputs: result.inputs, limit: SIMILAR_DEFAULTS.limit });
    this.#ms = performance.now() - computing;
    return compute();
  }

  /**
   * Recomputes Similar News for every story in the worker; when done, a build renders the pages whose links changed.
   * One computation at a time: a publish during it is built with the provisional links, and settles after.
   */
  settle(inputs: SimilarInput[]): void {
    if (this.#running) return;
    this.#running = true;
    const started = performance.now();
    this.#job
      .compute(inputs, SIMILAR_DEFAULTS.limit)
      .then((settled) => {
        this.#ms = performance.now() - started;
        this.#log(
          `Similar News recomputed for ${inputs.length} stories (${Math.round(this.#ms)} ms): rendering the pages whose links changed`,
        );
        this.#waiting = settled;
        this.#settled();
      })
      .catch((error: unknown) =>
        this.#log(`Similar News recomputation failed: ${error instanceof Error ? error.message : String(error)}`),
      )
      .finally(() => {
        this.#running = false;
      });
  }

  /** Stops the worker. */
  stop(): void {
    this.#job.stop();
  }
}
