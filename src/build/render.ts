/**
 * Render processes: Astro builds (`scripts/build.ts` with NEWS_RENDER_PLAN) that render render plans, side by side,
 * one per core. A process can start before its plan exists: it loads Astro and bundles the site, then waits for the
 * plan file (src/site.ts), so that bundling overlaps with computing the site.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BUILD_SCRIPT = fileURLToPath(new URL('../../scripts/build.ts', import.meta.url));
/** Environment variables a render process never gets: it renders the plan's data and never reads Sanity. */
const SECRETS = ['SANITY_TOKEN', 'SANITY_WEBHOOK_SECRET', 'SANITY_STUDIO_TOKEN'];
/** Astro prints a line per page it writes: `16:47:15   ├─ /news/x/index.html (+3ms)`. */
const PAGE_LINE = /[├└]─ \//;

/** A render process that failed, with the end of its output. */
export class RenderFailure extends Error {
  readonly output: string;
  constructor(message: string, output: string) {
    super(message);
    this.name = 'RenderFailure';
    this.output = output;
  }
}

/** Where render process `i` reads its plan and writes its pages. */
export interface RenderSlot {
  plan: string;
  outDir: string;
}

interface Renderer {
  child: ChildProcess;
  done: Promise<void>;
}

/** The render processes of one build, working in the folder `work`. */
export class Renderers {
  readonly #work: string;
  readonly #started: Renderer[] = [];
  #written = 0;

  constructor(work: string) {
    this.#work = work;
  }

  /** The plan file and output folder of process `i`. */
  slot(i: number): RenderSlot {
    return { plan: path.join(this.#work, `plan-${i}.ndjson`), outDir: path.join(this.#work, `out-${i}`) };
  }

  /** Starts processes until `count` run; they bundle the site and wait for their plans. */
  start(count: number): void {
    while (this.#started.length < count) this.#started.push(this.#spawn(this.#started.length));
  }

  /**
   * Renders the plans of processes 0 to `count - 1` (written by the caller into their slots), starting the processes
   * not started yet and stopping the others; resolves when all succeeded, rejects with the first failure (the others
   * are stopped). `progress` gets a line every few seconds with the pages written so far.
   */
  async render(count: number, pages: number, progress: (line: string) => void): Promise<void> {
    this.start(count);
    for (const extra of this.#started.splice(count)) extra.child.kill('SIGTERM');
    const started = performance.now();
    const timer = setInterval(() => progress(`[render] ${this.#written.toLocaleString('en-US')} of ${pages.toLocaleString('en-US')} pages written (${((performance.now() - started) / 1000).toFixed(0)} s)`), 5000);
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
    for (const { child } of this.#started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  }

  #spawn(i: number): Renderer {
    const { plan, outDir } = this.slot(i);
    const env: NodeJS.ProcessEnv = { ...process.env, NEWS_RENDER_PLAN: plan, ASTRO_CACHE_DIR: path.join(this.#work, 'astro', String(i)), ASTRO_TELEMETRY_DISABLED: '1' };
    for (const name of SECRETS) delete env[name];
    const child = spawn(process.execPath, [BUILD_SCRIPT, '--outDir', outDir], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    let partial = '';
    const keep = (chunk: Buffer) => {
      const text = chunk.toString();
      log = (log + text).slice(-20_000);
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (PAGE_LINE.test(line)) this.#written += 1;
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const done = new Promise<void>((resolve, reject) => {
      child.on('error', (error) => reject(new RenderFailure(`render process ${i + 1} could not start: ${error.message}`, log)));
      child.on('close', (code, signal) => {
        if (code === 0) resolve();
        else reject(new RenderFailure(`render process ${i + 1} ${signal ? `was killed (${signal})` : `exited with code ${code}`}`, log));
      });
    });
    // A process that fails before its turn is noticed when its turn comes.
    done.catch(() => undefined);
    return { child, done };
  }
}
