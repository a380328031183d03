/**
 * The two folders the site is served from, `builds/a/` and `builds/b/`, under `root`: one is served (the `current`
 * symlink points at it), the other receives the next build, which then becomes current through an atomic rename of
 * the symlink. The folder not served is brought to the new content by moving in the pages just rendered,
 * hard-linking from the served folder the pages that changed in the build before, and deleting pages that are gone.
 * Files are only ever replaced by rename, never rewritten, so the served folder never changes under a reader. A
 * failed build leaves the current site as it was, and the folder it touched is rebuilt from a full copy next time.
 */
import { spawn } from 'node:child_process';
import {
  copyFile,
  cp,
  link,
  mkdir,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  rmdir,
  stat,
  symlink,
} from 'node:fs/promises';
import path from 'node:path';
import { BuildFailure } from '../src/build/failure.ts';
import { writeFileAtomic } from '../src/lib/atomic-write.ts';
import { pageFile } from '../src/lib/site/pages.ts';

/** A finished build. */
export interface Build {
  id: string;
  dir: string;
  revision: string;
  ms: number;
  finishedAt: string;
  /** The cache key of every page of the build, by path (see src/lib/site/pages.ts); unknown for a build of an older run. */
  keys?: Map<string, string>;
}

/** The two folders builds alternate between. */
const TREES = ['a', 'b'] as const;

/** A build on its way into the folder not served (see `SiteFolders.begin`). */
export interface FolderUpdate {
  /** `a` or `b`, and its path. */
  tree: string;
  dir: string;
  /** The build served when this one began, when this one only changes pages (else it replaces the whole folder). */
  base: Build | undefined;
  /** The page keys the folder held before, when known. */
  had: Map<string, string> | undefined;
  /** Whether the folder has been changed: a failed build then leaves its content unknown. */
  touched: boolean;
  /** The copy of the served folder into this one, when its content was unknown (made while the pages render). */
  prepared: Promise<void>;
}

