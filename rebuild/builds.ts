import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { copyFile, cp, link, mkdir, readdir, readFile, readlink, rename, rm, rmdir, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BuildFailure } from '../src/build/failure.ts';
import { RenderProcess } from '../src/build/ipc.ts';
import { pageFile, STATIC_KINDS, type RenderPlan, type SitePage } from '../src/lib/pages.ts';
import { writePlan } from '../src/lib/render-plan.ts';

const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

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

/** A build process: the render process, where it renders, and the file its plan is written to. */
interface BuildProcess {
  renderer: RenderProcess;
  staging: string;
  plan: string;
}

/** The two folders builds alternate between. */
const TREES = ['a', 'b'] as const;

/**
 * The largest render plan one build process is given, in characters of JSON. A plan of every page of a large site
 * (100,000 stories: about a gigabyte) would cost its process several gigabytes: such a plan is rendered in parts, one
 * process after the other, each with its share of the pages (and the routes without parameters, which every build
 * renders).
 */
const MAX_PLAN_CHARS = 64 * 2 ** 20;

/**
 * The builds of the site under `root`, in two folders, `builds/a/` and `builds/b/`, that take turns: one is served
 * (the `current` symlink points at it), the other receives the next build, which then becomes current through an
 * atomic rename of the symlink. A build renders only the pages whose key changed (the plan, into `staging/<id>/`);
 * the other folder is brought to the new content by moving those pages in, hard-linking from the served folder the
 * pages that changed in the build before, and deleting pages that are gone. Files are only ever replaced by rename,
 * never rewritten, so the served folder never changes under a reader. A failed, crashed or killed build leaves the
 * current site as it was, and its folder is rebuilt from a full copy next time.
 */
