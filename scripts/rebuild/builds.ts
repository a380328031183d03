import { spawn } from 'node:child_process';
import { cp, mkdir, readdir, readFile, readlink, rename, rm, rmdir, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pageFile } from '../../src/lib/pages.ts';
import type { RenderPlan } from '../../src/site.ts';

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Environment variables a build never gets: it renders the plan's data and never reads Sanity. */
const SECRETS = ['SANITY_TOKEN', 'SANITY_WEBHOOK_SECRET', 'SANITY_STUDIO_TOKEN'];

/** A finished build. */
export interface Build {
  id: string;
  dir: string;
  revision: string;
  ms: number;
  finishedAt: string;
  /** The cache key of every page of the build, by path (see src/lib/pages.ts); unknown for a build of an older run. */
  keys?: Map<string, string>;
}

/** A build that failed, with the end of its output. */
export class BuildFailure extends Error {
  readonly output: string;
  constructor(message: string, output: string) {
    super(message);
    this.name = 'BuildFailure';
    this.output = output;
  }
}

/**
 * The builds of the site under `root`: each build goes into a new `builds/<id>/` folder; only a build that finished
 * and holds an index.html becomes current, through an atomic rename of the `current` symlink. A failed, crashed or
 * killed build leaves the current site as it was.
 */
export class SiteBuilds {
  readonly root: string;
  #current: Build | undefined;
  #child: ReturnType<typeof spawn> | undefined;
  #stopped = false;
  #pruning: Promise<void> = Promise.resolve();
  /** The id of the build being made: pruning leaves its folder alone. */
  #building: string | undefined;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  /** Picks up the build the `current` symlink points at, from an earlier run. */
  async init(): Promise<Build | undefined> {
    await mkdir(path.join(this.root, 'builds'), { recursive: true });
    try {
      const target = await readlink(path.join(this.root, 'current'));
      const dir = path.resolve(this.root, target);
      if ((await stat(path.join(dir, 'index.html'))).isFile()) {
        this.#current = { id: path.basename(dir), dir, revision: 'unknown', ms: 0, finishedAt: '' };
        const saved = JSON.parse(await readFile(path.join(this.root, 'pages.json'), 'utf8').catch(() => '{}')) as { build?: string; revision?: string; keys?: [string, string][] };
        if (saved.build === this.#current.id && Array.isArray(saved.keys)) {
          this.#current.keys = new Map(saved.keys);
          this.#current.revision = saved.revision ?? 'unknown';
        }
      }
    } catch {
      this.#current = undefined;
    }
    await rm(path.join(this.root, 'staging'), { recursive: true, force: true });
    // Folders of builds that never finished (a crash, kill -9) are not the current one: remove them.
    await this.prune(1);
    return this.#current;
  }

  /** The build being served. */
  get current(): Build | undefined {
    return this.#current;
  }