/** The served folder and the other one, under `root`. */
export class SiteFolders {
  readonly root: string;
  #current: Build | undefined;
  /** The page keys each folder holds, when known. */
  #trees = new Map<string, Map<string, string>>();
  /** A copy of the served folder being made into the other folder, so that the next build finds it ready. */
  #preparing: { tree: string; done: Promise<void> } | undefined;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  /** Picks up the build the `current` symlink points at, from an earlier run, and removes builds of older versions. */
  async init(): Promise<Build | undefined> {
    await mkdir(path.join(this.root, 'builds'), { recursive: true });
    try {
      const dir = path.resolve(this.root, await readlink(path.join(this.root, 'current')));
      if ((await stat(path.join(dir, 'index.html'))).isFile()) {
        const saved = JSON.parse(await readFile(path.join(this.root, 'pages.json'), 'utf8').catch(() => '{}')) as {
          build?: string;
          tree?: string;
          revision?: string;
          keys?: [string, string][];
        };
        const known = saved.tree === path.basename(dir) && Array.isArray(saved.keys);
        this.#current = {
          id: known && saved.build ? saved.build : path.basename(dir),
          dir,
          revision: known ? (saved.revision ?? 'unknown') : 'unknown',
          ms: 0,
          finishedAt: '',
        };
        if (known && saved.keys) {
          this.#current.keys = new Map(saved.keys);
          this.#trees.set(path.basename(dir), this.#current.keys);
        }
      }
    } catch {
      this.#current = undefined;
    }
    // Anything but the two folders (builds of older versions) goes, unless it is what is served.
    for (const name of await readdir(path.join(this.root, 'builds'))) {
      const dir = path.join(this.root, 'builds', name);
      if (!(TREES as readonly string[]).includes(name) && dir !== this.#current?.dir)
        await rm(dir, { recursive: true, force: true });
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

  /**
   * Begins a build into the folder not served: with `merge`, one that changes the pages that differ from the served
   * build's, else one that replaces the folder. A folder whose content is unknown starts again from a copy of the
   * served one, made while the pages render.
   */
  async begin(merge: boolean): Promise<FolderUpdate> {
    const tree = TREES.find((t) => path.join(this.root, 'builds', t) !== this.#current?.dir) ?? 'a';
    const dir = path.join(this.root, 'builds', tree);
    const base = merge ? this.#current : undefined;
    if (this.#preparing?.tree === tree) await this.#preparing.done;
    const had = this.#trees.get(tree);
    this.#trees.delete(tree);
    const prepared = base && !had ? copyTree(base.dir, dir) : Promise.resolve();
    return { tree, dir, base, had, touched: !had, prepared };
  }

  /**
   * Brings the folder to the new site: the rendered pages in `staging` (moved, and the folder removed), and, when
   * the update changes pages, the pages that changed in the build before (linked from the served folder) and those
   * gone (removed). `keys` are the page keys of the whole new site; `output` goes into a failure's report.
   */
  async fill(update: FolderUpdate, staging: string, keys: Map<string, string>, output: string): Promise<void> {
    const { dir, base, had } = update;
    try {
      await update.prepared;
      update.touched = true;
      const baseKeys = base?.keys;
      if (base && baseKeys) {
        const rendered = new Set<string>();
        for (const entry of await readdir(staging, { recursive: true, withFileTypes: true })) {
          if (!entry.isFile()) continue;
          const file = path.relative(staging, path.join(entry.parentPath, entry.name));
          rendered.add(file);
          await place(path.join(staging, file), path.join(dir, file), 'move');
        }
        const inDir = had ?? baseKeys;
        for (const [page, key] of keys) {
          // Pages that changed in the build before this one: the served folder has them right.
          if (inDir.get(page) !== key && !rendered.has(pageFile(page)))
            await place(path.join(base.dir, pageFile(page)), path.join(dir, pageFile(page)), 'link');
        }
        for (const page of inDir.keys()) if (!keys.has(page)) await removePage(dir, page);
        await rm(staging, { recursive: true, force: true });
      } else {
        await rm(dir, { recursive: true, force: true });
        await rename(staging, dir);
      }
      if (!(await stat(path.join(dir, 'index.html')).catch(() => undefined)))
        throw new BuildFailure('the build finished without an index.html', output);
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      throw error;
    }
  }

  /** Gives up an update that failed: the served folder stays; the other is known again if it was not touched. */
  async abandon(update: FolderUpdate): Promise<void> {
    await update.prepared.catch(() => undefined);
    if (!update.touched && update.had) this.#trees.set(update.tree, update.had);
    this.#prepareOther();
  }

  /**
   * Serves the updated folder: renames the `current` symlink onto it, and records its page keys (`pages.json`), so
   * that the next run of the service renders only what changed since this build. `started` is when the build began
   * (`performance.now()`).
   */
  async swap(
    update: FolderUpdate,
    build: { id: string; revision: string; keys: Map<string, string>; started: number },
  ): Promise<Build> {
    const { tree, dir } = update;
    const link = path.join(this.root, `current.${process.pid}.tmp`);
    await rm(link, { force: true });
    await symlink(path.relative(this.root, dir), link);
    await rename(link, path.join(this.root, 'current'));
    this.#trees.set(tree, build.keys);
    this.#current = {
      id: build.id,
      dir,
      revision: build.revision,
      ms: performance.now() - build.started,
      finishedAt: new Date().toISOString(),
      keys: build.keys,
    };
    await writeFileAtomic(
      path.join(this.root, 'pages.json'),
      JSON.stringify({ build: build.id, tree, revision: build.revision, keys: [...build.keys] }),
    );
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
}

/**
 * Puts a file in place by rename, so that whoever has the old one open keeps reading the old one: `move` renames the
 * file itself, `link` renames a fresh hard link to it (the source stays where it is).
 */
export async function place(from: string, to: string, how: 'move' | 'link'): Promise<void> {
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
