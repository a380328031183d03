import { spawn } from 'node:child_process';
import { mkdir, readdir, readlink, rename, rm, stat, symlink } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeMirrorFile, type MirrorFile } from '../../src/lib/sanity/mirror-file.ts';

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Environment variables a build never gets: it reads the mirror file, not Sanity. */
const SECRETS = ['SANITY_TOKEN', 'SANITY_WEBHOOK_SECRET', 'SANITY_STUDIO_TOKEN'];

/** A finished build. */
export interface Build {
  id: string;
  dir: string;
  revision: string;
  ms: number;
  finishedAt: string;
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
      }
    } catch {
      this.#current = undefined;
    }
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

  /** Builds the site from a mirror; on success the new build becomes current. */
  async build(mirror: MirrorFile): Promise<Build> {
    const started = performance.now();
    const id = `${new Date().toISOString().replace(/[-:.]/g, '').replace('T', '-').slice(0, 18)}-${mirror.revision.slice(0, 8)}`;
    const dir = path.join(this.root, 'builds', id);
    const mirrorFile = path.join(this.root, 'mirror.json');
    await writeMirrorFile(mirrorFile, mirror);
    // Start from a copy of the current build: Astro's incremental build then leaves unchanged pages where they are
    // and renders only the rest (a copy, not hard links: Astro rewrites changed pages in place).
    const seeded = this.#current ? await copyDir(this.#current.dir, dir) : false;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...(seeded ? { NEWS_KEEP_OUTDIR: '1' } : {}),
      NEWS_MIRROR: mirrorFile,
      ASTRO_CACHE_DIR: path.join(this.root, 'astro-cache'),
      NEWS_CACHE_DIR: path.join(this.root, 'cache'),
      ASTRO_TELEMETRY_DISABLED: '1',
    };
    for (const name of SECRETS) delete env[name];
    // stop() may have come while the mirror was syncing or being written: start no build after it.
    if (this.#stopped) throw new BuildFailure('the service is stopping; the build was not started', '');
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'scripts/build.ts'), '--outDir', dir], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
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
    }).catch(async (error: unknown) => {
      await this.#discard(dir);
      throw error;
    });
    if (!(await stat(path.join(dir, 'index.html')).catch(() => undefined))) {
      await this.#discard(dir);
      throw new BuildFailure('the build finished without an index.html', output);
    }
    const link = path.join(this.root, `current.${process.pid}.tmp`);
    await rm(link, { force: true });
    await symlink(path.relative(this.root, dir), link);
    await rename(link, path.join(this.root, 'current'));
    this.#current = { id, dir, revision: mirror.revision, ms: performance.now() - started, finishedAt: new Date().toISOString() };
    await this.prune(3);
    return this.#current;
  }

  /**
   * Removes a failed build. Astro's incremental manifest may describe that build rather than the current one, and
   * the next build starts from a copy of the current one, so the manifest goes too: the next build renders every page.
   */
  async #discard(dir: string): Promise<void> {
    await rm(dir, { recursive: true, force: true });
    await rm(path.join(this.root, 'astro-cache', 'incremental-build.json'), { force: true });
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
    const running = this.#child ? 'running' : undefined;
    let kept = 0;
    for (const id of builds) {
      if (id === current) continue;
      if (running && id > (current ?? '')) continue;
      if (kept < keep - 1 && (await stat(path.join(this.root, 'builds', id, 'index.html')).catch(() => undefined))) {
        kept += 1;
        continue;
      }
      await rm(path.join(this.root, 'builds', id), { recursive: true, force: true });
    }
  }
}

/** Copies a build folder with the system's `cp -a` (much faster than a file-by-file copy in Node); false on failure. */
function copyDir(from: string, to: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('cp', ['-a', from, to], { stdio: 'ignore' });
    child.on('error', () => resolve(false));
    child.on('close', (code) => resolve(code === 0));
  });
}