  /** The process id of the running build, if any. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /**
   * Renders the pages of `plan` (a child process: `scripts/build.ts` with `NEWS_RENDER_PLAN`) into a folder of their
   * own. With `merge`, the new build is a hard-linked copy of the current one (files are never written in place, so
   * the live build cannot change) with the rendered pages moved in and the `removed` pages deleted; without, the
   * plan holds every page and the rendered folder is the new build. On success the new build becomes current.
   */
  async build(plan: RenderPlan, options: { revision: string; keys: Map<string, string>; merge: boolean; removed?: readonly string[] }): Promise<Build> {
    const started = performance.now();
    const id = `${new Date().toISOString().replace(/[-:.]/g, '').replace('T', '-').slice(0, 18)}-${options.revision.slice(0, 8)}`;
    const dir = path.join(this.root, 'builds', id);
    const staging = path.join(this.root, 'staging', id);
    this.#building = id;
    const planFile = path.join(this.root, 'plan.json');
    await writeFile(planFile, JSON.stringify(plan));
    const env: NodeJS.ProcessEnv = { ...process.env, NEWS_RENDER_PLAN: planFile, ASTRO_CACHE_DIR: path.join(this.root, 'astro-cache'), ASTRO_TELEMETRY_DISABLED: '1' };
    for (const name of SECRETS) delete env[name];
    // stop() may have come while the model was computed or the plan written: start no build after it.
    if (this.#stopped) throw new BuildFailure('the service is stopping; the build was not started', '');
    const base = options.merge ? this.#current : undefined;
    // The copy of the live build is made while the pages render.
    const copied = base ? linkTree(base.dir, dir) : Promise.resolve();
    try {
      const output = await this.#render(staging, env);
      await copied;
      if (base) {
        for (const entry of await readdir(staging, { recursive: true, withFileTypes: true })) {
          if (!entry.isFile()) continue;
          const target = path.join(dir, path.relative(staging, path.join(entry.parentPath, entry.name)));
          await mkdir(path.dirname(target), { recursive: true });
          await rename(path.join(entry.parentPath, entry.name), target);
        }
        for (const page of options.removed ?? []) {
          const file = path.join(dir, pageFile(page));
          await rm(file, { force: true });
          // A story's page is alone in its folder (/news/<slug>/index.html): remove the folder when empty.
          if (file.endsWith(`${path.sep}index.html`)) await rmdir(path.dirname(file)).catch(() => undefined);
        }
        await rm(staging, { recursive: true, force: true });
      } else {
        await rename(staging, dir);
      }
      if (!(await stat(path.join(dir, 'index.html')).catch(() => undefined))) throw new BuildFailure('the build finished without an index.html', output);
    } catch (error) {
      await copied.catch(() => undefined);
      await Promise.all([rm(staging, { recursive: true, force: true }), rm(dir, { recursive: true, force: true })]);
      this.#building = undefined;
      throw error;
    }
    const link = path.join(this.root, `current.${process.pid}.tmp`);
    await rm(link, { force: true });
    await symlink(path.relative(this.root, dir), link);
    await rename(link, path.join(this.root, 'current'));
    this.#current = { id, dir, revision: options.revision, ms: performance.now() - started, finishedAt: new Date().toISOString(), keys: options.keys };
    // The page keys let the next run of the service render only what changed since this build.
    const saved = path.join(this.root, `pages.${process.pid}.tmp`);
    await writeFile(saved, JSON.stringify({ build: id, revision: options.revision, keys: [...options.keys] }));
    await rename(saved, path.join(this.root, 'pages.json'));
    // Removing old builds (thousands of files) runs in the background, never touching the build being made.
    this.#building = undefined;
    this.#pruning = this.#pruning.then(() => this.prune(3)).catch(() => undefined);
    return this.#current;
  }

  /** Runs the build process; resolves with the end of its output, rejects with a BuildFailure. */
  #render(outDir: string, env: NodeJS.ProcessEnv): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'scripts/build.ts'), '--outDir', outDir], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      this.#child = child;
      let log = '';
      const keep = (chunk: Buffer) => {
        log = (log + chunk.toString()).slice(-20_000);
      };
      child.stdout?.on('data', keep);
      child.stderr?.on('data', keep);
      child.on('error', reject);
      child.on('close', (code, signal) => {
        this.#child = undefined;
        if (code === 0) resolve(log);
        else reject(new BuildFailure(signal ? `the build was killed (${signal})` : `the build exited with code ${code}`, log));
      });
    });
  }

  /** Stops a running build (on shutdown). */
  stop(): void {
    this.#stopped = true;
    this.#child?.kill('SIGTERM');
  }

  /** Removes all builds but the newest `keep` finished ones and the current one. */
  async prune(keep: number): Promise<void> {
    const builds = (await readdir(path.join(this.root, 'builds')).catch(() => [] as string[])).sort().reverse();
    const current = this.#current?.id;
    let kept = 0;
    for (const id of builds) {
      if (id === current) continue;
      if (id === this.#building) continue;
      if (kept < keep - 1 && (await stat(path.join(this.root, 'builds', id, 'index.html')).catch(() => undefined))) {
        kept += 1;
        continue;
      }
      await rm(path.join(this.root, 'builds', id), { recursive: true, force: true });
    }
  }
}

/**
 * Copies a build folder as hard links (`cp -al`: a second per 10,000 pages would be a full copy); when the file
 * system refuses links, a plain copy.
 */
async function linkTree(from: string, to: string): Promise<void> {
  await mkdir(path.dirname(to), { recursive: true });
  if (await run('cp', ['-al', from, to])) return;
  await rm(to, { recursive: true, force: true });
  await cp(from, to, { recursive: true });
}

function run(command: string, args: string[]): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'ignore' });
    child.on('error', () => resolve(false));
    child.on('close', (code) => resolve(code === 0));
  });
}
