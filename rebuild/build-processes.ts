/**
 * The service's build processes: render processes (src/build/ipc.ts) that render a render plan into `staging/<id>/`.
 * The next one is always started ahead of time, so that Astro has loaded and bundled the site before a change
 * arrives; a plan too large for one process is rendered in parts, one process after the other.
 */
import { mkdirSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BuildFailure } from '../src/build/failure.ts';
import { RenderProcess } from '../src/build/ipc.ts';
import { STATIC_KINDS, type RenderPlan, type SitePage } from '../src/lib/site/pages.ts';
import { writePlan } from '../src/lib/site/render-plan.ts';
import { place } from './site-folders.ts';

const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * The largest render plan one build process is given, in characters of JSON. A plan of every page of a large site
 * (100,000 stories: about a gigabyte) would cost its process several gigabytes: such a plan is rendered in parts, one
 * process after the other, each with its share of the pages (and the routes without parameters, which every build
 * renders).
 */
const MAX_PLAN_CHARS = 64 * 2 ** 20;

/** A build process: the render process, where it renders, and the file its plan is written to. */
interface BuildProcess {
  renderer: RenderProcess;
  staging: string;
  plan: string;
}

/** What rendering a plan gave: the folder that holds its pages, and the end of the last process's output. */
export interface RenderedPlan {
  staging: string;
  output: string;
}

/** The build processes under `root` (`staging/`, `plans/`, `astro-cache/`). */
export class BuildProcesses {
  readonly #root: string;
  readonly #env: Readonly<Record<string, string>> | undefined;
  /** The process started ahead of time, for the next build. */
  #warm: BuildProcess | undefined;
  /** The process rendering now. */
  #running: RenderProcess | undefined;
  #spawned = 0;
  #stopped = false;

  /** `env`: variables the processes get besides the service's (SITE_URL, for canonical links). */
  constructor(root: string, env?: Readonly<Record<string, string>>) {
    this.#root = root;
    this.#env = env;
  }

  /** Removes what processes of an earlier run left. */
  async clear(): Promise<void> {
    await rm(path.join(this.#root, 'staging'), { recursive: true, force: true });
    await rm(path.join(this.#root, 'plans'), { recursive: true, force: true });
  }

  /** Whether `stop()` was called: no build starts after it. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** The build process started ahead of time: "ready" (waiting for a plan), "starting" (bundling), or "none". */
  get renderer(): 'ready' | 'starting' | 'none' {
    const warm = this.#warm;
    if (!warm?.renderer.running) return 'none';
    return warm.renderer.bundled ? 'ready' : 'starting';
  }

  /** The process id of the running build, if any. */
  get pid(): number | undefined {
    return this.#running?.child.pid;
  }

  /**
   * Renders `plan` into a staging folder: the first part in the process started ahead of time (unless it died
   * meanwhile), the others, if the plan is large, each in a new process, their pages then moved into the first
   * part's folder. Starts the next process ahead of time once the last part renders. A failure leaves no staging
   * folder behind.
   */
  async render(plan: RenderPlan): Promise<RenderedPlan> {
    let first = this.#warm;
    this.#warm = undefined;
    if (!first?.renderer.running) first = this.#spawn();
    // The plan, in parts if it is large (see MAX_PLAN_CHARS); the first part goes to the process started ahead.
    const parts = planParts(plan);
    let part = parts.next();
    const stagings = [first.staging];
    try {
      let output = '';
      for (let index = 0; !part.done; index += 1) {
        if (this.#stopped) throw new BuildFailure('the service is stopping; the build was not finished', output);
        const current = index === 0 ? first : this.#spawn();
        if (index > 0) stagings.push(current.staging);
        this.#running = current.renderer;
        await writePlan(current.plan, plan.layout, part.value);
        current.renderer.render(current.plan);
        // The next part is made while this one renders, and only one waits in memory.
        part = parts.next();
        const last = part.done;
        output = await current.renderer.done.finally(() => {
          this.#running = undefined;
          void rm(current.plan, { force: true });
          if (last) this.warm();
        });
      }
      // The parts' pages together in the first part's folder (the routes every part renders are the same in each).
      for (const other of stagings.slice(1)) {
        for (const entry of await readdir(other, { recursive: true, withFileTypes: true })) {
          if (!entry.isFile()) continue;
          const file = path.relative(other, path.join(entry.parentPath, entry.name));
          await place(path.join(other, file), path.join(first.staging, file), 'move');
        }
        await rm(other, { recursive: true, force: true });
      }
      return { staging: first.staging, output };
    } catch (error) {
      for (const folder of stagings) await rm(folder, { recursive: true, force: true });
      // A part that failed before the last leaves no process waiting for the next build.
      this.warm();
      throw error;
    }
  }

  /** Starts the next build process ahead of time, so that a change waits only for its pages to render. */
  warm(): void {
    if (!this.#stopped && !this.#warm) this.#warm = this.#spawn();
  }

  /** Stops the running and the waiting process (on shutdown); no build starts after this. */
  stop(): void {
    this.#stopped = true;
    this.#running?.stop();
    this.#warm?.renderer.stop();
  }

  /** A build process rendering into `staging/<id>` once it is handed its plan. */
  #spawn(): BuildProcess {
    const id = `${Date.now().toString(36)}-${(this.#spawned += 1)}`;
    const staging = path.join(this.#root, 'staging', id);
    const plan = path.join(this.#root, 'plans', `${id}.ndjson`);
    mkdirSync(path.dirname(plan), { recursive: true });
    const renderer = new RenderProcess({
      outDir: staging,
      astroCacheDir: path.join(this.#root, 'astro-cache'),
      label: 'the build',
      cwd: PROJECT_ROOT,
      env: this.#env,
    });
    return { renderer, staging, plan };
  }
}

/**
 * The render plan's pages in parts of at most about MAX_PLAN_CHARS of JSON each, made one at a time as they are asked
 * for, every page in exactly one, and the routes without parameters in every one (a build renders them whatever its
 * plan). One part when the plan is small.
 */
function* planParts(plan: RenderPlan): Generator<SitePage[], void, undefined> {
  const statics = plan.pages.filter((p) => STATIC_KINDS.includes(p.kind));
  const fixed = statics.reduce((sum, page) => sum + JSON.stringify(page).length + 1, 0);
  let pieces: SitePage[] = [];
  let size = fixed;
  let parts = 0;
  for (const page of plan.pages) {
    if (STATIC_KINDS.includes(page.kind)) continue;
    const length = JSON.stringify(page).length;
    if (pieces.length > 0 && size + length + 1 > MAX_PLAN_CHARS) {
      const part = [...statics, ...pieces];
      pieces = [];
      size = fixed;
      parts += 1;
      yield part;
    }
    pieces.push(page);
    size += length + 1;
  }
  if (pieces.length > 0 || parts === 0) yield [...statics, ...pieces];
}
