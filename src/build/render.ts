/**
 * Render processes: Astro builds (`scripts/build.ts --render`, see ipc.ts) that render render plans, side by side,
 * one per core. A process can start before its plan exists: it loads Astro and bundles the site, then waits for its
 * plan, so that bundling overlaps with computing the site.
 */
import path from 'node:path';
import { RenderProcess } from './ipc.ts';

/** Where render process `i` reads its plan and writes its pages. */
export interface RenderSlot {
  plan: string;
  outDir: string;
}

/** The render processes of one build, working in the folder `work`. */
export class Renderers {
  readonly #work: string;
  readonly #started: RenderProcess[] = [];

  constructor(work: string) {
    this.#work = work;
  }

  /** The plan file and output folder of process `i`. */
  slot(i: number): RenderSlot {
    return { plan: path.join(this.#work, `plan-${i}.ndjson`), outDir: path.join(this.#work, `out-${i}`) };
  }

  /** Starts processes until `count` run; they bundle the site and wait for their plans. */
  start(count: number): void {
    while (this.#started.length < count) {
      const i = this.#started.length;
      this.#started.push(
        new RenderProcess({
          outDir: this.slot(i).outDir,
          astroCacheDir: path.join(this.#work, 'astro', String(i)),
          label: `render process ${i + 1}`,
        }),
      );
    }
  }

  /**
   * Renders the plans of processes 0 to `count - 1` (written by the caller into their slots), starting the processes
   * not started yet and stopping the others; resolves when all succeeded, rejects with the first failure (the others
   * are stopped). `progress` gets a line every few seconds with the pages written so far.
   */
  async render(count: number, pages: number, progress: (line: string) => void): Promise<void> {
    this.start(count);
    for (const extra of this.#started.splice(count)) extra.stop();
    this.#started.forEach((renderer, i) => renderer.render(this.slot(i).plan));
    const started = performance.now();
    const written = () => this.#started.reduce((n, r) => n + r.pages, 0);
    const timer = setInterval(
      () =>
        progress(
          `[render] ${written().toLocaleString('en-US')} of ${pages.toLocaleString('en-US')} pages written (${((performance.now() - started) / 1000).toFixed(0)} s)`,
        ),
      5000,
    );
    try {
      await Promise.all(this.#started.map((r) => r.done));
    } catch (error) {
      this.stop();
      await Promise.allSettled(this.#started.map((r) => r.done));
      throw error;
    } finally {
      clearInterval(timer);
    }
  }

  /** Stops every process (a build that stops early, or fails). */
  stop(): void {
    for (const renderer of this.#started) renderer.stop();
  }
}
