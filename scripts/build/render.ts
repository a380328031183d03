/**
 * Renders render plans with Astro, one child process per plan (`scripts/build.ts` with NEWS_RENDER_PLAN), all at
 * once: a machine with two cores renders two halves of the site side by side.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BUILD_SCRIPT = fileURLToPath(new URL('../build.ts', import.meta.url));
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

/** One plan to render: the plan file, the folder to render into, and how many pages it holds. */
export interface RenderJob {
  plan: string;
  outDir: string;
  pages: number;
}

/**
 * Renders every job at once; resolves when all succeeded, rejects with the first failure (the others are stopped).
 * `progress` gets a line every few seconds with the pages written so far.
 */
export async function renderPlans(jobs: RenderJob[], options: { cacheDir: string; progress?: (line: string) => void }): Promise<void> {
  const total = jobs.reduce((n, j) => n + j.pages, 0);
  let written = 0;
  const started = performance.now();
  const timer = setInterval(() => options.progress?.(`[render] ${written.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} pages written (${((performance.now() - started) / 1000).toFixed(0)} s)`), 5000);
  const children = jobs.map((job, i) => {
    const env: NodeJS.ProcessEnv = { ...process.env, NEWS_RENDER_PLAN: job.plan, ASTRO_CACHE_DIR: path.join(options.cacheDir, 'astro', String(i)), ASTRO_TELEMETRY_DISABLED: '1' };
    for (const name of SECRETS) delete env[name];
    const child = spawn(process.execPath, [BUILD_SCRIPT, '--outDir', job.outDir], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    let partial = '';
    const keep = (chunk: Buffer) => {
      const text = chunk.toString();
      log = (log + text).slice(-20_000);
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (PAGE_LINE.test(line)) written += 1;
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const done = new Promise<void>((resolve, reject) => {
      child.on('error', (error) => reject(new RenderFailure(`render process ${i + 1} could not start: ${error.message}`, log)));
      child.on('close', (code, signal) => {
        if (code === 0) resolve();
        else reject(new RenderFailure(`render process ${i + 1} of ${jobs.length} ${signal ? `was killed (${signal})` : `exited with code ${code}`}`, log));
      });
    });
    return { child, done };
  });
  try {
    await Promise.all(children.map((c) => c.done));
  } catch (error) {
    for (const { child } of children) if (child.exitCode === null) child.kill('SIGTERM');
    await Promise.allSettled(children.map((c) => c.done));
    throw error;
  } finally {
    clearInterval(timer);
  }
}