export class SiteBuilds {
  readonly root: string;
  #current: Build | undefined;
  /** The page keys each folder holds, when known. */
  #trees = new Map<string, Map<string, string>>();
  #child: RenderProcess | undefined;
  #warm: BuildProcess | undefined;
  /** A copy of the served folder being made into the other folder, so that the next build finds it ready. */
  #preparing: { tree: string; done: Promise<void> } | undefined;
  #spawned = 0;
  #stopped = false;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  /** Picks up the build the `current` symlink points at, from an earlier run. */
  async init(): Promise<Build | undefined> {
    await mkdir(path.join(this.root, 'builds'), { recursive: true });
    try {
      const dir = path.resolve(this.root, await readlink(path.join(this.root, 'current')));
      if ((await stat(path.join(dir, 'index.html'))).isFile()) {
        const saved = JSON.parse(await readFile(path.join(this.root, 'pages.json'), 'utf8').catch(() => '{}')) as { build?: string; tree?: string; revision?: string; keys?: [string, string][] };
        const known = saved.tree === path.basename(dir) && Array.isArray(saved.keys);
        this.#current = { id: known && saved.build ? saved.build : path.basename(dir), dir, revision: known ? (saved.revision ?? 'unknown') : 'unknown', ms: 0, finishedAt: '' };
        if (known && saved.keys) {
          this.#current.keys = new Map(saved.keys);
          this.#trees.set(path.basename(dir), this.#current.keys);
        }
      }
    } catch {
      this.#current = undefined;
    }
    await rm(path.join(this.root, 'staging'), { recursive: true, force: true });
    await rm(path.join(this.root, 'plans'), { recursive: true, force: true });
    // Anything but the two folders (builds of older versions) goes, unless it is what is served.
    for (const name of await readdir(path.join(this.root, 'builds'))) {
      const dir = path.join(this.root, 'builds', name);
      if (!(TREES as readonly string[]).includes(name) && dir !== this.#current?.dir) await rm(dir, { recursive: true, force: true });
    }
    this.#prepareOther();
    return this.#current;
  }

  /** The build being served. */
  get current(): Build | undefined {
    return this.#current;
  }

  /** Records that the current build already shows `revision` (a change that altered no page). */
  adopt(revision: string): void {
    if (this.#current) this.#current.revision = revision;
  }

  /** The build process started ahead of time: "ready" (waiting for a plan), "starting" (bundling), or "none". */
  get renderer(): 'ready' | 'starting' | 'none' {
    const warm = this.#warm;
    if (!warm?.renderer.running) return 'none';
    return warm.renderer.bundled ? 'ready' : 'starting';
  }

  /** The process id of the running build, if any. */
  get pid(): number | undefined {
    return this.#child?.child.pid;
  }

  /**
   * Renders the pages of `plan` (a render process: `scripts/build.ts --render`) and makes them, with
   * the rest of the site, the new current build. `keys` are the page keys of the whole new site. With `merge`, the
   * plan holds only the pages whose key differs from the current build's (and the routes every build renders);
   * without, it holds every page.
   */
  async build(plan: RenderPlan, options: { revision: string; keys: Map<string, string>; merge: boolean }): Promise<Build> {
    const started = performance.now();
    const id = `${new Date().toISOString().replace(/[-:.]/g, '').replace('T', '-').slice(0, 18)}-${options.revision.slice(0, 8)}`;
    const tree = TREES.find((t) => path.join(this.root, 'builds', t) !== this.#current?.dir) ?? 'a';
    const dir = path.join(this.root, 'builds', tree);
    // stop() may have come while the model was computed: start no build after it.
    if (this.#stopped) throw new BuildFailure('the service is stopping; the build was not started', '');
    // The process started ahead of time, unless it died meanwhile.
    let renderer = this.#warm;
    this.#warm = undefined;
    if (!renderer?.renderer.running) renderer = this.#spawn();
    // The plan, in parts if it is large (see MAX_PLAN_CHARS); the first part goes to the process started ahead.
    const parts = planParts(plan);
    let part = parts.next();
    const staging = renderer.staging;
    const stagings = [staging];
    const base = options.merge ? this.#current : undefined;
    const baseKeys = base?.keys;
    if (this.#preparing?.tree === tree) await this.#preparing.done;
    const had = this.#trees.get(tree);
    // Once the folder is being changed, a failed build leaves its content unknown.
    let touched = !had;
    this.#trees.delete(tree);
    // A folder whose content is unknown starts again from a copy of the served one, made while the pages render.
    const prepared = base && !had ? copyTree(base.dir, dir) : Promise.resolve();
    try {
      let output = '';
      for (let index = 0; !part.done; index += 1) {
        if (this.#stopped) throw new BuildFailure('the service is stopping; the build was not finished', output);
        const current = index === 0 ? renderer : this.#spawn();
        if (index > 0) stagings.push(current.staging);
        this.#child = current.renderer;
        await writePlan(current.plan, plan.layout, part.value);
        current.renderer.render(current.plan);
        // The next part is made while this one renders, and only one waits in memory.
        part = parts.next();
        const last = part.done;
        output = await current.renderer.done.finally(() => {
          this.#child = undefined;
          void rm(current.plan, { force: true });
          if (last) this.warm();
        });
      }
      // The parts' pages together in the first part's folder (the routes every part renders are the same in each).
      for (const other of stagings.slice(1)) {
        for (const entry of await readdir(other, { recursive: true, withFileTypes: true })) {
          if (!entry.isFile()) continue;
          const file = path.relative(other, path.join(entry.parentPath, entry.name));
          await place(path.join(other, file), path.join(staging, file), 'move');
        }
        await rm(other, { recursive: true, force: true });
      }
      await prepared;
      touched = true;
      if (base && baseKeys) {
        const rendered = new Set<string>();
        for (const entry of await readdir(staging, { recursive: true, withFileTypes: true })) {
          if (!entry.isFile()) continue;
          const file = path.relative(staging, path.join(entry.parentPath, entry.name));
          rendered.add(file);
          await place(path.join(staging, file), path.join(dir, file), 'move');
        }
        const inDir = had ?? baseKeys;
        for (const [page, key] of options.keys) {
          // Pages that changed in the build before this one: the served folder has them right.
          if (inDir.get(page) !== key && !rendered.has(pageFile(page))) await place(path.join(base.dir, pageFile(page)), path.join(dir, pageFile(page)), 'link');
        }
        for (const page of inDir.keys()) if (!options.keys.has(page)) await removePage(dir, page);
        await rm(staging, { recursive: true, force: true });
      } else {
        await rm(dir, { recursive: true, force: true });
        await rename(staging, dir);
      }
      if (!(await stat(path.join(dir, 'index.html')).catch(() => undefined))) throw new BuildFailure('the build finished without an index.html', output);
    } catch (error) {
      await prepared.catch(() => undefined);
      for (const folder of stagings) await rm(folder, { recursive: true, force: true });
      // A part that failed before the last leaves no process waiting for the next build.
      this.warm();
      if (!touched && had) this.#trees.set(tree, had);
      this.#prepareOther();
      throw error;
    }
    const link = path.join(this.root, `current.${process.pid}.tmp`);
    await rm(link, { force: true });
    await symlink(path.relative(this.root, dir), link);
    await rename(link, path.join(this.root, 'current'));
    this.#trees.set(tree, options.keys);
    this.#current = { id, dir, revision: options.revision, ms: performance.now() - started, finishedAt: new Date().toISOString(), keys: options.keys };
    // The page keys let the next run of the service render only what changed since this build.
    const saved = path.join(this.root, `pages.${process.pid}.tmp`);
    await writeFile(saved, JSON.stringify({ build: id, tree, revision: options.revision, keys: [...options.keys] }));
    await rename(saved, path.join(this.root, 'pages.json'));
    this.#prepareOther();
    return this.#current;
  }

  /**
   * When the folder not served holds nothing known (after a full build, or at start), copies the served one into it
   * in the background, so that the next build changes a few pages instead of copying the whole site first.
   */
  #prepareOther(): void {
    const current = this.#current;
    const keys = current?.keys;
    const tree = TREES.find((t) => path.join(this.root, 'builds', t) !== current?.dir);
    if (!current || !keys || !tree || this.#trees.has(tree) || this.#preparing?.tree === tree) return;
    const done = copyTree(current.dir, path.join(this.root, 'builds', tree))
      .then(() => {
        // Only if that build is still the one served: otherwise the copy is of an older site, of unknown use.
        if (this.#current === current) this.#trees.set(tree, keys);
      })
      .catch(() => undefined)
      .finally(() => {
        if (this.#preparing?.done === done) this.#preparing = undefined;
      });
    this.#preparing = { tree, done };
  }

  /**
   * Starts the next build process ahead of time: it loads Astro and bundles the site, then waits for its plan
   * (see src/build/ipc.ts), so that a change waits only for its pages to render.
   */
  warm(): void {
    if (!this.#stopped && !this.#warm) this.#warm = this.#spawn();
  }

  /** A build process rendering into `staging/<id>` once it is handed its plan. */
  #spawn(): BuildProcess {
    const id = `${Date.now().toString(36)}-${(this.#spawned += 1)}`;
    const staging = path.join(this.root, 'staging', id);
    const plan = path.join(this.root, 'plans', `${id}.ndjson`);
    mkdirSync(path.dirname(plan), { recursive: true });
    const renderer = new RenderProcess({ outDir: staging, astroCacheDir: path.join(this.root, 'astro-cache'), label: 'the build', cwd: PROJECT_ROOT });
    return { renderer, staging, plan };
  }

  /** Stops a running build (on shutdown). */
  stop(): void {
    this.#stopped = true;
    this.#child?.stop();
    this.#warm?.renderer.stop();
  }
}

/**
 * Puts a file in place by rename, so that whoever has the old one open keeps reading the old one: `move` renames the
 * file itself, `link` renames a fresh hard link to it (the source stays where it is).
 */
async function place(from: string, to: string, how: 'move' | 'link'): Promise<void> {
  await mkdir(path.dirname(to), { recursive: true });
  if (how === 'move') {
    await rename(from, to);
    return;
  }
  const temporary = `${to}.${process.pid}.tmp`;
  await rm(temporary, { force: true });
  await link(from, temporary).catch(() => copyFile(from, temporary));
  await rename(temporary, to);
}

/** Removes a page's file, and its folder when that is now empty (/news/<slug>/). */
async function removePage(dir: string, page: string): Promise<void> {
  const file = path.join(dir, pageFile(page));
  await rm(file, { force: true });
  if (file.endsWith(`${path.sep}index.html`)) await rmdir(path.dirname(file)).catch(() => undefined);
}

/**
 * Replaces `to` with a copy of `from` made of hard links (`cp -al`); when the file system refuses links, a plain copy.
 */
async function copyTree(from: string, to: string): Promise<void> {
  await rm(to, { recursive: true, force: true });
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
